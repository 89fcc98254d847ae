"""The chart's words: the description a screen reader reads, and each reading's tooltip."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.charting.chart.data import ChartRateSegment, ChartVital, SessionChartData
from ketaclinic.charting.chart.layout import minute_text
from ketaclinic.medicine.amounts import ml_text
from ketaclinic.medicine.vital_signs import AlarmLevel


def delivered_ml(segments: Iterable[ChartRateSegment]) -> Decimal:
    total = Decimal(0)
    for seg in segments:
        minutes = Decimal(str(max(seg.end_min - seg.start_min, 0.0)))
        total += seg.rate_ml_per_h * minutes / 60
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _range_text(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def chart_summary(data: SessionChartData) -> str:
    parts: list[str] = []
    vitals = data.vitals
    if vitals:
        n = len(vitals)
        parts.append(f"{n} reading{'s' if n != 1 else ''}")
        parts.append(f"BP {_range_text([v.systolic_mmhg for v in vitals])} systolic")
        parts.append(f"HR {_range_text([v.heart_rate_bpm for v in vitals])}")
        parts.append(f"SpO2 {_range_text([v.spo2_percent for v in vitals])}%")
        alarms = [v for v in vitals if v.alarm_level >= AlarmLevel.WARNING]
        critical = sum(1 for v in alarms if v.alarm_level >= AlarmLevel.CRITICAL)
        alarm_text = f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"
        if critical:
            alarm_text += f" ({critical} critical)"
        parts.append(alarm_text)
    else:
        parts.append("No readings yet")
    summary = ", ".join(parts) + f"; {ml_text(delivered_ml(data.rate_segments))} delivered"
    if data.concentration:
        peak_minute, peak = max(data.concentration, key=lambda p: (p[1], -p[0]))
        label = data.concentration_label.rstrip(".")
        summary += f"; predicted peak {peak:.0f} ng/mL at {minute_text(peak_minute)} min"
        if label:
            summary += f" — {label}"
    if data.now_minute is not None:
        summary += f"; live, now at {minute_text(data.now_minute)} min"
    return summary + "."


def reading_title(v: ChartVital) -> str:
    text = (
        f"{minute_text(v.minute)} min: BP {v.systolic_mmhg}/{v.diastolic_mmhg} mmHg, "
        f"HR {v.heart_rate_bpm} bpm, SpO2 {v.spo2_percent}%"
    )
    if v.respiratory_rate_per_min is not None:
        text += f", RR {v.respiratory_rate_per_min}/min"
    if v.moaa_s is not None:
        text += f", MOAA/S {v.moaa_s}"
    if v.alarm_level >= AlarmLevel.CRITICAL:
        text += " — critical alarm"
    elif v.alarm_level >= AlarmLevel.WARNING:
        text += " — warning"
    return text
