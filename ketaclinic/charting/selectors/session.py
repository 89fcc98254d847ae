"""The session page's reads: the session itself, everything charted in time order, the open
alarms and when the next reading is due.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from ketaclinic.charting.models import (
    DosePreparation,
    PumpEvent,
    SessionAlarm,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors.common import _early_stop, _name, route_of
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.medicine.amounts import mg_text
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.session import (
    PumpEventKind,
    SessionPhase,
    vitals_due_minute,
)


def session_get(*, clinic: Clinic, session_id: int) -> TreatmentSession:
    return TreatmentSession.objects.select_related(
        "patient",
        "course",
        "appointment",
        "appointment__chair",
        "checked_in_by",
        "checklist_overridden_by",
        "discharged_by",
        "discharge_overridden_by",
    ).get(clinic=clinic, pk=session_id)


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # pump | device | vitals | side_effect | prn | score | alarm | note
    text: str
    by: str = ""
    level: int = 0


def session_timeline(
    *, session: TreatmentSession, preparation: DosePreparation | None
) -> list[TimelineEntry]:
    """Everything charted, in time order. `preparation` is the session's active one
    (`services.active_preparation`, which the caller has already read)."""
    entries: list[TimelineEntry] = [
        TimelineEntry(session.checked_in_at, "check_in", "Checked in", _name(session.checked_in_by))
    ]
    early_stop = _early_stop(session, preparation)
    for event in session.pump_events.select_related("recorded_by"):
        if event.kind == PumpEvent.DEVICE:
            text = "Esketamine device given (28 mg)"
        else:
            text = event.get_kind_display()
            if event.rate_ml_per_h is not None:
                text += f" at {plain_decimal(event.rate_ml_per_h)} mL/h"
        if event.kind == PumpEventKind.STOP and early_stop:
            delivered, planned = early_stop
            text += f" — stopped early, {mg_text(delivered)} of {mg_text(planned)}: {event.reason}"
        elif event.reason:
            text += f" — {event.reason}"
        entries.append(TimelineEntry(event.occurred_at, "pump", text, _name(event.recorded_by)))
    for reading in session.readings.select_related("recorded_by"):
        text = (
            f"{reading.get_phase_display()}: BP {reading.systolic_mmhg}/{reading.diastolic_mmhg}, "
            f"HR {reading.heart_rate_bpm}, SpO2 {reading.spo2_percent}%"
        )
        if reading.respiratory_rate_per_min is not None:
            text += f", RR {reading.respiratory_rate_per_min}"
        if reading.moaa_s is not None:
            text += f", MOAA/S {reading.moaa_s}"
        if reading.pre_infusion_decision:
            text += f" — {reading.pre_infusion_decision.replace('_', ' ')}"
        entries.append(
            TimelineEntry(
                reading.measured_at,
                "vitals",
                text,
                _name(reading.recorded_by),
                reading.alarm_level,
            )
        )
    for effect in session.side_effects.select_related("recorded_by"):
        text = f"{effect.get_kind_display()} ({effect.severity}), {effect.action_words}"
        if effect.description:
            text += f" — {effect.description}"
        if effect.resolved_at:
            text += f"; resolved {effect.resolved_at.astimezone(session.clinic.zone):%H:%M}"
        entries.append(
            TimelineEntry(effect.onset_at, "side_effect", text, _name(effect.recorded_by))
        )
    prns = session.prns.select_related("given_by", "dose_overridden_by").prefetch_related(
        "responses__recorded_by"
    )
    for prn in prns:
        text = f"PRN {prn}"
        if prn.dose_override_reason:
            text += f" — {_name(prn.dose_overridden_by)}'s reason: {prn.dose_override_reason}"
        entries.append(TimelineEntry(prn.given_at, "prn", text, _name(prn.given_by)))
        for response in prn.responses.all():
            entries.append(
                TimelineEntry(
                    response.recorded_at,
                    "prn",
                    f"Response to {prn.drug}: {response.text}",
                    _name(response.recorded_by),
                )
            )
    for score in session.scores.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                score.recorded_at,
                "score",
                f"{score.instrument_label}: {score.total} ({score.band})",
                _name(score.recorded_by),
            )
        )
    for alarm in session.alarms.select_related("acknowledged_by"):
        text = f"Alarm: {alarm.message}"
        if alarm.acknowledged_at:
            text += f" — acknowledged: {alarm.action_taken}"
        elif alarm.escalated_at:
            text += " — escalated to the physician"
        entries.append(
            TimelineEntry(alarm.raised_at, "alarm", text, _name(alarm.acknowledged_by), alarm.level)
        )
    if session.discharged_at:
        entries.append(
            TimelineEntry(
                session.discharged_at,
                "discharge",
                f"Discharged to {session.discharge_escort_name}",
                _name(session.discharged_by),
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries


def open_alarms(*, session: TreatmentSession) -> QuerySet[SessionAlarm]:
    return session.alarms.filter(acknowledged_at__isnull=True).order_by(
        "-level", "-raised_at", "-id"
    )


def vitals_due_at(
    *, session: TreatmentSession, last_reading_at: datetime.datetime | None
) -> datetime.datetime | None:
    """When the next reading is due by the clinic's monitoring rules (§5.1), or None."""
    rules = clinic_rules_get(clinic=session.clinic).monitoring
    if session.status in (SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN):
        return None
    if session.started_at is None:
        phase = SessionPhase.PRE_INFUSION
        origin = session.checked_in_at
    else:
        origin = session.started_at
        phase = SessionPhase.RECOVERY if session.stopped_at else SessionPhase.INFUSING
    last = (last_reading_at - origin).total_seconds() / 60 if last_reading_at else None
    stopped = (session.stopped_at - origin).total_seconds() / 60 if session.stopped_at else None
    if phase == SessionPhase.PRE_INFUSION and last is not None:
        return None
    due = vitals_due_minute(
        route=route_of(session),
        phase=phase,
        last_reading_minute=last,
        infusion_stopped_minute=stopped,
        rules=rules,
    )
    return None if due is None else origin + datetime.timedelta(minutes=due)
