"""Helpers for the reminders tests: appointments made directly, and an iCalendar reader."""

from __future__ import annotations

import datetime
import re
from io import StringIO
from typing import Any

from django.core.management import call_command

from ketaclinic.intake.models import CurrentMedication, Intake
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.sms import MemorySmsBackend
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.personas import Personas

SMS_SETTING = "ketaclinic.reminders.sms.MemorySmsBackend"


def appointment_for(
    personas: Personas,
    *,
    starts_at: datetime.datetime,
    kind: VisitKind = VisitKind.IV_INFUSION,
    minutes: int = 100,
    patient: Any = None,
    clinician: Any = None,
) -> Appointment:
    patient = patient or personas.pat
    return Appointment.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=minutes),
        booked_by=personas.fran,
        clinician=clinician,
    )


def medications_for(personas: Personas, patient: Any, *names: str) -> None:
    intake = Intake.objects.create(clinic=patient.clinic, patient=patient, updated_by=personas.bob)
    for name in names:
        CurrentMedication.objects.create(intake=intake, name=name)


def work() -> None:
    call_command("jobs", "work", "--once", stdout=StringIO())


def sms_outbox() -> list[Any]:
    return MemorySmsBackend.outbox


def parse_ics(text: str) -> list[dict[str, str]]:
    """Read an iCalendar text back (RFC 5545): every line CRLF, at most 75 octets, unfolded,
    TEXT unescaped. Returns one dict of properties per VEVENT (and one for the VCALENDAR)."""
    assert text.endswith("\r\n")
    raw_lines = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in raw_lines)
    assert all(len(line.encode("utf-8")) <= 75 for line in raw_lines)
    lines: list[str] = []
    for line in raw_lines:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    components: list[dict[str, str]] = []
    stack: list[dict[str, str]] = []
    for line in lines:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append({"BEGIN": value})
        elif name == "END":
            component = stack.pop()
            assert component["BEGIN"] == value
            components.append(component)
        else:
            stack[-1][name] = _unescape(value)
    assert not stack
    return components


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def ics_time(value: str) -> datetime.datetime:
    assert value.endswith("Z")
    return datetime.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
