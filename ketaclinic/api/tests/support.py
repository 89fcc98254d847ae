"""Helpers shared by the API tests: issue a token, call an endpoint, check the error shape."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.api.services import api_token_issue
from ketaclinic.clinics.models import Clinic
from ketaclinic.testing.factories import staff_member
from ketaclinic.testing.personas import Personas


def token_for(personas: Personas, user: User, clinic: Clinic | None = None) -> str:
    """The plaintext of a fresh token acting as `user` at `clinic` (clinic A by default)."""
    clinic = clinic or personas.clinic
    admin = personas.ada if clinic == personas.clinic else admin_at(clinic)
    _, plaintext = api_token_issue(acting_user=admin, clinic=clinic, user=user, name="EHR sync")
    return plaintext


def admin_at(clinic: Clinic) -> User:
    existing = User.objects.filter(
        memberships__clinic=clinic, memberships__role=Role.CLINIC_ADMIN
    ).first()
    return existing or staff_member(clinic, Role.CLINIC_ADMIN, full_name="Another Admin")


def get(client: Client, path: str, token: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.get(f"/api/v1/{path}", **headers, **extra)


def patch(client: Client, path: str, body: Any, token: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.patch(
        f"/api/v1/{path}", data=data, content_type="application/json", **headers, **extra
    )


def assert_error_shape(response: Any, code: str) -> dict[str, Any]:
    """The one error body: a code, a sentence, field messages, and the request id."""
    assert response["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def send(
    client: Client, method: str, path: str, body: Any, token: str | None = None, **extra: Any
) -> Any:
    """POST or PUT a JSON body (a str is sent as it is, to send malformed JSON)."""
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    data = body if isinstance(body, str) else json.dumps(body)
    call = getattr(client, method.lower())
    return call(f"/api/v1/{path}", data=data, content_type="application/json", **headers, **extra)


def post(client: Client, path: str, body: Any, token: str | None = None, **extra: Any) -> Any:
    return send(client, "POST", path, body, token, **extra)


def put(client: Client, path: str, body: Any, token: str | None = None, **extra: Any) -> Any:
    return send(client, "PUT", path, body, token, **extra)
