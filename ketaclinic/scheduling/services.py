"""Booking, moving, cancelling and marking appointments missed. Every rule that refuses a booking
lives here, so the staff pages and the API refuse the same things with the same words.

Concurrency: a booking locks the patient's row and, for a chair, the chair's row, then checks for
overlaps. Two front-desk users booking the same chair at the same moment therefore run one after
the other: under READ COMMITTED the second's overlap check, which starts after the first commits,
sees the first booking and is refused.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.consent.services import require_current_consent
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.selectors import dose_order_valid_at
from ketaclinic.courses.services import treatment_for
from ketaclinic.medicine.courses import booking_problems
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.visits import VisitKind, is_treatment, treatment_kinds_for
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import (
    HOLDING_STATUSES,
    VISIT_KIND_LABELS,
    Appointment,
    AppointmentStatus,
)
from ketaclinic.scheduling.selectors import calendar_day_check
from ketaclinic.scheduling.signals import AppointmentChange, appointment_changed
from ketaclinic.scheduling.staffing import (
    closure_on,
    nurse_ratio_problem,
    nurse_shifts_between,
    treatments_between,
)

MAX_DAYS_AHEAD = 366


def local_moment(*, clinic: Clinic, day: datetime.date, time: datetime.time) -> datetime.datetime:
    """A wall-clock time at the clinic as an aware datetime; refuses a time the clocks skip."""
    zone = clinic.zone
    calendar_day_check(day=day)
    moment = datetime.datetime.combine(day, time).replace(tzinfo=zone)
    # A time in the spring-forward gap does not exist: it comes back changed after a round trip
    # through UTC. (In the autumn's repeated hour, fold=0 takes the first, daylight-time one.)
    round_trip = moment.astimezone(datetime.UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None):
        raise InvalidInput(
            f"{time:%H:%M} on {day:%d %b %Y} does not exist at the clinic: the clocks change "
            "that night. Choose another time.",
            fields={"time": ["That time is skipped when the clocks change."]},
        )
    return moment


def _fmt(moment: datetime.datetime, clinic: Clinic) -> str:
    return f"{moment.astimezone(clinic.zone):%a %d %b %H:%M}"


def _check_opening_hours(
    *, clinic: Clinic, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> None:
    local_start = starts_at.astimezone(clinic.zone)
    local_end = ends_at.astimezone(clinic.zone)
    periods = list(OpeningHours.objects.filter(clinic=clinic, weekday=local_start.weekday()))
    fits = local_start.date() == local_end.date() and any(
        period.opens_at <= local_start.time() and local_end.time() <= period.closes_at
        for period in periods
    )
    if fits:
        return
    if not periods:
        raise PreconditionFailed(f"The clinic is closed on {local_start:%A}s.")
    hours = ", ".join(f"{p.opens_at:%H:%M}–{p.closes_at:%H:%M}" for p in periods)
    raise PreconditionFailed(
        f"{local_start:%H:%M}–{local_end:%H:%M} is outside the clinic's hours on "
        f"{local_start:%A}s ({hours})."
    )


def _overlapping(
    *, starts_at: datetime.datetime, ends_at: datetime.datetime, exclude_id: int | None
) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(
        status__in=HOLDING_STATUSES, starts_at__lt=ends_at, ends_at__gt=starts_at
    )
    return appointments.exclude(pk=exclude_id) if exclude_id else appointments


def _check_treatment(
    *,
    patient: Patient,
    kind: VisitKind,
    starts_at: datetime.datetime,
    chair: Chair | None,
    course: TreatmentCourse | None,
    exclude_id: int | None,
) -> None:
    """A treatment needs an open course of the patient's, current consent, a dose order still
    valid at the visit, a chair, and the course's interval and weekly limits (§8)."""
    clinic = patient.clinic
    label = VISIT_KIND_LABELS[kind]
    if course is None or course.patient_id != patient.pk:
        raise PreconditionFailed(
            f"A {label.lower()} is booked under the patient's signed treatment course."
        )
    course = TreatmentCourse.objects.select_for_update().get(pk=course.pk)
    if not course.is_open:
        raise PreconditionFailed(
            f"The course is {course.get_status_display().lower()}; no more treatments are "
            "booked under it."
        )
    protocol = protocol_get(course.protocol_key)
    allowed = treatment_kinds_for(protocol)
    if kind not in allowed:
        kinds = " or ".join(sorted(VISIT_KIND_LABELS[k].lower() for k in allowed))
        raise InvalidInput(
            f"{protocol.name} is given in a {kinds}, not a {label.lower()}.",
            fields={"kind": ["Not this course's kind of visit."]},
        )
    if chair is None:
        raise InvalidInput(
            f"A {label.lower()} needs a chair.", fields={"chair": ["Choose a chair."]}
        )
    if protocol.route == Route.INTRANASAL and not course.rems_patient_enrollment:
        raise PreconditionFailed(
            "Esketamine needs the patient's SPRAVATO REMS enrolment before the first dose; "
            "record it on the course."
        )
    require_current_consent(patient=patient, treatment=treatment_for(protocol))
    order = dose_order_valid_at(course=course, moment=starts_at)
    if order is None:
        raise PreconditionFailed(
            f"No signed dose order covers {_fmt(starts_at, clinic)}: a physician signs one on "
            "the course first."
        )
    booked = [
        moment.astimezone(clinic.zone)
        for moment in Appointment.objects.filter(course=course, status__in=HOLDING_STATUSES)
        .exclude(pk=exclude_id or 0)
        .values_list("starts_at", flat=True)
    ]
    rules = course.rules()
    problems = booking_problems(
        proposed=starts_at.astimezone(clinic.zone), booked=booked, rules=rules
    )
    if problems:
        raise PreconditionFailed(" ".join(problems))


def _check_and_lock(
    *,
    patient: Patient,
    kind: VisitKind,
    starts_at: datetime.datetime,
    chair: Chair | None,
    course: TreatmentCourse | None,
    exclude_id: int | None = None,
) -> datetime.datetime:
    """Every booking rule; returns when the visit ends. Call inside a transaction."""
    clinic = patient.clinic
    if timezone.is_naive(starts_at):
        raise InvalidInput("A booking time must carry its time zone.")  # a programming error
    now = timezone.now()
    if starts_at < now:
        raise InvalidInput(
            f"{_fmt(starts_at, clinic)} has passed; choose a time from now on.",
            fields={"time": ["That time has passed."]},
        )
    if starts_at > now + datetime.timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(
            "Appointments are booked up to a year ahead.", fields={"day": ["Too far ahead."]}
        )
    closure = closure_on(clinic=clinic, day=starts_at.astimezone(clinic.zone).date())
    if closure is not None:
        raise PreconditionFailed(
            f"The clinic is closed on {closure.day:%a %d %b}: {closure.reason}."
        )
    if is_treatment(kind):
        # Treatment bookings take the clinic's row lock first, so two desks booking different
        # chairs at once cannot both squeeze under the nurse-to-patient ratio.
        Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
        _check_treatment(
            patient=patient,
            kind=kind,
            starts_at=starts_at,
            chair=chair,
            course=course,
            exclude_id=exclude_id,
        )
    elif course is not None:
        raise InvalidInput("Only treatments are booked under a course.")
    if chair is not None:
        if chair.clinic_id != clinic.pk:
            raise InvalidInput("That chair belongs to another clinic.")
        chair = Chair.objects.select_for_update().get(pk=chair.pk)
        if not chair.is_active:
            raise PreconditionFailed(f"{chair.name} is out of service.")
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    ends_at = starts_at + clinic_rules_get(clinic=clinic).visits.duration(kind)
    _check_opening_hours(clinic=clinic, starts_at=starts_at, ends_at=ends_at)
    if is_treatment(kind):
        problem = nurse_ratio_problem(
            capacity_per_nurse=clinic.patients_per_nurse,
            nurse_shifts=nurse_shifts_between(clinic=clinic, start=starts_at, end=ends_at),
            treatments=treatments_between(
                clinic=clinic, start=starts_at, end=ends_at, exclude_id=exclude_id
            ),
            start=starts_at,
            end=ends_at,
        )
        if problem:
            raise PreconditionFailed(problem)
    overlapping = _overlapping(starts_at=starts_at, ends_at=ends_at, exclude_id=exclude_id)
    clash = overlapping.filter(patient=patient).first()
    if clash is not None:
        raise Conflict(
            f"{patient.display_name} already has {clash.get_kind_display().lower()} at "
            f"{_fmt(clash.starts_at, clinic)}–{clash.ends_at.astimezone(clinic.zone):%H:%M}."
        )
    if chair is not None:
        taken = overlapping.filter(chair=chair).first()
        if taken is not None:
            raise Conflict(
                f"{chair.name} is booked {_fmt(taken.starts_at, clinic)}–"
                f"{taken.ends_at.astimezone(clinic.zone):%H:%M}. Choose another chair or time."
            )
    return ends_at


def _announce(appointment_id: int, change: AppointmentChange) -> None:
    """Tell the apps above (reminders: confirmation and reminders, replanned once the change
    commits) inside this transaction; see `scheduling.signals` for the receivers."""
    appointment_changed.send(sender=Appointment, appointment_id=appointment_id, change=change)


@transaction.atomic
def appointment_book(
    *,
    acting_user: User,
    patient: Patient,
    kind: VisitKind,
    starts_at: datetime.datetime,
    chair: Chair | None = None,
    clinician: User | None = None,
    note: str = "",
    course: TreatmentCourse | None = None,
) -> Appointment:
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=patient.clinic)
    ends_at = _check_and_lock(
        patient=patient, kind=kind, starts_at=starts_at, chair=chair, course=course
    )
    appointment = Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        chair=chair,
        course=course,
        clinician=clinician,
        note=note.strip(),
        booked_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.APPOINTMENT_BOOKED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=appointment,
        detail={"kind": kind.value, "starts_at": starts_at.isoformat()},
    )
    _announce(appointment.pk, AppointmentChange.BOOKED)
    return appointment


def _locked_booked(appointment: Appointment) -> Appointment:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.status != AppointmentStatus.BOOKED:
        raise PreconditionFailed(
            f"This appointment is already {locked.get_status_display().lower()}."
        )
    return locked


@transaction.atomic
def appointment_reschedule(
    *,
    acting_user: User,
    appointment: Appointment,
    starts_at: datetime.datetime,
    reason: str,
    chair: Chair | None = None,
) -> Appointment:
    """Move a booked appointment, with the reason; the old time is free the moment the new one
    is taken."""
    require_permission(
        user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=appointment.patient.clinic
    )
    if not reason.strip():
        raise InvalidInput("Give the reason for moving it.", fields={"reason": ["Required."]})
    locked = _locked_booked(appointment)
    before = locked.starts_at
    locked.ends_at = _check_and_lock(
        patient=locked.patient,
        kind=VisitKind(locked.kind),
        starts_at=starts_at,
        chair=chair,
        course=locked.course,
        exclude_id=locked.pk,
    )
    locked.starts_at = starts_at
    locked.chair = chair
    locked.save(update_fields=["starts_at", "ends_at", "chair", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.APPOINTMENT_RESCHEDULED,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={
            "from": before.isoformat(),
            "to": starts_at.isoformat(),
            "reason": reason.strip()[:500],
        },
    )
    _announce(locked.pk, AppointmentChange.MOVED)
    return locked


def _close(
    *, acting_user: User, appointment: Appointment, status: AppointmentStatus, reason: str
) -> Appointment:
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=appointment.clinic)
    if not reason.strip():
        raise InvalidInput("Give the reason.", fields={"reason": ["Required."]})
    locked = _locked_booked(appointment)
    if status == AppointmentStatus.NO_SHOW and locked.starts_at > timezone.now():
        raise PreconditionFailed("An appointment can be marked missed only once it has started.")
    locked.status = status
    locked.status_reason = reason.strip()[:500]
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = acting_user
    locked.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "updated_at",
        ]
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.APPOINTMENT_CANCELLED
        if status == AppointmentStatus.CANCELLED
        else AuditAction.APPOINTMENT_NO_SHOW,
        clinic=locked.clinic,
        patient_id=locked.patient_id,
        subject=locked,
        detail={"reason": locked.status_reason},
    )
    _announce(
        locked.pk,
        AppointmentChange.CANCELLED
        if status == AppointmentStatus.CANCELLED
        else AppointmentChange.MARKED_NO_SHOW,
    )
    return locked


@transaction.atomic
def appointment_cancel(*, acting_user: User, appointment: Appointment, reason: str) -> Appointment:
    return _close(
        acting_user=acting_user,
        appointment=appointment,
        status=AppointmentStatus.CANCELLED,
        reason=reason,
    )


@transaction.atomic
def appointment_mark_no_show(
    *, acting_user: User, appointment: Appointment, reason: str
) -> Appointment:
    return _close(
        acting_user=acting_user,
        appointment=appointment,
        status=AppointmentStatus.NO_SHOW,
        reason=reason,
    )
