"""The one error body every endpoint returns:

{"error": {"code": "...", "message": "...", "fields": {"field": ["..."]}}, "request_id": "..."}
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from ketaclinic.audit.services import audit_refusal
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.core.request_context import current_request_context


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    context = current_request_context()
    return {
        "error": {"code": code, "message": message, "fields": fields or {}},
        "request_id": context.request_id if context else None,
    }


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            str(key): [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    return {}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request: Request | None = context.get("request")
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
        fields = _flatten(exc.detail)
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
