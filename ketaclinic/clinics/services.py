"""Writes about clinics and memberships: switching clinic, staff roles, credentials."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.permissions import forget_memberships, require_permission
from ketaclinic.accounts.roles import Action, CredentialKind, NurseType, Role
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Room, Weekday
from ketaclinic.clinics.selectors import ACTIVE_CLINIC_SESSION_KEY, membership_list_for_user
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.medicine.config import load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.questionnaires.screening import screening_set_problem


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


_CLINIC_FIELDS = (
    "name",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "phone",
    "email",
    "timezone",
    "dea_registration_number",
    "dea_registration_expires_on",
    "patients_per_nurse",
)


@transaction.atomic
def clinic_update(*, acting_user: User, clinic: Clinic, details: dict[str, object]) -> Clinic:
    """Change the clinic's site details; the DEA registration must be well formed."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    unknown = set(details) - set(_CLINIC_FIELDS)
    if unknown:
        raise InvalidInput(f"Unknown clinic fields: {', '.join(sorted(unknown))}.")
    dea_number = str(details.get("dea_registration_number", clinic.dea_registration_number) or "")
    if dea_number:
        problem = dea_number_problem(dea_number)
        if problem:
            raise InvalidInput(problem, fields={"dea_registration_number": [problem]})
        details = {**details, "dea_registration_number": dea_number.strip().upper()}
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    before = {field: str(getattr(locked, field)) for field in details}
    for field, value in details.items():
        setattr(locked, field, value)
    try:
        locked.full_clean()
    except ValidationError as error:
        raise InvalidInput(
            "Some clinic details are not valid.", fields=dict(error.message_dict)
        ) from error
    locked.save()
    changed = {field: str(getattr(locked, field)) for field in details}
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=locked,
        subject=locked,
        detail={
            "changed": {
                field: {"before": before[field], "after": changed[field]}
                for field in details
                if before[field] != changed[field]
            }
        },
    )
    return locked


@transaction.atomic
def opening_hours_replace(
    *,
    acting_user: User,
    clinic: Clinic,
    hours: dict[int, tuple[datetime.time, datetime.time] | None],
) -> None:
    """Set the weekly hours: weekday (0 = Monday) → (opens, closes), or None for closed."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    for weekday, period in hours.items():
        if weekday not in range(7):
            raise InvalidInput(f"Weekday {weekday} does not exist (0 is Monday, 6 is Sunday).")
        if period is not None and period[1] <= period[0]:
            raise InvalidInput(
                f"{Weekday(weekday).label}: closing time must be after opening time.",
                fields={f"closes_{weekday}": ["Must be after the opening time."]},
            )
    OpeningHours.objects.filter(clinic=clinic, weekday__in=list(hours)).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(clinic=clinic, weekday=weekday, opens_at=period[0], closes_at=period[1])
        for weekday, period in hours.items()
        if period is not None
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=clinic,
        subject=clinic,
        detail={
            "opening_hours": {
                Weekday(weekday).label: (
                    f"{period[0]:%H:%M}-{period[1]:%H:%M}" if period else "closed"
                )
                for weekday, period in sorted(hours.items())
            }
        },
    )


@transaction.atomic
def chair_add(*, acting_user: User, clinic: Clinic, room_name: str, chair_name: str) -> Chair:
    """Add an infusion chair, creating its room if the clinic has none by that name."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    room_name, chair_name = room_name.strip(), chair_name.strip()
    if not room_name or not chair_name:
        raise InvalidInput(
            "Name the room and the chair.",
            fields={
                **({"room_name": ["Required."]} if not room_name else {}),
                **({"chair_name": ["Required."]} if not chair_name else {}),
            },
        )
    if Chair.objects.filter(clinic=clinic, name__iexact=chair_name).exists():
        raise Conflict(
            f"{clinic.name} already has a chair called {chair_name}.",
            fields={"chair_name": ["Already in use at this clinic."]},
        )
    room, _ = Room.objects.get_or_create(clinic=clinic, name=room_name)
    chair = Chair.objects.create(clinic=clinic, room=room, name=chair_name)
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=clinic,
        subject=chair,
        detail={"chair_added": chair_name, "room": room_name},
    )
    return chair


@transaction.atomic
def chair_set_active(*, acting_user: User, chair: Chair, is_active: bool) -> Chair:
    """Take a chair out of service (repair, cleaning) or put it back; history keeps it."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=chair.clinic)
    chair.is_active = is_active
    chair.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=chair.clinic,
        subject=chair,
        detail={"chair": chair.name, "is_active": is_active},
    )
    return chair


@transaction.atomic
def clinic_screening_sets_update(
    *, acting_user: User, clinic: Clinic, sets: dict[str, list[str]]
) -> Clinic:
    """Set the screening questionnaires per condition (a clinical rule: the medical director's).

    `sets` maps each condition (or "unknown") to instrument codes; the rules in medicine/ refuse a
    set without a suicide-risk screen, an unknown questionnaire or an unknown condition.
    """
    require_permission(user=acting_user, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    overrides = dict(locked.rule_overrides or {})
    current = load_clinic_rules(overrides).screening
    before = {name: list(getattr(current, name, ())) for name in sets}
    overrides["screening"] = {name: list(codes) for name, codes in sets.items()}
    # Each problem is shown under its condition's heading: the message names no condition code.
    problems = {
        name: [problem]
        for name, codes in sets.items()
        if (problem := screening_set_problem(tuple(codes)))
    }
    if problems:
        raise InvalidInput(
            "Not saved: " + " ".join(sorted({message for [message] in problems.values()})),
            fields=problems,
        )
    try:
        load_clinic_rules(overrides)
    except InvalidConfiguration as error:
        raise InvalidInput(f"Not saved: {error.message}") from error
    locked.rule_overrides = overrides
    locked.save(update_fields=["rule_overrides", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_RULES_CHANGED,
        clinic=locked,
        subject=locked,
        detail={
            "section": "screening",
            "changed": {
                name: {"before": before.get(name), "after": codes}
                for name, codes in overrides["screening"].items()
                if set(before[name]) != set(codes)  # the order on the page is fixed
            },
        },
    )
    return locked


def _plain(value: object) -> object:
    """A rule's value as plain JSON for the audit detail."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)


@transaction.atomic
def clinic_rules_update(
    *, acting_user: User, clinic: Clinic, changes: Mapping[str, Mapping[str, Any]]
) -> Clinic:
    """Change settings of the clinic's clinical rules (a medical director's act): `changes` maps
    a section of `medicine.config.ClinicRules` to its settings, e.g.
    `{"outcomes": {"baseline_window_days": 14}}`.

    Every setting is checked by medicine/ before anything is saved; each refusal names its
    setting (`outcomes.baseline_window_days`) and nothing is stored. Screening sets have their
    own checks and service (`clinic_screening_sets_update`).
    """
    require_permission(user=acting_user, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
    if "screening" in changes:
        raise InvalidInput("Screening sets are changed on the screening page.")
    locked = Clinic.objects.select_for_update().get(pk=clinic.pk)
    current_overrides = dict(locked.rule_overrides or {})
    before = load_clinic_rules(current_overrides)
    problems: dict[str, list[str]] = {}
    overrides = {
        section: dict(values) if isinstance(values, Mapping) else values
        for section, values in current_overrides.items()
    }
    for section, values in changes.items():
        for name, value in values.items():
            trial = {**overrides, section: {**overrides.get(section, {}), name: value}}
            try:
                load_clinic_rules(trial)
            except InvalidConfiguration as error:
                problems[f"{section}.{name}"] = [error.message]
        overrides[section] = {**overrides.get(section, {}), **values}
    if problems:
        raise InvalidInput(
            "Not saved: " + " ".join(message for [message] in problems.values()), fields=problems
        )
    try:
        after = load_clinic_rules(overrides)
    except InvalidConfiguration as error:  # pragma: no cover  (each setting was checked above)
        raise InvalidInput(f"Not saved: {error.message}") from error
    changed = [
        (section, name)
        for section in changes
        for name in changes[section]
        if getattr(getattr(before, section), name) != getattr(getattr(after, section), name)
    ]
    if not changed:
        return locked
    # Only what changes is stored: a setting left at its value keeps following CLINICAL.md's
    # default (or the clinic's earlier choice).
    stored = {section: dict(values) for section, values in current_overrides.items()}
    for section, name in changed:
        stored.setdefault(section, {})[name] = changes[section][name]
    locked.rule_overrides = stored
    locked.save(update_fields=["rule_overrides", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_RULES_CHANGED,
        clinic=locked,
        subject=locked,
        detail={
            "section": sorted({section for section, _ in changed}),
            "changed": {
                f"{section}.{name}": {
                    "before": _plain(getattr(getattr(before, section), name)),
                    "after": _plain(getattr(getattr(after, section), name)),
                }
                for section, name in changed
            },
        },
    )
    return locked
