"""How many SQL statements and transactions a request ran, as response headers (benchmarks).

On only when `STATEMENT_COUNT_HEADER` is set (env `KETACLINIC_STATEMENT_COUNT_HEADER`, which
puts this middleware first in MIDDLEWARE); `bench/http_load.py` reads the headers to report the
statements per charted reading and per chart read beside their latency.

- `X-Statement-Count`: every statement sent through a Django cursor on any database connection
  while the request ran (every middleware, the view, the session and cache tables, savepoints
  and their releases), counted by `connection.execute_wrapper`. A batch sent with
  `executemany` is one statement. On PostgreSQL the BEGIN and COMMIT of a transaction are not
  cursor statements (psycopg sends them when Django turns autocommit off and commits), so they
  are not in it: a write in one transaction costs this count plus 2 round trips. (On SQLite
  Django sends BEGIN through a cursor, so there it is counted; COMMIT never is.)
- `X-Transaction-Count`: the explicit transactions that ended (committed or rolled back) on
  those connections: the outermost `transaction.atomic` blocks. Statements run in autocommit
  are each their own transaction on the server and are not in this count.

Counting is per thread: Django's connections are per thread, and so are the wrappers.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse

STATEMENT_COUNT_HEADER = "X-Statement-Count"
TRANSACTION_COUNT_HEADER = "X-Transaction-Count"


class _Tally:
    def __init__(self) -> None:
        self.statements = 0
        self.transactions = 0

    def statement(
        self,
        execute: Callable[..., Any],
        sql: str,
        params: Any,
        many: bool,
        context: dict[str, Any],
    ) -> Any:
        self.statements += 1
        return execute(sql, params, many, context)


class _EndedTransactions:
    """Counts the wrapper's commit() and rollback() calls while active (the end of every
    explicit transaction goes through them: `Atomic.__exit__`, `transaction.commit`). They are
    shadowed on this one wrapper object only, and restored on the way out."""

    def __init__(self, connection: BaseDatabaseWrapper, tally: _Tally) -> None:
        self.connection = connection
        self.tally = tally

    def __enter__(self) -> None:
        for name in ("commit", "rollback"):
            setattr(self.connection, name, self._counted(getattr(self.connection, name)))

    def __exit__(self, *exc_info: object) -> None:
        for name in ("commit", "rollback"):
            # Deleting the instance attribute uncovers the class's method again.
            self.connection.__dict__.pop(name, None)

    def _counted(self, end: Callable[[], None]) -> Callable[[], None]:
        def counted() -> None:
            # Only a transaction actually open ends one: Django calls rollback() on a
            # connection in autocommit too (closing a broken one), and that is no transaction.
            is_open = self.connection.connection is not None and not self.connection.autocommit
            end()
            if is_open:
                self.tally.transactions += 1

        return counted


class StatementCountMiddleware:
    """Sets `X-Statement-Count` and `X-Transaction-Count` on every response (first in
    MIDDLEWARE, so the other middleware's statements count too)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not getattr(settings, "STATEMENT_COUNT_HEADER", False):
            # Listed but switched off: Django drops it from the chain, costing nothing.
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tally = _Tally()
        with ExitStack() as stack:
            # Every configured alias, opened or not: the wrappers hold for a connection the
            # request opens later, and one closed and reopened mid-request keeps them.
            for connection in connections.all():
                stack.enter_context(connection.execute_wrapper(tally.statement))
                stack.enter_context(_EndedTransactions(connection, tally))
            response = self.get_response(request)
        response[STATEMENT_COUNT_HEADER] = str(tally.statements)
        response[TRANSACTION_COUNT_HEADER] = str(tally.transactions)
        return response
