"""Token authentication: `Authorization: Token <prefix>.<secret>`, checked against a hash."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from ketaclinic.accounts.permissions import remember_memberships
from ketaclinic.api.models import ApiToken
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.selectors import membership_list_for_user

INVALID_TOKEN = "The API token is not valid, has expired or was revoked."  # noqa: S105  (a message)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if not parts or parts[0] != self.keyword:
            return None
        if len(parts) != 2 or "." not in parts[1]:
            raise exceptions.AuthenticationFailed(
                "Malformed Authorization header: use `Authorization: Token <prefix>.<secret>`."
            )
        prefix, _, secret = parts[1].partition(".")
        token = ApiToken.objects.select_related("user", "clinic").filter(prefix=prefix).first()
        now = timezone.now()
        if (
            token is None
            or not hmac.compare_digest(token.secret_hash, hash_secret(secret))
            or token.revoked_at is not None
            or (token.expires_at is not None and token.expires_at <= now)
            or not token.user.is_active
        ):
            # Recorded without the secret; the prefix says which token was tried, if any.
            audit_record(
                actor=None,
                action=AuditAction.API_TOKEN_REFUSED,
                outcome=AuditOutcome.REFUSED,
                clinic_id=token.clinic_id if token else None,
                actor_label=token.user.email if token else "",
                detail={"prefix": prefix[:12], "known_prefix": token is not None},
            )
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The token's clinic is the acting clinic for this request, whatever the user's session;
        # its memberships are read once here, as the web middleware does for a page.
        request._request.clinic = token.clinic  # type: ignore[attr-defined]
        remember_memberships(
            user=token.user, memberships=list(membership_list_for_user(user=token.user))
        )
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="ketaclinic"'
