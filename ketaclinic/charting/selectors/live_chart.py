"""The live chart's data: vitals, pump rate, events and the predicted concentration, drawn as
SVG by `charting.chart`.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ketaclinic.charting.chart import (
    ChartMarker,
    ChartRateSegment,
    ChartVital,
    SessionChartData,
)
from ketaclinic.charting.models import (
    DosePreparation,
    PumpEvent,
    TreatmentSession,
)
from ketaclinic.charting.selectors.common import _figure
from ketaclinic.medicine.pharmacokinetics import DEFAULT_MODEL, predict_concentrations
from ketaclinic.medicine.session import PumpEvent as PlanPumpEvent
from ketaclinic.medicine.session import (
    PumpEventKind,
    pk_infusions,
    pump_segments,
)


def _pump_plan_events(session: TreatmentSession, events: list[PumpEvent]) -> list[PlanPumpEvent]:
    origin = session.started_at
    if origin is None:
        return []
    return [
        PlanPumpEvent(
            kind=PumpEventKind(event.kind),
            minute=(event.occurred_at - origin).total_seconds() / 60,
            rate_ml_per_h=event.rate_ml_per_h,
        )
        for event in events
        if event.kind != PumpEvent.DEVICE
    ]


def chart_data_for_session(
    *, session: TreatmentSession, now: datetime.datetime | None = None
) -> SessionChartData:
    """Vitals, pump rate, events and the concentration `medicine/` predicts for the schedule
    actually delivered (the weight dosed on, the clinic's default model)."""
    now = now or timezone.now()
    origin = session.started_at or session.checked_in_at
    is_live = session.is_open

    def minute(moment: datetime.datetime) -> float:
        return round((moment - origin).total_seconds() / 60, 2)

    vitals = tuple(
        ChartVital(
            minute=minute(reading.measured_at),
            systolic_mmhg=reading.systolic_mmhg,
            diastolic_mmhg=reading.diastolic_mmhg,
            heart_rate_bpm=reading.heart_rate_bpm,
            spo2_percent=reading.spo2_percent,
            respiratory_rate_per_min=reading.respiratory_rate_per_min,
            moaa_s=reading.moaa_s,
            alarm_level=reading.alarm_level,
        )
        for reading in session.readings.all()
    )
    events = list(session.pump_events.all())
    markers: list[ChartMarker] = []
    for event in events:
        if event.kind == PumpEvent.DEVICE:
            markers.append(ChartMarker(minute(event.occurred_at), "Device", "device"))
            continue
        label = {
            PumpEventKind.START: "Start",
            PumpEventKind.PAUSE: "Paused",
            PumpEventKind.RESUME: "Resumed",
            PumpEventKind.RATE_CHANGE: f"Rate {_figure(event.rate_ml_per_h)} mL/h",
            PumpEventKind.STOP: "Stop",
        }[PumpEventKind(event.kind)]
        markers.append(ChartMarker(minute(event.occurred_at), label, "pump"))
    for prn in session.prns.all():
        markers.append(ChartMarker(minute(prn.given_at), str(prn), "prn"))
    for effect in session.side_effects.all():
        markers.append(
            ChartMarker(
                minute(effect.onset_at),
                f"{effect.get_kind_display()} ({effect.severity})",
                "side_effect",
            )
        )
    now_minute = minute(now) if is_live else None
    plan_events = _pump_plan_events(session, events)
    segments: tuple[ChartRateSegment, ...] = ()
    concentration: tuple[tuple[float, float], ...] = ()
    label = ""
    preparation = DosePreparation.objects.filter(session=session, discarded_at__isnull=True).first()
    until = minute(session.discharged_at) if session.discharged_at else (now_minute or 0.0)
    if plan_events and preparation is not None and preparation.concentration_mg_per_ml:
        end = max(until, plan_events[-1].minute)
        segments = tuple(
            ChartRateSegment(
                start_min=segment.start_min,
                end_min=segment.end_min if segment.end_min is not None else end,
                rate_ml_per_h=segment.rate_ml_per_h,
            )
            for segment in pump_segments(plan_events)
        )
        # Predicted for what was delivered up to now (or to discharge), never projected ahead.
        horizon = now_minute if is_live and now_minute is not None else max(until, end)
        infusions = pk_infusions(
            plan_events,
            concentration_mg_per_ml=preparation.concentration_mg_per_ml,
            until_minute=end,
        )
        times = [step / 2 for step in range(int(max(horizon, 0) * 2) + 1)]
        if infusions and preparation.dosing_weight_kg is not None:
            weight = float(preparation.dosing_weight_kg)  # the weight dosed on; no default
            curve = predict_concentrations(
                weights_kg=[weight], times_min=times, infusions=infusions, model=DEFAULT_MODEL
            )[0]
            concentration = tuple(
                (time, round(float(value), 1)) for time, value in zip(times, curve, strict=True)
            )
        label = f"Predicted plasma ketamine — {DEFAULT_MODEL.name}"
    planned_end = 0.0
    if preparation is not None and preparation.duration_min:
        planned_end = float(preparation.duration_min)
    end_minute = max(
        60.0,
        (now_minute or 0.0) + 10,
        until + 5,
        planned_end + session.observation_minimum_min,
        max((v.minute for v in vitals), default=0.0) + 5,
    )
    infusion_end = minute(session.stopped_at) if session.stopped_at else None
    patient = session.patient
    return SessionChartData(
        title=(
            f"{session.get_route_display()} — {patient.display_name}, "
            f"{session.checked_in_at.astimezone(session.clinic.zone):%d %b %Y}"
        ),
        vitals=vitals,
        rate_segments=segments,
        markers=tuple(sorted(markers, key=lambda marker: marker.minute)),
        concentration=concentration,
        concentration_label=label,
        now_minute=now_minute,
        end_minute=end_minute,
        infusion_end_minute=infusion_end,
    )
