"""Proposing and booking a course's induction series in one step.

`series_propose` reads everything it needs in a few queries (the clinic's hours and chairs, the
holding appointments in the window, the course's bookings, its dose orders) and then searches in
memory: for each day on the patient's preferred weekdays, the preferred time first and then the
other times of the day in 15-minute steps, the first time at which the course rules of medicine/
allow it, a dose order covers it, the patient is free and a chair is free. The front desk adjusts
the proposal and `series_book` books every row in one transaction through `appointment_book`, so
each row meets exactly the rules a single booking meets, and a refused row books nothing.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import DomainError, InvalidInput, PreconditionFailed
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.medicine.courses import CourseRules, booking_problems
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.visits import TREATMENT_KINDS, VisitKind, treatment_kinds_for
from ketaclinic.scheduling.models import HOLDING_STATUSES, Appointment, ClinicClosure
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.scheduling.staffing import nurse_ratio_problem, nurse_shifts_between

STEP = datetime.timedelta(minutes=15)
SEARCH_DAYS = 42  # six weeks: an induction is 2–3 weeks (CLINICAL.md §8)
# The most treatments one series proposes or books, on the staff page and in the API alike.
MAX_SERIES_ROWS = 12


@dataclass(frozen=True)
class ProposedSlot:
    starts_at: datetime.datetime
    chair: Chair


def _overlaps(
    busy: list[tuple[datetime.datetime, datetime.datetime]],
    start: datetime.datetime,
    end: datetime.datetime,
) -> bool:
    return any(other_start < end and start < other_end for other_start, other_end in busy)


def series_propose(
    *,
    course: TreatmentCourse,
    first_day: datetime.date,
    weekdays: frozenset[int],
    preferred_time: datetime.time,
    count: int,
    kind: VisitKind | None = None,
) -> list[ProposedSlot]:
    """The earliest series of `count` treatments that every booking rule allows."""
    clinic = course.clinic
    zone = clinic.zone
    if not weekdays or not weekdays <= set(range(7)):
        raise InvalidInput("Choose at least one weekday.", fields={"weekdays": ["Required."]})
    already = Appointment.objects.filter(course=course, status__in=HOLDING_STATUSES)
    booked_starts = [
        moment.astimezone(zone) for moment in already.values_list("starts_at", flat=True)
    ]
    left = course.maximum_infusions - len(booked_starts)
    if not 1 <= count <= left:
        raise InvalidInput(
            f"Propose 1 to {left} treatments: the course allows {course.maximum_infusions} and "
            f"{len(booked_starts)} are booked.",
            fields={"count": [f"1 to {left}."]},
        )
    protocol = protocol_get(course.protocol_key)
    kinds = treatment_kinds_for(protocol)
    kind = kind or (VisitKind.IV_INFUSION if VisitKind.IV_INFUSION in kinds else min(kinds))
    duration = clinic_rules_get(clinic=clinic).visits.duration(kind)
    rules = course.rules()

    window_start = local_moment(clinic=clinic, day=first_day, time=datetime.time())
    window_end = window_start + datetime.timedelta(days=SEARCH_DAYS + 1)
    hours: dict[int, list[tuple[datetime.time, datetime.time]]] = defaultdict(list)
    for period in OpeningHours.objects.filter(clinic=clinic):
        hours[period.weekday].append((period.opens_at, period.closes_at))
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name"))
    # Busy times per chair and local day: a visit never spans the clinic's midnight.
    chair_busy: dict[tuple[int, datetime.date], list[tuple[datetime.datetime, datetime.datetime]]]
    chair_busy = defaultdict(list)
    patient_busy: list[tuple[datetime.datetime, datetime.datetime]] = []
    treatments: dict[datetime.date, list[tuple[datetime.datetime, datetime.datetime]]]
    treatments = defaultdict(list)
    treatment_kinds = {k.value for k in TREATMENT_KINDS}
    for chair_id, patient_id, kind_value, start, end in Appointment.objects.filter(
        clinic=clinic,
        status__in=HOLDING_STATUSES,
        starts_at__lt=window_end,
        ends_at__gt=window_start,
    ).values_list("chair_id", "patient_id", "kind", "starts_at", "ends_at"):
        local_day = start.astimezone(zone).date()
        if chair_id is not None:
            chair_busy[(chair_id, local_day)].append((start, end))
        if patient_id == course.patient_id:
            patient_busy.append((start, end))
        if kind_value in treatment_kinds:
            treatments[local_day].append((start, end))
    closed = set(
        ClinicClosure.objects.filter(
            clinic=clinic, day__gte=first_day, day__lte=first_day + datetime.timedelta(SEARCH_DAYS)
        ).values_list("day", flat=True)
    )
    nurse_shifts = nurse_shifts_between(clinic=clinic, start=window_start, end=window_end)
    orders = list(DoseOrder.objects.filter(course=course).values_list("signed_at", "expires_at"))
    if not orders:
        raise PreconditionFailed("No signed dose order: a physician signs one on the course first.")
    if not chairs:
        raise PreconditionFailed("The clinic has no chair in service.")

    chosen: list[ProposedSlot] = []
    day = first_day
    for _ in range(SEARCH_DAYS):
        if len(chosen) == count:
            break
        if day.weekday() in weekdays and hours.get(day.weekday()) and day not in closed:
            slot = _first_fit(
                day=day,
                preferred_time=preferred_time,
                periods=hours[day.weekday()],
                duration=duration,
                clinic=clinic,
                chairs=chairs,
                chair_busy=chair_busy,
                patient_busy=patient_busy,
                orders=orders,
                booked=booked_starts + [s.starts_at.astimezone(zone) for s in chosen],
                rules=rules,
                nurse_shifts=nurse_shifts,
                treatments=treatments[day],
            )
            if slot is not None:
                chosen.append(slot)
                end = slot.starts_at + duration
                chair_busy[(slot.chair.pk, day)].append((slot.starts_at, end))
                treatments[day].append((slot.starts_at, end))
                patient_busy.append((slot.starts_at, end))
        day += datetime.timedelta(days=1)
    if len(chosen) < count:
        raise PreconditionFailed(
            f"Only {len(chosen)} of {count} treatments fit in the {SEARCH_DAYS} days from "
            f"{first_day:%d %b} on these weekdays; add weekdays or start later."
        )
    return chosen


def _candidate_times(
    preferred: datetime.time, periods: list[tuple[datetime.time, datetime.time]]
) -> list[datetime.time]:
    """The preferred time first, then the day's other quarter hours, nearest first."""
    times: list[datetime.time] = []
    for opens, closes in periods:
        moment = datetime.datetime.combine(datetime.date.min, opens)
        last = datetime.datetime.combine(datetime.date.min, closes)
        while moment < last:
            times.append(moment.time())
            moment += STEP

    def distance(time: datetime.time) -> int:
        return abs((time.hour * 60 + time.minute) - (preferred.hour * 60 + preferred.minute))

    return sorted(times, key=lambda time: (distance(time), time))


def _first_fit(
    *,
    day: datetime.date,
    preferred_time: datetime.time,
    periods: list[tuple[datetime.time, datetime.time]],
    duration: datetime.timedelta,
    clinic: Clinic,
    chairs: list[Chair],
    chair_busy: dict[tuple[int, datetime.date], list[tuple[datetime.datetime, datetime.datetime]]],
    patient_busy: list[tuple[datetime.datetime, datetime.datetime]],
    orders: list[tuple[datetime.datetime, datetime.datetime]],
    booked: list[datetime.datetime],
    rules: CourseRules,
    nurse_shifts: list[tuple[datetime.datetime, datetime.datetime]],
    treatments: list[tuple[datetime.datetime, datetime.datetime]],
) -> ProposedSlot | None:
    now = datetime.datetime.now(tz=datetime.UTC)
    for time in _candidate_times(preferred_time, periods):
        try:
            start = local_moment(clinic=clinic, day=day, time=time)
        except DomainError:
            continue  # a time the clocks skip
        end = start + duration
        local_start, local_end = start.astimezone(clinic.zone), end.astimezone(clinic.zone)
        if start <= now or local_end.date() != day:
            continue
        if not any(o <= local_start.time() and local_end.time() <= c for o, c in periods):
            continue
        if not any(signed <= now and start < expires for signed, expires in orders):
            continue
        if booking_problems(proposed=local_start, booked=booked, rules=rules):
            continue
        if _overlaps(patient_busy, start, end):
            continue
        if nurse_ratio_problem(
            capacity_per_nurse=clinic.patients_per_nurse,
            nurse_shifts=nurse_shifts,
            treatments=treatments,
            start=start,
            end=end,
        ):
            continue
        for chair in chairs:
            if not _overlaps(chair_busy[(chair.pk, day)], start, end):
                return ProposedSlot(start, chair)
    return None


@transaction.atomic
def series_book(
    *,
    acting_user: User,
    course: TreatmentCourse,
    slots: list[ProposedSlot],
    kind: VisitKind | None = None,
) -> list[Appointment]:
    """Book every slot or none: a refused row rolls the whole series back, naming the row."""
    require_permission(user=acting_user, action=Action.APPOINTMENT_BOOK, clinic=course.clinic)
    if not slots:
        raise InvalidInput("Nothing to book.")
    kinds = treatment_kinds_for(protocol_get(course.protocol_key))
    kind = kind or (VisitKind.IV_INFUSION if VisitKind.IV_INFUSION in kinds else min(kinds))
    booked = []
    for number, slot in enumerate(sorted(slots, key=lambda s: s.starts_at), start=1):
        try:
            booked.append(
                appointment_book(
                    acting_user=acting_user,
                    patient=course.patient,
                    kind=kind,
                    starts_at=slot.starts_at,
                    chair=slot.chair,
                    course=course,
                )
            )
        except DomainError as error:
            local = slot.starts_at.astimezone(course.clinic.zone)
            raise type(error)(
                f"Treatment {number} ({local:%a %d %b %H:%M}, {slot.chair.name}): "
                f"{error.message} Nothing in the series was booked.",
                fields=error.fields,
            ) from error
    return booked
