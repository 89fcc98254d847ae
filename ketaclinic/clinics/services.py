"""Writes about clinics and memberships: switching clinic, staff roles, credentials."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.permissions import forget_memberships, require_permission
from ketaclinic.accounts.roles import Action, CredentialKind, NurseType, Role
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import ACTIVE_CLINIC_SESSION_KEY, membership_list_for_user
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound
from ketaclinic.core.validators import dea_number_problem


def active_clinic_switch(
    *, request: HttpRequest, user: User | AnonymousUser, clinic_id: int
) -> Clinic:
    """Act at another of the user's clinics for the rest of this session."""
    if not isinstance(user, User):
        raise NotFound("No such clinic.")
    membership = membership_list_for_user(user=user).filter(clinic_id=clinic_id).first()
    if membership is None:
        raise NotFound("You do not work at that clinic.")
    request.session[ACTIVE_CLINIC_SESSION_KEY] = membership.clinic_id
    audit_record(actor=user, action=AuditAction.CLINIC_SWITCHED, clinic=membership.clinic)
    return membership.clinic


@transaction.atomic
def staff_membership_set(
    *,
    acting_user: User,
    clinic: Clinic,
    user: User,
    role: Role,
    nurse_type: NurseType | None = None,
    title: str = "",
    is_active: bool = True,
) -> StaffMembership:
    """Give a user a role at a clinic, or change it. A permission change, so it is audited."""
    require_permission(user=acting_user, action=Action.STAFF_MANAGE, clinic=clinic)
    if role != Role.NURSE and nurse_type:
        raise InvalidInput("Only nurses have a nurse type (RN, CRNA or NP).")
    membership, created = StaffMembership.objects.select_for_update().get_or_create(
        user=user,
        clinic=clinic,
        defaults={
            "role": role,
            "nurse_type": nurse_type or "",
            "title": title,
            "is_active": is_active,
        },
    )
    before = {"role": membership.role, "is_active": membership.is_active}
    if not created:
        membership.role = role
        membership.nurse_type = nurse_type or ""
        membership.title = title
        membership.is_active = is_active
        membership.save()
    forget_memberships(user=user)
    audit_record(
        actor=acting_user,
        action=AuditAction.MEMBERSHIP_CREATED if created else AuditAction.MEMBERSHIP_CHANGED,
        clinic=clinic,
        subject=membership,
        detail={
            "user_id": user.pk,
            "role": role,
            "is_active": is_active,
            **({} if created else {"before": before}),
        },
    )
    return membership


@transaction.atomic
def credential_record(
    *,
    acting_user: User,
    clinic: Clinic,
    user: User,
    kind: CredentialKind,
    number: str,
    expires_on: datetime.date,
    issuing_state: str = "",
    issued_on: datetime.date | None = None,
) -> Credential:
    """Record a credential a clinic admin has checked against its source (state board, DEA)."""
    require_permission(user=acting_user, action=Action.STAFF_MANAGE, clinic=clinic)
    if not StaffMembership.objects.filter(user=user, clinic=clinic).exists():
        raise NotFound("That person does not work at this clinic.")
    number = number.strip()
    if not number:
        raise InvalidInput("Enter the credential number.", fields={"number": ["Required."]})
    if kind == CredentialKind.DEA_REGISTRATION:
        problem = dea_number_problem(number)
        if problem:
            raise InvalidInput(problem, fields={"number": [problem]})
        number = number.upper()
    if issued_on is not None and expires_on <= issued_on:
        raise InvalidInput(
            "The expiry date must be after the issue date.",
            fields={"expires_on": ["Must be after the issue date."]},
        )
    credential = Credential.objects.create(
        user=user,
        kind=kind,
        number=number,
        issuing_state=issuing_state.upper().strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        verified_by=acting_user,
        verified_at=clinic.local_now(),
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CREDENTIAL_RECORDED,
        clinic=clinic,
        subject=credential,
        detail={"user_id": user.pk, "kind": kind, "expires_on": expires_on.isoformat()},
    )
    return credential


@transaction.atomic
def staff_member_add(
    *,
    acting_user: User,
    clinic: Clinic,
    email: str,
    full_name: str,
    role: Role,
    nurse_type: NurseType | None = None,
    title: str = "",
    set_password_url: Callable[[User], str],
) -> StaffMembership:
    """Add a person to the clinic's staff; a new account gets an email to choose its password.

    The account has no usable password until its owner sets one from the link, so nobody (the
    admin included) ever knows it. The person enrols an authenticator app at first sign-in.
    """
    require_permission(user=acting_user, action=Action.STAFF_MANAGE, clinic=clinic)
    email = email.strip().lower()
    full_name = full_name.strip()
    if not full_name:
        raise InvalidInput("Enter the person's full name.", fields={"full_name": ["Required."]})
    user = User.objects.filter(email__iexact=email).first()
    is_new_account = user is None
    if user is None:
        user = User.objects.create_user(email, None, full_name=full_name)
    elif StaffMembership.objects.filter(user=user, clinic=clinic).exists():
        raise Conflict(
            f"{user.full_name} already works at {clinic.name}; change their role on their page.",
            fields={"email": ["Already on the staff of this clinic."]},
        )
    elif hasattr(user, "patient_record"):
        raise Conflict(
            "That email belongs to a patient's portal account. Use a work email for staff.",
            fields={"email": ["Belongs to a patient portal account."]},
        )
    membership = staff_membership_set(
        acting_user=acting_user,
        clinic=clinic,
        user=user,
        role=role,
        nurse_type=nurse_type,
        title=title,
    )
    if is_new_account:
        link = set_password_url(user)
        transaction.on_commit(
            lambda: send_mail(
                subject=f"Your ketaclinic account at {clinic.name}",
                message=(
                    f"Hello {full_name},\n\n{acting_user.full_name} has added you to the staff of "
                    f"{clinic.name} as {membership.role_label}.\n\nChoose your password here "
                    f"(the link works once):\n{link}\n\nWhen you first sign in you will set up an "
                    "authenticator app for two-step sign-in.\n"
                ),
                from_email=None,
                recipient_list=[email],
            )
        )
    return membership
