"""The benchmark's counts: `X-Statement-Count`, `X-Transaction-Count` (core/statement_count.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path

from ketaclinic.core.statement_count import (
    STATEMENT_COUNT_HEADER,
    TRANSACTION_COUNT_HEADER,
    StatementCountMiddleware,
)

MIDDLEWARE_PATH = f"{StatementCountMiddleware.__module__}.{StatementCountMiddleware.__name__}"
COUNTED = {"STATEMENT_COUNT_HEADER": True, "MIDDLEWARE": [MIDDLEWARE_PATH, *settings.MIDDLEWARE]}


def begins(transactions: int) -> int:
    """Django sends SQLite's BEGIN through a cursor (so it counts); psycopg sends PostgreSQL's
    itself when autocommit is off (so it does not)."""
    return transactions if connection.vendor == "sqlite" else 0


def three_statements_one_savepoint(request: HttpRequest) -> HttpResponse:
    """One transaction: two statements, then a third inside a savepoint (SAVEPOINT + RELEASE)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.execute("SELECT 2")
        with transaction.atomic():
            cursor.execute("SELECT 3")
    return HttpResponse("done")


def two_transactions_one_rolled_back(request: HttpRequest) -> HttpResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 2")
            raise LookupError("refused")
    except LookupError:
        pass
    return HttpResponse("done")


urlpatterns = [
    path("three", three_statements_one_savepoint),
    path("rolled-back", two_transactions_one_rolled_back),
]


@pytest.mark.django_db
def test_the_header_counts_every_statement_a_real_view_runs(client: Client) -> None:
    with override_settings(**COUNTED), CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert int(response[STATEMENT_COUNT_HEADER]) == len(queries.captured_queries) >= 1


@pytest.mark.django_db(transaction=True)
def test_savepoints_count_as_statements_and_the_transaction_is_counted_once(
    client: Client,
) -> None:
    with override_settings(**COUNTED, ROOT_URLCONF=__name__):
        response = client.get("/three")
    assert response.status_code == 200
    # SELECT 1, SELECT 2, SAVEPOINT, SELECT 3, RELEASE SAVEPOINT (COMMIT is not a cursor
    # statement); one explicit transaction committed.
    assert int(response[STATEMENT_COUNT_HEADER]) == 5 + begins(1)
    assert response[TRANSACTION_COUNT_HEADER] == "1"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_counts_as_one_that_ended(client: Client) -> None:
    with override_settings(**COUNTED, ROOT_URLCONF=__name__):
        response = client.get("/rolled-back")
    assert int(response[STATEMENT_COUNT_HEADER]) == 2 + begins(2)
    assert response[TRANSACTION_COUNT_HEADER] == "2"


@pytest.mark.django_db
def test_counting_leaves_the_connection_as_it_found_it(client: Client) -> None:
    wrappers_before = list(connection.execute_wrappers)
    with override_settings(**COUNTED):
        client.get("/healthz")
    assert connection.execute_wrappers == wrappers_before
    assert "commit" not in vars(connection)
    assert "rollback" not in vars(connection)


@pytest.mark.django_db
def test_no_header_unless_the_setting_asks_for_it(client: Client) -> None:
    assert STATEMENT_COUNT_HEADER not in client.get("/healthz")
    # Listed in MIDDLEWARE but switched off: Django leaves it out of the chain.
    listed = [MIDDLEWARE_PATH, *settings.MIDDLEWARE]
    with override_settings(STATEMENT_COUNT_HEADER=False, MIDDLEWARE=listed):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert STATEMENT_COUNT_HEADER not in response
