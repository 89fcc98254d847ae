"""The one place permission is decided: role at the clinic, then the credentials the act needs."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.roles import PERMISSIONS, STATE_ISSUED_KINDS, Action, CredentialKind
from ketaclinic.core.errors import CredentialExpired, CredentialRequired, PermissionRefused

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model


class ClinicRef(Protocol):
    """What a permission check reads of the clinic: `clinics.models.Clinic` is one. (clinics sits
    above accounts, whose memberships and roles its pages check, so accounts names no clinic type.)
    """

    @property
    def pk(self) -> Any: ...

    @property
    def name(self) -> str: ...

    @property
    def state(self) -> str: ...

    def local_today(self) -> datetime.date: ...


_CACHE_ATTRIBUTE = "_ketaclinic_memberships"


def remember_memberships(*, user: User, memberships: list[StaffMembership]) -> None:
    """Prime the per-request cache (the user object lives for one request) with active ones."""
    setattr(
        user, _CACHE_ATTRIBUTE, {membership.clinic_id: membership for membership in memberships}
    )


def forget_memberships(*, user: User) -> None:
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


def membership_get(
    *, user: User | AnonymousUser, clinic: ClinicRef | Model
) -> StaffMembership | None:
    """The user's active membership at the clinic, from the request's cache when primed."""
    if not user.is_authenticated:
        return None
    cached: dict[int, StaffMembership] | None = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached.get(clinic.pk)
    return (
        StaffMembership.objects.select_related("clinic", "user")
        .filter(user=user, clinic_id=clinic.pk, is_active=True, clinic__is_active=True)
        .first()
    )


def membership_role_at(*, user: AbstractBaseUser, clinic: Model) -> str:
    """The role stored with an audit event at `clinic` (audit.hooks.RoleLookup); "" for none."""
    if not isinstance(user, User):
        return ""
    membership = membership_get(user=user, clinic=clinic)
    return membership.role if membership is not None else ""


def _credential_problem(
    *, user: User, clinic: ClinicRef, action: Action, credentials: list[Credential]
) -> CredentialRequired | None:
    rule = PERMISSIONS[action]
    today = clinic.local_today()
    for group in rule.credentials:
        relevant = [
            credential
            for credential in credentials
            if credential.kind in group
            and (
                credential.kind not in STATE_ISSUED_KINDS
                or credential.issuing_state == clinic.state
            )
        ]
        if any(credential.is_current_on(today) for credential in relevant):
            continue
        names = " or ".join(sorted(CredentialKind(kind).label for kind in group))
        if relevant:
            latest = max(relevant, key=lambda credential: credential.expires_on)
            return CredentialExpired(
                f"To {rule.description} you need a current {names}; "
                f"{latest} expired on {latest.expires_on:%d %b %Y}."
            )
        where = f" valid in {clinic.state}" if group & STATE_ISSUED_KINDS else ""
        return CredentialRequired(
            f"To {rule.description} you need a current {names}{where}; none is on file for you."
        )
    return None


def require_permission(
    *, user: User | AnonymousUser, action: Action, clinic: ClinicRef
) -> StaffMembership:
    """Return the acting membership, or raise a refusal that names what is missing."""
    rule = PERMISSIONS[action]
    membership = membership_get(user=user, clinic=clinic)
    if membership is None:
        raise PermissionRefused(
            f"You do not work at {clinic.name}, so you cannot {rule.description}."
        )
    if membership.role not in rule.roles:
        raise PermissionRefused(
            f"Your role ({membership.role_label}) at {clinic.name} does not allow you to "
            f"{rule.description}."
        )
    if rule.credentials:
        assert isinstance(user, User)
        problem = _credential_problem(
            user=user, clinic=clinic, action=action, credentials=list(user.credentials.all())
        )
        if problem is not None:
            raise problem
    return membership


def has_permission(*, user: User | AnonymousUser, action: Action, clinic: ClinicRef) -> bool:
    """Role check only (for navigation); acts still go through require_permission."""
    membership = membership_get(user=user, clinic=clinic)
    return membership is not None and membership.role in PERMISSIONS[action].roles


def allowed_actions(*, membership: StaffMembership | None) -> frozenset[Action]:
    """Every action the membership's role allows, for showing navigation without a query each."""
    if membership is None or not membership.is_active:
        return frozenset()
    return frozenset(
        action for action, rule in PERMISSIONS.items() if membership.role in rule.roles
    )
