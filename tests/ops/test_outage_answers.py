"""While the database is down every answer is 503 with Retry-After, never a 500 (issue 13 #10).

The outage is simulated in-process (every query raises what psycopg raises when PostgreSQL is
gone); test_database_outage.py stops a real PostgreSQL under the real server.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.api.tests.support import token_for
from ketaclinic.core.outage import RETRY_AFTER_SECONDS, is_database_unavailable
from ketaclinic.testing.personas import Personas

GONE = "server closed the connection unexpectedly\n\tThis probably means the server terminated"


@contextmanager
def database_down(error: Exception | None = None) -> Iterator[None]:
    with (
        mock.patch(
            "django.db.backends.utils.CursorWrapper.execute",
            side_effect=error or OperationalError(GONE),
        ),
        mock.patch(
            "django.db.backends.utils.CursorWrapper.executemany",
            side_effect=error or OperationalError(GONE),
        ),
    ):
        yield


def _assert_api_503(response: Any) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert body["error"]["code"] == "service_unavailable"
    assert "again in a minute" in body["error"]["message"]
    assert body["request_id"] == response["X-Request-ID"]


def _assert_calm_page(response: Any) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "The clinic's records are safe" in page
    assert "try again in a minute" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page


def test_an_api_call_with_a_token_answers_503_in_the_error_shape(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    token = token_for(personas, personas.nina)
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Token {token}")
    _assert_api_503(response)
    assert "Database unavailable: answered 503 to GET /api/v1/patients" in caplog.text


def test_an_api_write_answers_503_when_the_connection_is_unusable(personas: Personas) -> None:
    token = token_for(personas, personas.nina)
    client = Client(raise_request_exception=False)
    with database_down(InterfaceError("connection already closed")):
        response = client.post(
            "/api/v1/sessions/1/vitals",
            data={"systolic_mmhg": 120},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token}",
            HTTP_IDEMPOTENCY_KEY="reading-1",
        )
    _assert_api_503(response)


def test_an_api_call_with_a_session_answers_503_in_the_error_shape(
    personas: Personas, client_for: Callable[[User], Client]
) -> None:
    client = client_for(personas.nina)
    client.raise_request_exception = False
    with database_down():  # the session is read by a middleware, before any view
        response = client.get("/api/v1/me")
    _assert_api_503(response)


@pytest.mark.django_db
def test_a_public_page_is_a_calm_503_page() -> None:
    client = Client(raise_request_exception=False)
    with database_down():  # the view reads the clinic
        response = client.get("/")
    _assert_calm_page(response)


def test_a_signed_in_staff_page_is_a_calm_503_page(
    personas: Personas, client_for: Callable[[User], Client]
) -> None:
    client = client_for(personas.nina)
    client.raise_request_exception = False
    with database_down():
        response = client.get("/staff/patients/")
    _assert_calm_page(response)


def test_a_missing_page_for_someone_signed_in_is_the_calm_503_page_too(
    personas: Personas, client_for: Callable[[User], Client]
) -> None:
    client = client_for(personas.nina)
    client.raise_request_exception = False
    with database_down():  # the 404 page reads the signed-in user for its navigation
        response = client.get("/staff/no-such-page/")
    _assert_calm_page(response)


@pytest.mark.django_db
def test_healthz_answers_503_with_retry_after() -> None:
    client = Client(raise_request_exception=False)
    with database_down():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


def test_other_database_errors_are_not_mistaken_for_an_outage() -> None:
    from django.db import IntegrityError, ProgrammingError

    assert not is_database_unavailable(IntegrityError("duplicate key"))
    assert not is_database_unavailable(ProgrammingError("no such column"))
    assert not is_database_unavailable(ValueError("bad"))
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = OperationalError(GONE)
    assert is_database_unavailable(wrapped)
