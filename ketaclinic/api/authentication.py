"""Token authentication: `Authorization: Token <prefix>.<secret>`, checked against a hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum
from typing import Any, NoReturn

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ketaclinic.accounts.permissions import remember_memberships
from ketaclinic.api.models import ApiToken
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.selectors import membership_list_for_user

KEYWORD = "Token"
INVALID_TOKEN = "The API token is not valid, has expired or was revoked."  # noqa: S105  (a message)
MALFORMED_HEADER = (
    "Malformed Authorization header: send `Authorization: Token <prefix>.<secret>`, "
    "the token exactly as it was shown when it was issued."
)
# What api_token_issue hands out: 12 hex digits, a dot, and secrets.token_urlsafe's alphabet.
# Anything else is refused before it reaches the database (PostgreSQL rejects NUL bytes, for one).
_TOKEN_PATTERN = re.compile(r"(?P<prefix>[0-9a-f]{12})\.(?P<secret>[A-Za-z0-9_-]{16,256})")
# Writing last_used_at on every call would turn each read into a write; once a minute is enough.
_LAST_USED_RESOLUTION_SECONDS = 60


class RefusalReason(StrEnum):
    """Why a token was refused: recorded in the audit trail, never told to the caller."""

    MALFORMED = "malformed"
    UNKNOWN_PREFIX = "unknown_prefix"
    WRONG_SECRET = "wrong_secret"  # noqa: S105  (a reason code, not a secret)
    REVOKED = "revoked"
    EXPIRED = "expired"
    USER_INACTIVE = "user_inactive"
    NOT_AT_CLINIC = "not_at_clinic"


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _refuse(*, reason: RefusalReason, prefix: str = "", token: ApiToken | None = None) -> NoReturn:
    """Record the refused attempt (without the secret) and answer 401 with one message."""
    audit_record(
        actor=None,
        action=AuditAction.API_TOKEN_REFUSED,
        outcome=AuditOutcome.REFUSED,
        clinic_id=token.clinic_id if token else None,
        subject=token,
        actor_label=token.user.email if token else "",
        detail={"reason": reason.value, "prefix": prefix},
    )
    # One message for every reason, so a caller cannot probe which tokens exist.
    message = MALFORMED_HEADER if reason is RefusalReason.MALFORMED else INVALID_TOKEN
    raise exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        parts = header.split()
        # Another scheme (or none) is not ours to judge: session authentication may still apply.
        # Scheme names are case-insensitive (RFC 9110 §11.1).
        if not parts or parts[0].lower() != self.keyword.lower():
            return None
        match = _TOKEN_PATTERN.fullmatch(parts[1]) if len(parts) == 2 else None
        if match is None:
            _refuse(reason=RefusalReason.MALFORMED)
        prefix, secret = match["prefix"], match["secret"]
        token = ApiToken.objects.select_related("user", "clinic").filter(prefix=prefix).first()
        if token is None:
            _refuse(reason=RefusalReason.UNKNOWN_PREFIX, prefix=prefix)
        now = timezone.now()
        reason: RefusalReason | None = None
        if not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
            reason = RefusalReason.WRONG_SECRET
        elif token.revoked_at is not None:
            reason = RefusalReason.REVOKED
        elif token.expires_at is not None and token.expires_at <= now:
            reason = RefusalReason.EXPIRED
        elif not token.user.is_active:
            reason = RefusalReason.USER_INACTIVE
        memberships = list(membership_list_for_user(user=token.user)) if reason is None else []
        if reason is None and not any(m.clinic_id == token.clinic_id for m in memberships):
            # The person left the clinic (or the clinic closed): the token goes with them.
            reason = RefusalReason.NOT_AT_CLINIC
        if reason is not None:
            _refuse(reason=reason, prefix=prefix, token=token)
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > _LAST_USED_RESOLUTION_SECONDS
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The token's clinic is the acting clinic for this request, whatever the user's session;
        # its memberships are read once here, as the web middleware does for a page.
        request._request.clinic = token.clinic  # type: ignore[attr-defined]
        remember_memberships(user=token.user, memberships=memberships)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="ketaclinic"'
