"""An unknown /api/v1/ address answers the API's JSON 404 for every method and every caller.

Before the fix a POST (or PUT, PATCH, DELETE) was stopped by Django's CSRF check and answered
an HTML 403 page: a script could not tell a typo in its URL from a refusal.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketaclinic.api.tests.support import assert_error_shape, token_for
from ketaclinic.testing.personas import Personas

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
ADDRESSES = ["/api/v1/no-such-thing", "/api/v1/patients/1/no-such-thing", "/api/v1/patients/"]


def _call(client: Client, method: str, path: str, **extra: Any) -> Any:
    return client.generic(method, path, data=b'{"a": 1}', content_type="application/json", **extra)


def _assert_json_404(response: Any, method: str) -> None:
    assert response.status_code == 404, response.content[:200]
    assert response["Content-Type"].startswith("application/json")
    if method != "HEAD":
        body = assert_error_shape(response, "not_found")
        assert "no endpoint at this address" in body["error"]["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADDRESSES)
@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_address_is_a_json_404_without_a_session(method: str, path: str) -> None:
    client = Client(enforce_csrf_checks=True)
    _assert_json_404(_call(client, method, path), method)


@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_address_is_a_json_404_with_a_session_cookie(
    method: str, personas: Personas
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.nina, backend="allauth.account.auth_backends.AuthenticationBackend")
    client.get("/staff/")  # a page sets the CSRF cookie; the call still sends no token
    _assert_json_404(_call(client, method, "/api/v1/no-such-thing"), method)


@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_address_is_a_json_404_with_a_token(method: str, personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    token = token_for(personas, personas.nina)
    response = _call(client, method, "/api/v1/no-such-thing", HTTP_AUTHORIZATION=f"Token {token}")
    _assert_json_404(response, method)
