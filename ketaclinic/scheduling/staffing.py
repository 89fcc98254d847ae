"""Staff shifts and clinic closures, and the nurse-to-patient rule they feed.

A treatment may be booked only while the nurses on shift can watch everyone infusing: at no
moment of the visit may the infusing patients (this one included) exceed the clinic's
`patients_per_nurse` times the nurses whose shift covers that moment.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.scheduling.models import HOLDING_STATUSES, Appointment, ClinicClosure, StaffShift
from ketaclinic.scheduling.selectors import day_bounds

Interval = tuple[datetime.datetime, datetime.datetime]
MAX_SHIFT = datetime.timedelta(hours=16)


def peak_concurrency(
    intervals: Iterable[Interval], start: datetime.datetime, end: datetime.datetime
) -> int:
    """The most intervals open at any one moment within [start, end)."""
    events: list[tuple[datetime.datetime, int]] = []
    for other_start, other_end in intervals:
        if other_start < end and start < other_end:
            events.append((max(other_start, start), 1))
            events.append((min(other_end, end), -1))
    events.sort(key=lambda event: (event[0], event[1]))  # an end before a start at one moment
    peak = current = 0
    for _, change in events:
        current += change
        peak = max(peak, current)
    return peak


def nurses_covering(
    shifts: Iterable[Interval], start: datetime.datetime, end: datetime.datetime
) -> int:
    """How many nurses are on shift for the whole of [start, end) (a shift must cover it all)."""
    return sum(1 for shift_start, shift_end in shifts if shift_start <= start and end <= shift_end)


def nurse_ratio_problem(
    *,
    capacity_per_nurse: int,
    nurse_shifts: list[Interval],
    treatments: list[Interval],
    start: datetime.datetime,
    end: datetime.datetime,
) -> str:
    """Why one more treatment in [start, end) breaks the ratio, or ""."""
    nurses = nurses_covering(nurse_shifts, start, end)
    if nurses == 0:
        return "No nurse is on shift for the whole visit; add a shift or choose another time."
    infusing = peak_concurrency(treatments, start, end) + 1
    if infusing > nurses * capacity_per_nurse:
        return (
            f"{infusing} patients would be infusing at once with {nurses} nurse"
            f"{'' if nurses == 1 else 's'} on shift; the clinic allows {capacity_per_nurse} per "
            "nurse."
        )
    return ""


def nurse_shifts_between(
    *,
    clinic: Clinic,
    start: datetime.datetime,
    end: datetime.datetime,
    exclude_id: int | None = None,
) -> list[Interval]:
    nurse_ids = StaffMembership.objects.filter(
        clinic=clinic, role=Role.NURSE, is_active=True
    ).values_list("user_id", flat=True)
    return list(
        StaffShift.objects.filter(
            clinic=clinic, user_id__in=nurse_ids, starts_at__lt=end, ends_at__gt=start
        )
        .exclude(pk=exclude_id or 0)
        .values_list("starts_at", "ends_at")
    )


def treatments_between(
    *,
    clinic: Clinic,
    start: datetime.datetime,
    end: datetime.datetime,
    exclude_id: int | None = None,
) -> list[Interval]:
    return list(
        Appointment.objects.filter(
            clinic=clinic,
            status__in=HOLDING_STATUSES,
            kind__in=[kind.value for kind in TREATMENT_KINDS],
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .exclude(pk=exclude_id or 0)
        .values_list("starts_at", "ends_at")
    )


def closure_on(*, clinic: Clinic, day: datetime.date) -> ClinicClosure | None:
    return ClinicClosure.objects.filter(clinic=clinic, day=day).first()


def shifts_for_day(
    *, clinic: Clinic, day_start: datetime.datetime, day_end: datetime.datetime
) -> QuerySet[StaffShift]:
    return (
        StaffShift.objects.filter(clinic=clinic, starts_at__lt=day_end, ends_at__gt=day_start)
        .select_related("user")
        .order_by("starts_at")
    )


@transaction.atomic
def shift_add(
    *,
    acting_user: User,
    clinic: Clinic,
    user: User,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
) -> StaffShift:
    require_permission(user=acting_user, action=Action.STAFF_MANAGE, clinic=clinic)
    if not StaffMembership.objects.filter(user=user, clinic=clinic, is_active=True).exists():
        raise InvalidInput(
            f"{user} does not work at {clinic.name}.", fields={"user": ["Not staff here."]}
        )
    if not starts_at < ends_at <= starts_at + MAX_SHIFT:
        raise InvalidInput(
            "A shift ends after it starts and lasts at most 16 hours.",
            fields={"ends": ["Check the times."]},
        )
    overlapping = StaffShift.objects.filter(
        clinic=clinic, user=user, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).first()
    if overlapping is not None:
        local = overlapping.starts_at.astimezone(clinic.zone)
        raise Conflict(
            f"{user.full_name or user.email} already has a shift from {local:%a %d %b %H:%M}."
        )
    shift = StaffShift.objects.create(
        clinic=clinic, user=user, starts_at=starts_at, ends_at=ends_at, created_by=acting_user
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=clinic,
        subject=shift,
        detail={
            "shift_added": str(user.pk),
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return shift


@transaction.atomic
def shift_remove(*, acting_user: User, shift: StaffShift) -> None:
    """Remove a shift, unless the nurses left could no longer cover a booked treatment."""
    require_permission(user=acting_user, action=Action.STAFF_MANAGE, clinic=shift.clinic)
    locked = StaffShift.objects.select_for_update().get(pk=shift.pk)
    clinic = locked.clinic
    is_nurse = StaffMembership.objects.filter(
        user_id=locked.user_id, clinic=clinic, role=Role.NURSE, is_active=True
    ).exists()
    if is_nurse:
        others = [
            interval
            for interval in nurse_shifts_between(
                clinic=clinic, start=locked.starts_at, end=locked.ends_at
            )
            if interval != (locked.starts_at, locked.ends_at)
            or StaffShift.objects.filter(clinic=clinic, starts_at=interval[0], ends_at=interval[1])
            .exclude(pk=locked.pk)
            .exists()
        ]
        booked = treatments_between(clinic=clinic, start=locked.starts_at, end=locked.ends_at)
        for index, (start, end) in enumerate(booked):
            problem = nurse_ratio_problem(
                capacity_per_nurse=clinic.patients_per_nurse,
                nurse_shifts=others,
                treatments=booked[:index] + booked[index + 1 :],
                start=start,
                end=end,
            )
            if problem:
                local = start.astimezone(clinic.zone)
                raise PreconditionFailed(
                    f"Without this shift the treatment at {local:%a %d %b %H:%M} is not covered: "
                    f"{problem}"
                )
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=clinic,
        subject=locked,
        detail={"shift_removed": str(locked.user_id), "starts_at": locked.starts_at.isoformat()},
    )
    locked.delete()


@transaction.atomic
def closure_add(
    *, acting_user: User, clinic: Clinic, day: datetime.date, reason: str
) -> ClinicClosure:
    """Close the clinic for a day; refused while appointments are still booked on it."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    if not reason.strip():
        raise InvalidInput("Give the reason.", fields={"reason": ["Required."]})
    start, end = day_bounds(clinic=clinic, day=day)
    booked = Appointment.objects.filter(
        clinic=clinic, status__in=HOLDING_STATUSES, starts_at__lt=end, ends_at__gt=start
    ).count()
    if booked:
        raise PreconditionFailed(
            f"{booked} appointment{'' if booked == 1 else 's'} still booked on {day:%a %d %b}: "
            "move or cancel them first."
        )
    if ClinicClosure.objects.filter(clinic=clinic, day=day).exists():
        raise Conflict(f"The clinic is already closed on {day:%a %d %b}.")
    closure = ClinicClosure.objects.create(
        clinic=clinic, day=day, reason=reason.strip()[:200], created_by=acting_user
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=clinic,
        subject=closure,
        detail={"closed": day.isoformat(), "reason": closure.reason},
    )
    return closure


@transaction.atomic
def closure_remove(*, acting_user: User, closure: ClinicClosure) -> None:
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=closure.clinic)
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=closure.clinic,
        subject=closure,
        detail={"reopened": closure.day.isoformat()},
    )
    closure.delete()
