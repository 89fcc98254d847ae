"""Domain errors: what a service raises when it refuses, in words a clinician understands.

Views render them as a message (HTTP 400/403/404/409); the API renders them in its one error
body shape. Each carries a stable `code` (an enum member) that tests and clients compare against.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from ketaclinic.core.request_context import current_request_context


class ErrorCode(StrEnum):
    PERMISSION_REFUSED = "permission_refused"
    CREDENTIAL_MISSING = "credential_missing"
    CREDENTIAL_EXPIRED = "credential_expired"
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    CONFLICT = "conflict"
    PRECONDITION_FAILED = "precondition_failed"
    RATE_LIMITED = "rate_limited"
    NO_ACTIVE_CLINIC = "no_active_clinic"


def api_error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The API's one error body, also answered by Django's error pages and the outage page:
    {"error": {"code": ..., "message": ..., "fields": {...}}, "request_id": ...}."""
    context = current_request_context()
    return {
        "error": {"code": code, "message": message, "fields": fields or {}},
        "request_id": context.request_id if context else None,
    }


class DomainError(Exception):
    """Base of every refusal a service makes. `message` is shown to the user as it is."""

    code: ErrorCode = ErrorCode.INVALID_INPUT
    http_status: int = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT
    http_status = 400


class PermissionRefused(DomainError):
    code = ErrorCode.PERMISSION_REFUSED
    http_status = 403


class CredentialRequired(PermissionRefused):
    """A clinical act needs a current credential that the user lacks or has let expire."""

    code = ErrorCode.CREDENTIAL_MISSING


class CredentialExpired(CredentialRequired):
    code = ErrorCode.CREDENTIAL_EXPIRED


class NotFound(DomainError):
    """Same answer for "does not exist" and "not yours": existence is not disclosed."""

    code = ErrorCode.NOT_FOUND
    http_status = 404


class Conflict(DomainError):
    code = ErrorCode.CONFLICT
    http_status = 409


class PreconditionFailed(DomainError):
    code = ErrorCode.PRECONDITION_FAILED
    http_status = 409


class RateLimited(DomainError):
    code = ErrorCode.RATE_LIMITED
    http_status = 429


class NoActiveClinic(DomainError):
    code = ErrorCode.NO_ACTIVE_CLINIC
    http_status = 403
