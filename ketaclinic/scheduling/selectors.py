"""Reads of appointments: a patient's upcoming visits, and a clinic's day by chair."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import (
    HOLDING_STATUSES,
    Appointment,
    AppointmentStatus,
    ClinicClosure,
)


def upcoming_appointments_for_patient(*, patient: Patient, limit: int = 10) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, ends_at__gte=timezone.now()
        )
        .select_related("chair", "clinician")
        .order_by("starts_at")[:limit]
    )


# The days a page, list or report may name. Python's calendar ends with the years 1 and 9999: a
# day there may have no midnight after it (or none in UTC), and no week or period around it, so a
# typed far-off date would end in a 500. No visit or report needs a day so far out.
CALENDAR_FIRST_DAY = datetime.date(2, 1, 1)
CALENDAR_LAST_DAY = datetime.date(9998, 12, 31)


def calendar_day_check(*, day: datetime.date) -> datetime.date:
    """`day` itself, or refused (InvalidInput) when it is outside the calendar: every day in it
    has its bounds, its week and a year either side."""
    if not CALENDAR_FIRST_DAY <= day <= CALENDAR_LAST_DAY:
        raise InvalidInput(
            f"That day is outside the calendar: choose a day from "
            f"{CALENDAR_FIRST_DAY.isoformat()} to {CALENDAR_LAST_DAY.isoformat()}."
        )
    return day


def day_bounds(
    *, clinic: Clinic, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The clinic's local day as UTC instants (23 or 25 hours long when the clocks change); a
    day outside the calendar is refused."""
    calendar_day_check(day=day)
    start = datetime.datetime.combine(day, datetime.time()).replace(tzinfo=clinic.zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()).replace(
        tzinfo=clinic.zone
    )
    return start, end


@dataclass
class DayColumn:
    chair: Chair | None  # None: visits that need no chair (consults, therapy, follow-ups)
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.chair.name if self.chair else "Consults and other visits"


def day_schedule(*, clinic: Clinic, day: datetime.date) -> list[DayColumn]:
    """One column per chair in service (and one for visits without a chair), booked and done
    appointments in time order; cancelled and missed ones are listed by `day_closed`."""
    start, end = day_bounds(clinic=clinic, day=day)
    columns = {
        chair.pk: DayColumn(chair)
        for chair in Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")
    }
    without_chair = DayColumn(None)
    appointments = (
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__lt=end,
            ends_at__gt=start,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED],
        )
        .select_related("patient", "chair", "clinician")
        .order_by("starts_at")
    )
    for appointment in appointments:
        if appointment.chair_id is None:
            without_chair.appointments.append(appointment)
        else:
            column = columns.get(appointment.chair_id)
            if column is None:  # a chair taken out of service after booking still shows
                column = columns[appointment.chair_id] = DayColumn(appointment.chair)
            column.appointments.append(appointment)
    return [*columns.values(), without_chair]


def day_closed(*, clinic: Clinic, day: datetime.date) -> list[Appointment]:
    start, end = day_bounds(clinic=clinic, day=day)
    return list(
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW],
        )
        .select_related("patient")
        .order_by("starts_at")
    )


# --- free chair time (the REST API's availability, issue 5) -------------------------------------


@dataclass(frozen=True)
class FreePeriod:
    """A stretch of a chair's day in which a visit of the asked length can start anywhere from
    `starts_at` to `latest_start` (it ends by `ends_at`)."""

    starts_at: datetime.datetime
    ends_at: datetime.datetime
    latest_start: datetime.datetime


@dataclass(frozen=True)
class ChairAvailability:
    chair: Chair
    free: list[FreePeriod]


@dataclass(frozen=True)
class DayAvailability:
    day: datetime.date
    kind: str
    duration: datetime.timedelta
    opening_hours: list[tuple[datetime.time, datetime.time]]
    chairs: list[ChairAvailability]


def chair_availability_for_day(*, clinic: Clinic, day: datetime.date, kind: str) -> DayAvailability:
    """Each chair in service with its free time on the clinic's `day` for a visit of `kind`:
    inside the opening hours, outside every booked or completed appointment in that chair, not
    in the past, and long enough for the visit. Read-only and advisory: a booking still goes
    through `appointment_book`, which also checks the patient, the course and the nurses on
    shift. Five queries."""
    zone = clinic.zone
    duration = clinic_rules_get(clinic=clinic).visits.duration(kind)
    # A closed day (a holiday, training) has no opening periods, so no free time.
    closed = ClinicClosure.objects.filter(clinic=clinic, day=day).exists()
    periods = (
        []
        if closed
        else sorted(
            (period.opens_at, period.closes_at)
            for period in OpeningHours.objects.filter(clinic=clinic, weekday=day.weekday())
        )
    )
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name", "id"))
    start, end = day_bounds(clinic=clinic, day=day)
    busy: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for chair_id, busy_start, busy_end in (
        Appointment.objects.filter(
            clinic=clinic,
            chair__isnull=False,
            status__in=HOLDING_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .order_by("starts_at")
        .values_list("chair_id", "starts_at", "ends_at")
    ):
        busy.setdefault(chair_id, []).append((busy_start, busy_end))
    # From the next quarter hour on: a time already past is not free.
    now = timezone.now()
    past_quarter = datetime.timedelta(
        minutes=now.minute % 15, seconds=now.second, microseconds=now.microsecond
    )
    earliest = (
        now - past_quarter + (datetime.timedelta(minutes=15) if past_quarter else past_quarter)
    )
    result = []
    for chair in chairs:
        free: list[FreePeriod] = []
        for opens, closes in periods:
            cursor = max(datetime.datetime.combine(day, opens).replace(tzinfo=zone), earliest)
            closing = datetime.datetime.combine(day, closes).replace(tzinfo=zone)
            gaps: list[tuple[datetime.datetime, datetime.datetime]] = []
            for busy_start, busy_end in busy.get(chair.pk, []):
                if busy_end <= cursor or busy_start >= closing:
                    continue
                if busy_start > cursor:
                    gaps.append((cursor, busy_start))
                cursor = max(cursor, busy_end)
            if cursor < closing:
                gaps.append((cursor, closing))
            free.extend(
                FreePeriod(gap_start, gap_end, gap_end - duration)
                for gap_start, gap_end in gaps
                if gap_end - gap_start >= duration
            )
        result.append(ChairAvailability(chair, free))
    return DayAvailability(day, str(kind), duration, periods, result)


# --- reads of the scheduling API (issue 5) -----------------------------------------------------

APPOINTMENT_NOT_FOUND = "No such appointment at this clinic."
CHAIR_NOT_FOUND = "No such chair at this clinic."
CLINICIAN_NOT_FOUND = "No such clinician at this clinic."
# Who may be booked as the one who sees the patient (as on the staff booking form).
CLINICIAN_ROLES = (Role.PHYSICIAN, Role.MEDICAL_DIRECTOR, Role.NURSE, Role.THERAPIST)


def _appointments_with_people() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("patient", "chair", "clinician")


def appointment_get(
    *, user: User | AnonymousUser, clinic: Clinic, appointment_id: int
) -> Appointment:
    """One appointment of the acting clinic, for someone who books appointments."""
    require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
    appointment = (
        _appointments_with_people()
        .select_related("clinic", "course")
        .filter(clinic=clinic, pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound(APPOINTMENT_NOT_FOUND)
    return appointment


def appointment_list_for_day(
    *, user: User | AnonymousUser, clinic: Clinic, day: datetime.date
) -> QuerySet[Appointment]:
    """Every appointment starting on the clinic's `day` (its local day: 23 or 25 hours when the
    clocks change), whatever its status, in time order."""
    require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
    start, end = day_bounds(clinic=clinic, day=day)
    return (
        _appointments_with_people()
        .filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "id")
    )


def appointment_list_for_patient(*, patient: Patient) -> QuerySet[Appointment]:
    """A patient's appointments, latest first (the id breaks ties, so a page is stable), with
    patient, chair and clinician: the booking page and the API list (the caller has passed the
    patient access door)."""
    return _appointments_with_people().filter(patient=patient).order_by("-starts_at", "-id")


def chairs_active_for_clinic(*, clinic: Clinic) -> QuerySet[Chair]:
    """The clinic's chairs in use, by name: the day and week grids' columns."""
    return Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")


def chair_get(*, clinic: Clinic, chair_id: int, field: str = "chair_id") -> Chair:
    """A chair of the acting clinic named in a body; any other id is that field's error."""
    chair = Chair.objects.filter(clinic=clinic, pk=chair_id).first()
    if chair is None:
        raise InvalidInput(CHAIR_NOT_FOUND, fields={field: [CHAIR_NOT_FOUND]})
    return chair


def clinician_get(*, clinic: Clinic, user_id: int) -> User:
    """A physician, nurse or therapist working at the acting clinic."""
    clinician = (
        User.objects.filter(
            pk=user_id,
            memberships__clinic=clinic,
            memberships__is_active=True,
            memberships__role__in=CLINICIAN_ROLES,
        )
        .distinct()
        .first()
    )
    if clinician is None:
        raise InvalidInput(CLINICIAN_NOT_FOUND, fields={"clinician_id": [CLINICIAN_NOT_FOUND]})
    return clinician


def appointment_get_for_clinic(*, clinic: Clinic, appointment_id: int) -> Appointment | None:
    """One appointment of the clinic, bare (no joins, no permission: the caller has checked its
    own), or None for missing and another clinic's alike so the caller answers one 404."""
    return Appointment.objects.filter(clinic=clinic, pk=appointment_id).first()
