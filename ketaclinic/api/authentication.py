"""Token authentication: `Authorization: Token <prefix>.<secret>`, checked against a hash."""

from __future__ import annotations

import hashlib
import hmac
import re
from enum import StrEnum
from typing import Any, NoReturn

from django.db.models import F, FilteredRelation, Q
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.accounts.permissions import remember_memberships
from ketaclinic.api import token_cache
from ketaclinic.api.models import ApiToken
from ketaclinic.api.token_cache import ResolvedToken
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record

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


def _resolve(prefix: str) -> ResolvedToken:
    """The token with its person and clinic, and the person's active membership at that clinic,
    in one query; then the person's credentials (what permission checks read) in a second.
    Refused at once when no token has the prefix."""
    membership_fields = [field.attname for field in StaffMembership._meta.concrete_fields]
    token = (
        ApiToken.objects.select_related("user", "clinic")
        .annotate(
            acting=FilteredRelation(
                "user__memberships",
                condition=Q(user__memberships__clinic_id=F("clinic_id"))
                & Q(user__memberships__is_active=True)
                & Q(clinic__is_active=True),
            ),
            **{f"acting_{name}": F(f"acting__{name}") for name in membership_fields},
        )
        .filter(prefix=prefix)
        .first()
    )
    if token is None:
        _refuse(reason=RefusalReason.UNKNOWN_PREFIX, prefix=prefix)
    membership: StaffMembership | None = None
    if token.acting_id is not None:  # type: ignore[attr-defined]  # annotated above
        membership = StaffMembership.from_db(
            ApiToken.objects.db,
            membership_fields,
            [getattr(token, f"acting_{name}") for name in membership_fields],
        )
        membership.user = token.user
        membership.clinic = token.clinic
    for name in membership_fields:
        delattr(token, f"acting_{name}")
    return ResolvedToken(
        token=token, membership=membership, credentials=list(token.user.credentials.all())
    )


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
        resolved = token_cache.cached(prefix)
        if resolved is None:
            resolved = _resolve(prefix)
            fresh = True
        else:
            fresh = False
        token = resolved.token
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
        elif resolved.membership is None:
            # The person left the clinic (or the clinic closed): the token goes with them.
            reason = RefusalReason.NOT_AT_CLINIC
        if reason is not None:
            _refuse(reason=reason, prefix=prefix, token=token)
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > _LAST_USED_RESOLUTION_SECONDS
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            fresh = True  # the entry kept must know it was written, or every call writes it
        if fresh:
            token_cache.remember(resolved)
            resolved = resolved.for_request()
            token = resolved.token
        # The token's clinic is the acting clinic for this request, whatever the user's session;
        # a token acts only there, so its membership there is the only one a check may find.
        request._request.clinic = token.clinic  # type: ignore[attr-defined]
        memberships = [resolved.membership] if resolved.membership is not None else []
        remember_memberships(user=token.user, memberships=memberships)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="ketaclinic"'
