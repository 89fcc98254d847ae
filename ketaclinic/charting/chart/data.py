"""What the session chart is drawn from: plain values the charting selectors fill in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ChartVital:
    minute: float  # minutes since the infusion start; negative = baseline before the start
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int | None = None
    moaa_s: int | None = None
    alarm_level: int = 0  # 0 none, 1 warning, 2 critical (AlarmLevel values)


@dataclass(frozen=True)
class ChartRateSegment:
    start_min: float
    end_min: float
    rate_ml_per_h: Decimal


@dataclass(frozen=True)
class ChartMarker:
    minute: float
    label: str
    kind: str  # "pump" | "prn" | "side_effect" | "device" | "alarm"


@dataclass(frozen=True)
class SessionChartData:
    title: str
    vitals: tuple[ChartVital, ...]
    rate_segments: tuple[ChartRateSegment, ...]
    markers: tuple[ChartMarker, ...]
    concentration: tuple[tuple[float, float], ...]  # (minute, ng/mL); may be empty
    concentration_label: str  # the model and site must be shown (CLINICAL.md §3.5)
    now_minute: float | None  # a vertical "now" line while live; None when finished
    end_minute: float  # right edge of the x axis (at least 60)
    infusion_end_minute: float | None = None  # recovery is shaded after it
