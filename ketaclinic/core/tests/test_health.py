from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import DatabaseError
from django.test import Client


@pytest.mark.django_db
def test_healthz_says_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_does_not_answer(client: Client) -> None:
    with mock.patch("ketaclinic.core.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_every_response_carries_a_request_id(client: Client, db: None) -> None:
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-123")
    assert response["X-Request-ID"] == "lb-123"
    minted = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")["X-Request-ID"]
    assert minted != "bad id with spaces"
    assert len(minted) == 32


@pytest.mark.django_db
def test_an_unexpected_api_error_answers_in_the_api_error_shape(rf) -> None:
    from ketaclinic.core.views import server_error

    request = rf.get("/api/v1/patients")
    response = server_error(request)
    assert response.status_code == 500
    body = json.loads(response.content)
    assert body["error"]["code"] == "server_error"
    assert "Nothing you saved" in body["error"]["message"]


@pytest.mark.django_db
def test_an_unexpected_page_error_is_a_calm_page(rf) -> None:
    from ketaclinic.core.views import server_error

    response = server_error(rf.get("/staff/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
