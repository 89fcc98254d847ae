"""The one error body every endpoint returns:

{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}, "request_id": "..."}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from ketaclinic.audit.services import audit_refusal
from ketaclinic.core.errors import DomainError, InvalidInput, PermissionRefused, api_error_body
from ketaclinic.core.outage import database_unavailable_response, is_database_unavailable

# The body is built in core, which also answers Django's error pages and outages in it.
error_body = api_error_body


def _child_name(prefix: str, key: object) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else str(key)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Messages per field; a nested field is named by its path: `trials[0].outcome`."""
    if isinstance(detail, dict):
        items = [(_child_name(prefix, key), value) for key, value in detail.items()]
    elif isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        # A list of nested objects: one entry per row, `{}` for a row without errors.
        items = [(_child_name(prefix, index), value) for index, value in enumerate(detail) if value]
    else:
        return {prefix: [str(item) for item in (detail if isinstance(detail, list) else [detail])]}
    fields: dict[str, list[str]] = {}
    for name, value in items:
        for key, messages in _flatten(value, name).items():
            fields.setdefault(key, []).extend(messages)
    return fields


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse | None:
    request: Request | None = context.get("request")
    if is_database_unavailable(exc) and request is not None:
        # The database is down or dropped the connection: "try again", never a 500. (DRF
        # accepts any HttpResponse from its exception handler.)
        return database_unavailable_response(request._request, exc)
    if isinstance(exc, DomainError):
        if isinstance(exc, PermissionRefused) and request is not None:
            audit_refusal(request=request._request, error=exc)
        return Response(error_body(exc.code.value, exc.message, exc.fields), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail) if isinstance(exc.detail, dict) else {}
        # Errors about the input as a whole (not one field) become the message itself.
        general = fields.pop(api_settings.NON_FIELD_ERRORS_KEY, [])
        if isinstance(exc.detail, list):
            general = [str(item) for item in exc.detail]
        message = " ".join(general) if general else "Some fields are not valid."
        body = error_body("invalid_input", message, fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else "Request refused."
        body = error_body(str(exc.default_code), message)
    else:  # pragma: no cover - DRF only returns responses for APIException subclasses
        body = error_body("error", "Request refused.")
    response.data = body
    if response.status_code == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Token realm="ketaclinic"'
    return response


FORM_NOT_VALID = "Some fields are not valid."


def form_refusal(form: Any) -> InvalidInput:
    """A staff form's errors as the API's field messages (form-wide ones become the message):
    an endpoint that checks its input with the staff page's own form refuses as the API does."""
    errors = {
        name: [str(message) for message in messages] for name, messages in form.errors.items()
    }
    general = errors.pop("__all__", [])
    return InvalidInput(" ".join(general) or FORM_NOT_VALID, fields=errors)
