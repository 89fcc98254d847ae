"""Reads: whether a visit's driver is confirmed (for the day list, with the day's visits), and a
staff member's feed."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.reminders.models import AttendanceConfirmation, CalendarFeedToken
from ketaclinic.scheduling.models import HOLDING_STATUSES, Appointment, AppointmentStatus
from ketaclinic.scheduling.selectors import day_bounds

# The feed shows a month back and six months ahead (calendar apps poll it every few hours).
FEED_PAST = datetime.timedelta(days=31)
FEED_AHEAD = datetime.timedelta(days=183)
FEED_LIMIT = 2000


@dataclass(frozen=True)
class EscortStatus:
    """What the patient confirmed for this visit time, if anything."""

    is_needed: bool  # a treatment: the patient may not drive home
    is_confirmed: bool  # coming, with a driver's name and phone (always True when not needed)
    is_attending: bool | None  # None: the patient has not answered for this time
    escort_name: str = ""
    escort_phone: str = ""
    confirmed_at: datetime.datetime | None = None


def _status(appointment: Appointment, answer: AttendanceConfirmation | None) -> EscortStatus:
    is_needed = appointment.kind in TREATMENT_KINDS
    if answer is None:
        return EscortStatus(is_needed=is_needed, is_confirmed=not is_needed, is_attending=None)
    return EscortStatus(
        is_needed=is_needed,
        is_confirmed=(not is_needed) or (answer.is_attending and bool(answer.escort_name)),
        is_attending=answer.is_attending,
        escort_name=answer.escort_name,
        escort_phone=answer.escort_phone,
        confirmed_at=answer.confirmed_at,
    )


def escort_statuses_for_appointments(
    appointments: Iterable[Appointment],
) -> dict[int, EscortStatus]:
    """Each appointment's latest answer for its current time, in one query (the day list)."""
    by_id = {appointment.pk: appointment for appointment in appointments}
    latest: dict[int, AttendanceConfirmation] = {}
    answers = AttendanceConfirmation.objects.filter(appointment_id__in=list(by_id)).order_by(
        "appointment_id", "-confirmed_at", "-id"
    )
    for answer in answers:
        appointment = by_id[answer.appointment_id]
        if answer.starts_at == appointment.starts_at and answer.appointment_id not in latest:
            latest[answer.appointment_id] = answer
    return {pk: _status(appointment, latest.get(pk)) for pk, appointment in by_id.items()}


def escort_confirmation_for(appointment: Appointment) -> EscortStatus:
    """Whether the driver home is confirmed for this appointment at its current time."""
    return escort_statuses_for_appointments([appointment])[appointment.pk]


def appointments_for_day(*, clinic: Clinic, day: datetime.date) -> list[Appointment]:
    """The day's booked and completed visits in time order, each with `.escort` (whether the
    driver home is confirmed), in a fixed handful of queries: the staff home's list."""
    start, end = day_bounds(clinic=clinic, day=day)
    appointments = list(
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED],
        )
        .select_related("patient", "chair")
        .order_by("starts_at")
    )
    escorts = escort_statuses_for_appointments(appointments)
    for appointment in appointments:
        appointment.escort = escorts[appointment.pk]  # type: ignore[attr-defined]
    return appointments


def calendar_feed_get(*, token: str) -> CalendarFeedToken:
    """The active feed for a token whose owner still works at the clinic; else NotFound."""
    feed = (
        CalendarFeedToken.objects.select_related("user", "clinic")
        .filter(token_hash=hashlib.sha256(token.encode()).hexdigest(), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not (
        feed.user.is_active
        and StaffMembership.objects.filter(
            user_id=feed.user_id, clinic_id=feed.clinic_id, is_active=True, clinic__is_active=True
        ).exists()
    ):
        raise NotFound("This calendar feed is not valid.")
    return feed


def calendar_feed_appointments(*, feed: CalendarFeedToken) -> list[Appointment]:
    """The owner's appointments as clinician at the feed's clinic, booked or done."""
    now = timezone.now()
    return list(
        Appointment.objects.filter(
            clinic_id=feed.clinic_id,
            clinician_id=feed.user_id,
            status__in=HOLDING_STATUSES,
            starts_at__gte=now - FEED_PAST,
            starts_at__lt=now + FEED_AHEAD,
        )
        .select_related("chair")
        .order_by("starts_at")[:FEED_LIMIT]
    )


def calendar_feed_active(*, user_id: int, clinic_id: int) -> CalendarFeedToken | None:
    return CalendarFeedToken.objects.filter(
        user_id=user_id, clinic_id=clinic_id, revoked_at__isnull=True
    ).first()
