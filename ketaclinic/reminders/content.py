"""What a reminder says: the visit in the clinic's local time, the instructions from medicine/
(fasting, medication holds, the driver), the attendance link, and an .ics attachment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.template.loader import render_to_string

from ketaclinic.intake.models import CurrentMedication
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.interactions import MedicationInput
from ketaclinic.medicine.preparation import VisitPreparation, visit_preparation
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.ical import CalendarEvent, calendar_text
from ketaclinic.reminders.models import CONFIRMATION
from ketaclinic.scheduling.models import Appointment


@dataclass(frozen=True)
class ReminderMessage:
    subject: str
    body: str
    sms: str
    ics: str


def local_when(appointment: Appointment) -> str:
    """'Thursday 3 December 2026 at 09:00 (America/Denver)' in the clinic's own time zone."""
    zone = appointment.clinic.zone
    local = appointment.starts_at.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} ({appointment.clinic.timezone})"


def _route(appointment: Appointment) -> Route | None:
    if appointment.course is None:
        return None
    try:
        return protocol_get(appointment.course.protocol_key).route
    except ClinicalRuleError:
        return None  # a clinic's own protocol: fall back on the kind of visit


def preparation_for(appointment: Appointment) -> VisitPreparation:
    medications = CurrentMedication.objects.filter(
        intake__patient_id=appointment.patient_id
    ).order_by("id")
    return visit_preparation(
        kind=VisitKind(appointment.kind),
        route=_route(appointment),
        starts_at_local=appointment.starts_at.astimezone(appointment.clinic.zone).replace(
            tzinfo=None
        ),
        medications=[MedicationInput(medication.name) for medication in medications],
    )


def event_uid(appointment: Appointment) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "ketaclinic.invalid"
    return f"appointment-{appointment.pk}@{host}"


SEQUENCE_EPOCH = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


def appointment_sequence(appointment: Appointment) -> int:
    # SEQUENCE must grow with each revision (RFC 5545 §3.8.7.4): the minutes from 2020 to the
    # row's last change do, and stay far inside the 32-bit INTEGER range.
    return int((appointment.updated_at - SEQUENCE_EPOCH).total_seconds() // 60)


def reminder_message(
    *, appointment: Appointment, purpose: str, link_url: str, now: datetime.datetime
) -> ReminderMessage:
    clinic = appointment.clinic
    preparation = preparation_for(appointment)
    when = local_when(appointment)
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "clinic": clinic,
        "kind": appointment.get_kind_display(),
        "when": when,
        "is_confirmation": purpose == CONFIRMATION,
        "instructions": preparation.lines,
        "is_treatment": preparation.is_treatment,
        "link_url": link_url,
        "address": ", ".join(clinic.address_lines),
    }
    subject = (
        f"Your appointment at {clinic.name}: {when}"
        if purpose == CONFIRMATION
        else f"Reminder: your appointment at {clinic.name}, {when}"
    )
    # A text message shows on a locked screen: the time and place, no treatment named.
    opening = (
        "your appointment is booked for"
        if purpose == CONFIRMATION
        else "reminder of your appointment on"
    )
    sms_parts = [f"{clinic.name}: {opening} {when}."]
    if preparation.is_treatment:
        sms_parts.append(preparation.lines[0])  # fasting, always first for a treatment
        sms_parts.append("Bring a driver: you may not drive afterwards.")
        sms_parts.append(f"Your instructions, and confirm your driver: {link_url}")
    else:
        sms_parts.append(f"Please confirm here: {link_url}")
    sms_parts.append(f"To change it, call {clinic.phone}.")
    event = CalendarEvent(
        uid=event_uid(appointment),
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        summary=f"{appointment.get_kind_display()} at {clinic.name}",
        description="\n".join(preparation.lines),
        location=", ".join(clinic.address_lines),
        sequence=appointment_sequence(appointment),
    )
    return ReminderMessage(
        subject=subject,
        body=render_to_string("reminders/email.txt", context),
        sms=" ".join(sms_parts),
        ics=calendar_text([event], stamp=now),
    )
