"""The waitlist: patients who want a slot; when one frees up (a cancellation, a no-show, a
move), the appointment page offers it to those it suits, oldest entry first, and booking it
goes through `appointment_book` with every rule."""

from __future__ import annotations

import datetime

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from ketaclinic.scheduling.services import appointment_book


@transaction.atomic
def waitlist_add(
    *,
    acting_user: User,
    patient: Patient,
    kind: VisitKind,
    weekdays: list[int],
    earliest_time: datetime.time,
    latest_time: datetime.time,
    course: TreatmentCourse | None = None,
    note: str = "",
) -> WaitlistEntry:
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=patient.clinic)
    if not weekdays or not set(weekdays) <= set(range(7)):
        raise InvalidInput("Choose the days that suit.", fields={"weekdays": ["Required."]})
    if earliest_time >= latest_time:
        raise InvalidInput(
            "The earliest time comes before the latest.", fields={"latest_time": ["Too early."]}
        )
    if is_treatment(kind) and (course is None or course.patient_id != patient.pk):
        raise PreconditionFailed("A treatment waits under the patient's open course.")
    entry = WaitlistEntry.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        course=course if is_treatment(kind) else None,
        weekdays=sorted(set(weekdays)),
        earliest_time=earliest_time,
        latest_time=latest_time,
        note=note.strip()[:500],
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=entry,
        detail={"waitlist_added": kind.value},
    )
    return entry


def waitlist_matches(*, appointment: Appointment) -> list[WaitlistEntry]:
    """Who the freed slot of a cancelled or missed appointment suits: same kind of visit, the
    day and time within what they asked for, not the patient who freed it."""
    clinic = appointment.clinic
    local = appointment.starts_at.astimezone(clinic.zone)
    candidates = WaitlistEntry.objects.filter(
        clinic=clinic,
        status=WaitlistStatus.WAITING,
        kind=appointment.kind,
        earliest_time__lte=local.time(),
        latest_time__gte=local.time(),
    ).exclude(patient_id=appointment.patient_id)
    return [
        entry
        for entry in candidates.select_related("patient", "course").order_by("created_at")
        if local.weekday() in entry.weekdays
    ]


@transaction.atomic
def waitlist_offer_book(
    *, acting_user: User, entry: WaitlistEntry, freed: Appointment
) -> Appointment:
    """Book the freed slot for the waiting patient (every booking rule applies)."""
    locked = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if locked.status != WaitlistStatus.WAITING:
        raise PreconditionFailed("This waitlist entry is no longer waiting.")
    appointment = appointment_book(
        acting_user=acting_user,
        patient=locked.patient,
        kind=VisitKind(locked.kind),
        starts_at=freed.starts_at,
        chair=freed.chair,
        course=locked.course,
        note=f"From the waitlist. {locked.note}".strip(),
    )
    locked.status = WaitlistStatus.BOOKED
    locked.save(update_fields=["status", "updated_at"])
    return appointment


@transaction.atomic
def waitlist_withdraw(*, acting_user: User, entry: WaitlistEntry) -> None:
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=entry.clinic)
    WaitlistEntry.objects.filter(pk=entry.pk, status=WaitlistStatus.WAITING).update(
        status=WaitlistStatus.WITHDRAWN
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.SCHEDULE_CHANGED,
        clinic=entry.clinic,
        patient_id=entry.patient_id,
        subject=entry,
        detail={"waitlist_withdrawn": entry.kind},
    )
