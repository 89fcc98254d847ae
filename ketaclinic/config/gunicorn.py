"""gunicorn settings for `ketaclinic serve` (`--config python:ketaclinic.config.gunicorn`).

Every worker must have database connections of its own. A connection is a socket to one
PostgreSQL backend; a forked worker inherits the master's sockets, and two processes talking on
one socket interleave their queries and read each other's rows (issue 13 #1: 500s, wrong 401s,
rows of the wrong shape, one request answered with another's data). `ketaclinic serve` closes
every connection before gunicorn forks; `post_fork` below is the second line of defence, for a
connection the master opened anyway (a hook, a future `--preload`, a library at import time).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

# gunicorn 25+ opens a control socket at one fixed path per user ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl). Two app servers on one host would take it from each other; the
# service manager starts and stops ketaclinic, so it is not needed.
control_socket_disable = True

# Connections a worker was forked with: never used, never closed, never garbage-collected here.
_FORGOTTEN: list[Any] = []


def worker_application_name(pid: int) -> str:
    """How a worker's connections are named in pg_stat_activity."""
    return f"ketaclinic-worker-{pid}"


def forget_inherited_connections() -> None:
    """In a freshly forked process: drop the parent's database connections without a word.

    Closing them politely would be the bug again: psycopg's `close()` sends PostgreSQL a
    Terminate message on the socket the parent shares, ending the parent's session. Instead the
    child closes only its own copy of the file descriptor (the socket stays open for the parent:
    closing one of several descriptors sends nothing) and drops the connection object. psycopg
    never finishes a connection in a process other than the one that opened it (its `PGconn`
    records the opening pid and skips `PQfinish` elsewhere), and the objects are kept in
    `_FORGOTTEN` so no finaliser runs at all. Celery's Django fixup does the same for its
    forked workers. Django then opens a new connection at this worker's first query.
    """
    from django.conf import settings

    if not settings.configured:  # Django not loaded in the parent: nothing to inherit
        return
    from django.db import connections

    for wrapper in connections.all(initialized_only=True):
        inherited = wrapper.connection
        if inherited is not None:
            fileno = getattr(inherited, "fileno", None)  # psycopg has one; sqlite3 does not
            if fileno is not None:
                # A connection already broken has no descriptor left to close.
                with contextlib.suppress(Exception):
                    os.close(fileno())
            _FORGOTTEN.append(inherited)
        # A new wrapper (and connection) is made on the next use of this alias.
        del connections[wrapper.alias]


def post_fork(server: Any, worker: Any) -> None:
    """Runs in each new worker: own connections, named after the worker (PGAPPNAME)."""
    # libpq reads PGAPPNAME when it connects (unless DATABASE_URL names an application_name), so
    # each worker's connections show as `ketaclinic-worker-<pid>` in pg_stat_activity.
    os.environ["PGAPPNAME"] = worker_application_name(os.getpid())
    forget_inherited_connections()
