"""Issuing and revoking API tokens. The plaintext is shown once and never stored."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.authentication import hash_secret
from ketaclinic.api.models import NAME_MAX_LENGTH, ApiToken
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound


def token_expiry_at(*, clinic: Clinic, expires_on: datetime.date) -> datetime.datetime:
    """When a token "expiring on" a date stops working: the start of that day at the clinic.

    The staff page and `ketaclinic token issue --expires` both mean this, and both refuse a day
    that is not after the clinic's today (the server's UTC date may already be tomorrow's).
    """
    today = clinic.local_today()
    if expires_on <= today:
        message = (
            f"Choose a date after today ({today:%Y-%m-%d} at {clinic.name}, {clinic.timezone})."
        )
        raise InvalidInput(message, fields={"expires_on": [message]})
    return datetime.datetime.combine(expires_on, datetime.time.min, tzinfo=clinic.zone)


@transaction.atomic
def api_token_issue(
    *,
    acting_user: User,
    clinic: Clinic,
    user: User,
    name: str,
    expires_at: datetime.datetime | None = None,
    via: str = "",
) -> tuple[ApiToken, str]:
    """A token acting as `user` at `clinic`. Returns the row and the plaintext to show once.

    `via` names where it was issued when not on the staff page (`command line`), for the audit.
    """
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    name = name.strip()
    if not name:
        raise InvalidInput(
            "Name the integration that will use this token.", fields={"name": ["Required."]}
        )
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidInput(
            f"Keep the integration's name to {NAME_MAX_LENGTH} characters.",
            fields={"name": [f"At most {NAME_MAX_LENGTH} characters."]},
        )
    if not (
        user.is_active
        and StaffMembership.objects.filter(user=user, clinic=clinic, is_active=True).exists()
    ):
        raise NotFound(f"That person does not work at {clinic.name}.")
    if expires_at is not None and timezone.is_naive(expires_at):
        raise ValueError("expires_at must be an aware datetime")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(
            "The expiry must be in the future.", fields={"expires_at": ["Must be in the future."]}
        )
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        clinic=clinic,
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=hash_secret(secret),
        created_by=acting_user,
        expires_at=expires_at,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.API_TOKEN_ISSUED,
        clinic=clinic,
        subject=token,
        detail={
            "user_id": user.pk,
            "name": name,
            "prefix": prefix,
            **({"via": via} if via else {}),
        },
    )
    return token, f"{prefix}.{secret}"


@transaction.atomic
def api_token_revoke(*, acting_user: User, token: ApiToken, via: str = "") -> ApiToken:
    """Refuse every call with the token from now on. Revoking twice is a Conflict."""
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=token.clinic)
    locked = ApiToken.objects.select_for_update().get(pk=token.pk)
    if locked.revoked_at is not None:
        raise Conflict(f"The token “{locked.name}” was already revoked.")
    locked.revoked_at = timezone.now()
    locked.revoked_by = acting_user
    locked.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.API_TOKEN_REVOKED,
        clinic=locked.clinic,
        subject=locked,
        detail={"prefix": locked.prefix, **({"via": via} if via else {})},
    )
    return locked
