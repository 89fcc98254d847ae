"""Reminders: planning them when an appointment is booked or moved, sending them (the job), the
patient's attendance link, and staff calendar-feed tokens."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import logging
import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import membership_get
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound, PermissionRefused
from ketaclinic.jobs.services import enqueue, jobs_cancel_pending
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.reminders.content import reminder_message
from ketaclinic.reminders.models import (
    CONFIRMATION,
    AttendanceConfirmation,
    AttendanceLink,
    CalendarFeedToken,
    Channel,
    ReminderDelivery,
)
from ketaclinic.reminders.sms import sms_send
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

logger = logging.getLogger(__name__)

SEND_JOB = "reminders.send"
LINK_NOT_VALID = (
    "This link can no longer be used: it has been used already, the visit has been moved or "
    "cancelled, or it has passed. Please call the clinic."
)
FEED_NOT_VALID = "This calendar feed is not valid."
_PHONE = re.compile(r"^[0-9()+\-. ]{7,32}$")
PHONE_MESSAGE = "Enter the driver's phone number with its area code, e.g. (303) 555-0142."


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _stamp(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _key_prefix(appointment_id: int) -> str:
    return f"reminders:{appointment_id}:"


# --- planning -------------------------------------------------------------------------------


def reminders_schedule_for_appointment(appointment_id: int) -> None:
    """Plan the confirmation and the reminders (48 h and 24 h before) of an appointment.

    Call after the booking (or the move) commits. Keys are the appointment and its start time,
    so calling again is a no-op, a moved appointment gets a new set (the old set, not yet sent,
    is cancelled), and a cancelled appointment's pending reminders are cancelled. A reminder
    whose time has already passed when planned is not sent.
    """
    prefix = _key_prefix(appointment_id)
    appointment = (
        Appointment.objects.filter(pk=appointment_id).only("id", "status", "starts_at").first()
    )
    if appointment is None or appointment.status != AppointmentStatus.BOOKED:
        jobs_cancel_pending(key_prefix=prefix)
        return
    now = timezone.now()
    stamp = _stamp(appointment.starts_at)
    plan: list[tuple[str, datetime.datetime]] = [(CONFIRMATION, now)]
    for hours in sorted(settings.REMINDER_HOURS_BEFORE, reverse=True):
        send_at = appointment.starts_at - datetime.timedelta(hours=hours)
        if send_at > now:
            plan.append((f"before_{hours}h", send_at))
    keys = []
    for purpose, run_at in plan:
        key = f"{prefix}{stamp}:{purpose}"
        keys.append(key)
        enqueue(
            SEND_JOB,
            {"appointment_id": appointment_id, "purpose": purpose, "starts_at": stamp},
            run_at=run_at,
            key=key,
        )
    jobs_cancel_pending(key_prefix=prefix, keep_keys=keys)


# --- sending (the job) ----------------------------------------------------------------------


def attendance_link_issue(*, appointment: Appointment, purpose: str) -> tuple[AttendanceLink, str]:
    """A new single-use link for the visit as now timed; returns the row and the token."""
    token = secrets.token_urlsafe(32)
    link = AttendanceLink.objects.create(
        clinic_id=appointment.clinic_id,
        appointment=appointment,
        purpose=purpose,
        token_hash=_hash(token),
        starts_at=appointment.starts_at,
        expires_at=appointment.starts_at,
    )
    return link, token


def reminder_send(*, appointment_id: int, purpose: str, starts_at: str) -> list[Channel]:
    """Send one reminder by email and text, each channel once; returns the channels sent now.

    Does nothing when the appointment is gone, cancelled, missed, moved to another time (its
    new reminders are planned under the new time) or already started. A channel that fails is
    raised after the others are tried, so the job retries only what was not sent.
    """
    appointment = (
        Appointment.objects.select_related("patient", "clinic", "course")
        .filter(pk=appointment_id)
        .first()
    )
    now = timezone.now()
    if (
        appointment is None
        or appointment.status != AppointmentStatus.BOOKED
        or _stamp(appointment.starts_at) != starts_at
        or appointment.starts_at <= now
    ):
        logger.info(
            "reminder %s for appointment %s not sent: no longer due", purpose, appointment_id
        )
        return []
    patient = appointment.patient
    wanted = [
        channel
        for channel, address in ((Channel.EMAIL, patient.email), (Channel.SMS, patient.phone))
        if address.strip()
    ]
    done = set(
        ReminderDelivery.objects.filter(
            appointment=appointment, purpose=purpose, starts_at=appointment.starts_at
        ).values_list("channel", flat=True)
    )
    todo = [channel for channel in wanted if channel not in done]
    if not todo:
        return []
    _, token = attendance_link_issue(appointment=appointment, purpose=purpose)
    link_url = f"{settings.SITE_URL}{reverse('attendance_link', args=[token])}"
    message = reminder_message(appointment=appointment, purpose=purpose, link_url=link_url, now=now)
    sent: list[Channel] = []
    failure: Exception | None = None
    for channel in todo:
        try:
            if channel == Channel.EMAIL:
                email = EmailMessage(
                    subject=message.subject, body=message.body, to=[patient.email.strip()]
                )
                email.attach("appointment.ics", message.ics, "text/calendar; method=PUBLISH")
                email.send()
            else:
                sms_send(to=patient.phone.strip(), body=message.sms)
        except Exception as error:  # one channel failing must not stop the other
            logger.exception(
                "reminder %s by %s failed for appointment %s", purpose, channel, appointment_id
            )
            failure = error
            continue
        with contextlib.suppress(IntegrityError), transaction.atomic():
            # Another run recorded it first: nothing more to do.
            ReminderDelivery.objects.create(
                clinic_id=appointment.clinic_id,
                appointment=appointment,
                purpose=purpose,
                starts_at=appointment.starts_at,
                channel=channel,
                sent_at=timezone.now(),
            )
        sent.append(channel)
    if failure is not None:
        raise failure
    return sent


# --- the patient's link -------------------------------------------------------------------


def attendance_link_get(*, token: str) -> AttendanceLink:
    """The open link for a token; one message for unknown, used, moved, cancelled and passed."""
    link = (
        AttendanceLink.objects.select_related("appointment__clinic", "appointment__patient")
        .filter(token_hash=_hash(token))
        .first()
    )
    if (
        link is None
        or link.used_at is not None
        or link.expires_at <= timezone.now()
        or link.appointment.status != AppointmentStatus.BOOKED
        or link.appointment.starts_at != link.starts_at
    ):
        audit_record(
            actor=None,
            action=AuditAction.ATTENDANCE_LINK_REFUSED,
            outcome=AuditOutcome.REFUSED,
            clinic_id=link.clinic_id if link else None,
            patient_id=link.appointment.patient_id if link else None,
            detail={"known": link is not None},
        )
        raise NotFound(LINK_NOT_VALID)
    return link


def phone_problem(value: str) -> str | None:
    digits = re.sub(r"\D", "", value)
    if not _PHONE.match(value) or not 10 <= len(digits) <= 15:
        return PHONE_MESSAGE
    return None


@dataclass(frozen=True)
class AttendanceAnswer:
    is_attending: bool
    escort_name: str = ""
    escort_phone: str = ""


@transaction.atomic
def attendance_confirm(*, token: str, answer: AttendanceAnswer) -> AttendanceConfirmation:
    """Record the patient's answer from the link and use the link up (audited).

    Coming to a treatment needs the driver's name and phone (CLINICAL.md §4: a responsible
    adult's name and phone before dosing; §7.2: no driving afterwards)."""
    link = attendance_link_get(token=token)
    locked = AttendanceLink.objects.select_for_update().get(pk=link.pk)
    if locked.used_at is not None:
        raise Conflict(LINK_NOT_VALID)
    appointment = link.appointment
    name = " ".join(answer.escort_name.split())
    phone = answer.escort_phone.strip()
    if answer.is_attending and appointment.kind in TREATMENT_KINDS:
        fields: dict[str, list[str]] = {}
        if len(name) < 2:
            fields["escort_name"] = ["Enter the name of the adult driving you home."]
        elif len(name) > 200:
            fields["escort_name"] = ["Enter at most 200 characters."]
        problem = phone_problem(phone)
        if problem:
            fields["escort_phone"] = [problem]
        if fields:
            raise InvalidInput(
                "Please give your driver's name and phone number: you may not drive after "
                "your treatment.",
                fields=fields,
            )
    else:
        name, phone = "", ""
    now = timezone.now()
    confirmation = AttendanceConfirmation.objects.create(
        clinic_id=appointment.clinic_id,
        appointment=appointment,
        link=locked,
        starts_at=appointment.starts_at,
        is_attending=answer.is_attending,
        escort_name=name,
        escort_phone=phone,
        confirmed_at=now,
    )
    locked.used_at = now
    locked.save(update_fields=["used_at", "updated_at"])
    audit_record(
        actor=None,
        actor_label="patient (attendance link)",
        action=AuditAction.ATTENDANCE_CONFIRMED,
        clinic_id=appointment.clinic_id,
        patient_id=appointment.patient_id,
        subject=confirmation,
        detail={
            "appointment_id": appointment.pk,
            "is_attending": answer.is_attending,
            "has_escort": bool(name),
            "purpose": locked.purpose,
        },
    )
    return confirmation


# --- staff calendar feeds -----------------------------------------------------------------


def _require_member(user: User, clinic: Clinic) -> None:
    if membership_get(user=user, clinic=clinic) is None:
        raise PermissionRefused("You do not work at this clinic.")


@transaction.atomic
def calendar_feed_token_issue(
    *, acting_user: User, clinic: Clinic
) -> tuple[CalendarFeedToken, str]:
    """A new private feed address for the user's appointments here; the old one stops working."""
    _require_member(acting_user, clinic)
    now = timezone.now()
    CalendarFeedToken.objects.filter(
        user=acting_user, clinic=clinic, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    token = secrets.token_urlsafe(32)
    row = CalendarFeedToken.objects.create(clinic=clinic, user=acting_user, token_hash=_hash(token))
    audit_record(
        actor=acting_user, action=AuditAction.CALENDAR_FEED_ISSUED, clinic=clinic, subject=row
    )
    return row, token


@transaction.atomic
def calendar_feed_token_revoke(*, acting_user: User, clinic: Clinic) -> int:
    """Turn the user's feed here off; returns how many addresses stopped working."""
    _require_member(acting_user, clinic)
    now = timezone.now()
    revoked = CalendarFeedToken.objects.filter(
        user=acting_user, clinic=clinic, revoked_at__isnull=True
    ).update(revoked_at=now, updated_at=now)
    if revoked:
        audit_record(
            actor=acting_user,
            action=AuditAction.CALENDAR_FEED_REVOKED,
            clinic=clinic,
            detail={"revoked": revoked},
        )
    return revoked
