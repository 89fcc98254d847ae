"""The generated note the nurse signs: protocol, dose, timeline, vitals range, events, scores
and discharge.
"""

from __future__ import annotations

import functools

from django.utils import timezone

from ketaclinic.charting.models import (
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors.common import _early_stop, _figure, _name
from ketaclinic.medicine.amounts import mg_text, microlitres_ml_text, ml_text
from ketaclinic.medicine.medications import dose_text, plain_decimal
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.session import (
    PumpEventKind,
)


def session_note_text(*, session: TreatmentSession) -> str:
    """The generated summary: protocol, dose, timeline, vitals range, events, scores,
    discharge."""
    protocol = protocol_get(session.protocol_key)
    local = functools.partial(timezone.localtime, timezone=session.clinic.zone)
    lines = [
        f"{session.get_route_display()} — {protocol.name}",
        f"Patient: {session.patient.display_name} ({session.patient.medical_record_number})",
        f"Date: {local(session.checked_in_at):%d %b %Y}; checked in "
        f"{local(session.checked_in_at):%H:%M}.",
    ]
    if session.status == SessionStatus.NOT_GIVEN:
        lines.append(f"Not given: {session.status_reason}")
    if session.checklist_override_reason:
        lines.append(
            f"Checklist overridden by {_name(session.checklist_overridden_by)}: "
            f"{session.checklist_override_reason}"
        )
    preparation = session.preparations.filter(discarded_at__isnull=True).first()
    if preparation is not None:
        if session.is_esketamine:
            lines.append(
                f"Dose: {mg_text(preparation.dose_mg)} esketamine, "
                f"{preparation.devices} devices (lot {preparation.draw.container.lot.lot_number})."
            )
        else:
            volume = preparation.total_volume_ml
            lines.append(
                f"Dose: {dose_text(preparation.dose, preparation.dose_unit)} × "
                f"{_figure(preparation.dosing_weight_kg)} kg ({preparation.weight_basis} weight; "
                f"today {_figure(preparation.weight_kg)} kg) = "
                f"{mg_text(preparation.dose_mg)} in "
                f"{'— mL' if volume is None else ml_text(volume)} "
                f"({_figure(preparation.concentration_mg_per_ml)} mg/mL) over "
                f"{preparation.duration_min} min at {_figure(preparation.rate_ml_per_h)} mL/h; "
                f"vial lot {preparation.draw.container.lot.lot_number}."
            )
        if preparation.dose_change_reason:
            lines.append(
                f"Dose changed from the order ({plain_decimal(preparation.ordered_dose)}) by "
                f"{_name(preparation.dose_changed_by)}: {preparation.dose_change_reason}"
            )
        lines.append(
            f"Prepared by {_name(preparation.prepared_by)}; verified by "
            f"{_name(preparation.verified_by) or '—'}."
        )
    if session.started_at:
        lines.append(
            f"Started {local(session.started_at):%H:%M}"
            + (f", stopped {local(session.stopped_at):%H:%M}" if session.stopped_at else "")
            + (f"; delivered {mg_text(session.delivered_mg)}." if session.delivered_mg else ".")
        )
        early_stop = _early_stop(session, preparation)
        if early_stop:
            delivered, planned = early_stop
            stop = session.pump_events.filter(kind=PumpEventKind.STOP).first()
            lines.append(
                f"Stopped early ({mg_text(delivered)} of the planned "
                f"{mg_text(planned)}): {stop.reason if stop else ''}"
            )
    for record in session.substance_records.select_related("witness"):
        lines.append(
            f"Controlled substance: {mg_text(record.administered_mg)} administered"
            + (
                f"; {microlitres_ml_text(record.wasted_units)} wasted, witnessed by "
                f"{_name(record.witness)}."
                if record.wasted_units
                else "."
            )
        )
    readings = list(session.readings.all())
    if readings:
        systolic = [r.systolic_mmhg for r in readings]
        diastolic = [r.diastolic_mmhg for r in readings]
        rates = [r.heart_rate_bpm for r in readings]
        spo2 = [r.spo2_percent for r in readings]
        lines.append(
            f"Vitals ({len(readings)} readings): BP {min(systolic)}–{max(systolic)}/"
            f"{min(diastolic)}–{max(diastolic)} mmHg, HR {min(rates)}–{max(rates)}, SpO2 "
            f"{min(spo2)}–{max(spo2)}%."
        )
    alarms = list(session.alarms.all())
    for alarm in alarms:
        lines.append(
            f"Alarm {local(alarm.raised_at):%H:%M} ({alarm.level_label}): {alarm.message} "
            + (
                f"Acknowledged: {alarm.action_taken}"
                if alarm.acknowledged_at
                else "Not acknowledged."
            )
        )
    for effect in session.side_effects.all():
        lines.append(
            f"Side effect {local(effect.onset_at):%H:%M}: {effect.get_kind_display()} "
            f"({effect.severity}), {effect.action_words}"
            + (f", resolved {local(effect.resolved_at):%H:%M}" if effect.resolved_at else "")
            + "."
        )
    for prn in session.prns.select_related("dose_overridden_by").prefetch_related("responses"):
        lines.append(
            f"PRN {local(prn.given_at):%H:%M}: {prn}"
            + (
                f" ({_name(prn.dose_overridden_by)}'s reason: {prn.dose_override_reason})"
                if prn.dose_override_reason
                else ""
            )
            + "".join(
                f"; response {local(response.recorded_at):%H:%M}: {response.text}"
                for response in prn.responses.all()
            )
        )
    for score in session.scores.all():
        lines.append(f"{score.instrument_label}: {score.total} ({score.band}).")
    if session.discharged_at:
        lines.append(
            f"Discharged {local(session.discharged_at):%H:%M} to {session.discharge_escort_name} "
            f"by {_name(session.discharged_by)}. Instructions given: "
            + " ".join(session.discharge_instructions)
        )
        if session.discharge_override_reason:
            lines.append(
                f"Discharge criteria overridden by {_name(session.discharge_overridden_by)}: "
                f"{session.discharge_override_reason}"
            )
    return "\n".join(lines)
