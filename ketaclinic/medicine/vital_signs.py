"""Vital signs: the pre-infusion go / review / hold decision and intra-infusion alarms.

CLINICAL.md §4 (BP to proceed; HR, SpO2, RR to proceed) and §5.3 (alarm thresholds, including
the confirm-with-a-repeat rule for systolic ≥ 180). Physiologically impossible values are refused
as entry errors (ImpossibleVitalSign), which is different from an alarm.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from ketaclinic.medicine.errors import ImpossibleVitalSign, InvalidConfiguration

# Entry limits: outside these no living, monitored adult reading is plausible; it is a typo or a
# disconnected probe. They are not clinical thresholds and are not configurable. The session page
# (charting) and the intake's baseline vitals refuse by the same limits.
_POSSIBLE = {
    "systolic_mmhg": (40, 300),
    "diastolic_mmhg": (20, 200),
    "heart_rate_bpm": (20, 250),
    "spo2_percent": (50, 100),
    "respiratory_rate_per_min": (0, 70),
    "moaa_s": (0, 5),
}
_POSSIBLE_TEMPERATURE_C = (30.0, 44.0)

# Each reading as the clinic names it in a refusal: its name and the unit written after a value.
VITAL_SIGN_WORDS: dict[str, tuple[str, str]] = {
    "systolic_mmhg": ("Systolic blood pressure", " mmHg"),
    "diastolic_mmhg": ("Diastolic blood pressure", " mmHg"),
    "heart_rate_bpm": ("Heart rate", " bpm"),
    "spo2_percent": ("SpO2", "%"),
    "respiratory_rate_per_min": ("Respiratory rate", "/min"),
    "moaa_s": ("MOAA/S score", ""),
}


@dataclass(frozen=True)
class VitalSigns:
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int | None = None
    moaa_s: int | None = None
    temperature_c: float | None = None
    minute: float = 0.0  # minutes since the infusion started (negative = before it)


def impossible_vital_sign(name: str, value: int) -> str | None:
    """Why one reading (`name` a field of VitalSigns with an entry limit) is not possible, in the
    clinic's words, or None when it is possible. For a form that checks each value on its own, so
    that every impossible value is named at once."""
    low, high = _POSSIBLE[name]
    if low <= value <= high:
        return None
    label, unit = VITAL_SIGN_WORDS[name]
    return (
        f"{label} {value}{unit} is not a possible reading ({low}–{high}{unit}); "
        "re-measure or correct."
    )


def diastolic_not_below_systolic(*, systolic_mmhg: int, diastolic_mmhg: int) -> str | None:
    """A diastolic at or above the systolic is a mistyped or swapped pair, not a reading."""
    if diastolic_mmhg < systolic_mmhg:
        return None
    return (
        f"Diastolic blood pressure {diastolic_mmhg} mmHg is not below systolic "
        f"{systolic_mmhg} mmHg; re-measure."
    )


def check_vital_signs(reading: VitalSigns) -> VitalSigns:
    """Refuse a reading no patient can have, naming the value."""
    for name in _POSSIBLE:
        value = getattr(reading, name)
        if value is None:
            continue
        problem = impossible_vital_sign(name, value)
        if problem is not None:
            raise ImpossibleVitalSign(problem)
    pair = diastolic_not_below_systolic(
        systolic_mmhg=reading.systolic_mmhg, diastolic_mmhg=reading.diastolic_mmhg
    )
    if pair is not None:
        raise ImpossibleVitalSign(pair)
    if reading.temperature_c is not None and not (
        _POSSIBLE_TEMPERATURE_C[0] <= reading.temperature_c <= _POSSIBLE_TEMPERATURE_C[1]
    ):
        raise ImpossibleVitalSign(
            f"Temperature {reading.temperature_c} °C is not a possible reading; re-measure."
        )
    return reading


class PreInfusionDecision(StrEnum):
    GO = "go"
    REVIEW = "physician_review"
    HOLD = "hold"


@dataclass(frozen=True)
class PreInfusionLimits:
    """CLINICAL.md §4: < 140/90 proceed; 140–159 / 90–99 review; ≥ 160/100 hold and recheck;
    > 180/100 do not infuse; SpO2 < 95, SBP < 90, HR < 50 or > 120, RR < 10 or > 30 hold."""

    review_systolic: int = 140
    review_diastolic: int = 90
    hold_systolic: int = 160
    hold_diastolic: int = 100
    do_not_infuse_systolic: int = 180
    do_not_infuse_diastolic: int = 100
    minimum_systolic: int = 90
    minimum_spo2: int = 95
    minimum_heart_rate: int = 50
    maximum_heart_rate: int = 120
    minimum_respiratory_rate: int = 10
    maximum_respiratory_rate: int = 30

    def __post_init__(self) -> None:
        _require(
            self.review_systolic < self.hold_systolic <= self.do_not_infuse_systolic,
            "BP thresholds must rise: review < hold ≤ do-not-infuse (systolic)",
        )
        _require(
            self.review_diastolic < self.hold_diastolic <= self.do_not_infuse_diastolic,
            "BP thresholds must rise: review < hold ≤ do-not-infuse (diastolic)",
        )
        _require(
            self.do_not_infuse_systolic <= 180 and self.do_not_infuse_diastolic <= 110,
            "do-not-infuse cannot be above 180/110 (Hebert & Vidt 2008: severe hypertension)",
        )
        _require(90 <= self.minimum_spo2 <= 100, "minimum SpO2 must be 90–100%")
        _require(
            self.minimum_heart_rate >= 40 and self.maximum_heart_rate <= 130,
            "heart-rate limits must stay within 40–130",
        )
        _require(self.minimum_systolic >= 80, "minimum systolic must be at least 80")


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidConfiguration(f"Vital-sign limits: {message}.")


@dataclass(frozen=True)
class PreInfusionAssessment:
    decision: PreInfusionDecision
    reasons: tuple[str, ...]


def pre_infusion_decision(
    reading: VitalSigns, *, limits: PreInfusionLimits = PreInfusionLimits()
) -> PreInfusionAssessment:
    """Go, physician review, or hold, with every reason (CLINICAL.md §4)."""
    check_vital_signs(reading)
    holds: list[str] = []
    reviews: list[str] = []
    bp = f"{reading.systolic_mmhg}/{reading.diastolic_mmhg}"
    if (
        reading.systolic_mmhg > limits.do_not_infuse_systolic
        or reading.diastolic_mmhg > limits.do_not_infuse_diastolic
    ):
        holds.append(
            f"BP {bp} is above {limits.do_not_infuse_systolic}/{limits.do_not_infuse_diastolic}: "
            "do not infuse today."
        )
    elif (
        reading.systolic_mmhg >= limits.hold_systolic
        or reading.diastolic_mmhg >= limits.hold_diastolic
    ):
        holds.append(
            f"BP {bp} is at or above {limits.hold_systolic}/{limits.hold_diastolic}: hold, rest "
            "5–10 minutes and re-measure."
        )
    elif (
        reading.systolic_mmhg >= limits.review_systolic
        or reading.diastolic_mmhg >= limits.review_diastolic
    ):
        reviews.append(
            f"BP {bp} is at or above {limits.review_systolic}/{limits.review_diastolic}: "
            "prescriber review before starting."
        )
    if reading.systolic_mmhg < limits.minimum_systolic:
        holds.append(f"Systolic {reading.systolic_mmhg} is below {limits.minimum_systolic}.")
    if reading.spo2_percent < limits.minimum_spo2:
        holds.append(f"SpO2 {reading.spo2_percent}% is below {limits.minimum_spo2}%.")
    if not limits.minimum_heart_rate <= reading.heart_rate_bpm <= limits.maximum_heart_rate:
        holds.append(
            f"Heart rate {reading.heart_rate_bpm} is outside "
            f"{limits.minimum_heart_rate}–{limits.maximum_heart_rate}."
        )
    rate = reading.respiratory_rate_per_min
    if rate is not None and not (
        limits.minimum_respiratory_rate <= rate <= limits.maximum_respiratory_rate
    ):
        holds.append(
            f"Respiratory rate {rate} is outside "
            f"{limits.minimum_respiratory_rate}–{limits.maximum_respiratory_rate}."
        )
    if holds:
        return PreInfusionAssessment(PreInfusionDecision.HOLD, tuple(holds + reviews))
    if reviews:
        return PreInfusionAssessment(PreInfusionDecision.REVIEW, tuple(reviews))
    return PreInfusionAssessment(PreInfusionDecision.GO, ("Vital signs within limits.",))


class AlarmLevel(IntEnum):
    NONE = 0
    WARNING = 1
    CRITICAL = 2


def alarm_level_label(level: int) -> str:
    """A stored alarm's level in a word: critical from `CRITICAL` up, else a warning."""
    return "critical" if level >= AlarmLevel.CRITICAL else "warning"


@dataclass(frozen=True)
class Alarm:
    level: AlarmLevel
    parameter: str
    message: str
    suggested_action: str


@dataclass(frozen=True)
class AlarmLimits:
    """CLINICAL.md §5.3 defaults."""

    warning_systolic: int = 180
    critical_systolic: int = 200
    warning_diastolic: int = 110
    critical_diastolic: int = 120
    warning_heart_rate_high: int = 120
    critical_heart_rate_high: int = 140
    warning_heart_rate_low: int = 50
    critical_heart_rate_low: int = 40
    warning_spo2: int = 94
    critical_spo2: int = 90
    warning_respiratory_rate_low: int = 10
    warning_respiratory_rate_high: int = 30
    warning_moaa_s: int = 3
    critical_moaa_s: int = 2
    # "confirm with a repeat 5 min later" / "sustained 5 min": a repeat 3–10 minutes after.
    repeat_window_min: tuple[float, float] = (3.0, 10.0)

    def __post_init__(self) -> None:
        _require(
            self.warning_systolic < self.critical_systolic <= 220,
            "systolic warning < critical ≤ 220",
        )
        _require(
            self.warning_diastolic < self.critical_diastolic <= 130,
            "diastolic warning < critical ≤ 130",
        )
        _require(
            110 <= self.warning_heart_rate_high < self.critical_heart_rate_high <= 150,
            "high heart-rate warning 110+, critical ≤ 150",
        )
        _require(
            self.critical_heart_rate_low < self.warning_heart_rate_low <= 60,
            "low heart-rate critical < warning ≤ 60",
        )
        _require(
            88 <= self.critical_spo2 < self.warning_spo2 <= 96, "SpO2 critical 88+ < warning ≤ 96"
        )
        _require(self.critical_moaa_s < self.warning_moaa_s <= 4, "MOAA/S critical < warning ≤ 4")


@dataclass(frozen=True)
class AlarmAssessment:
    level: AlarmLevel
    alarms: tuple[Alarm, ...] = field(default_factory=tuple)


_SLOW_OR_PAUSE = "Re-check now; slow or pause the infusion and notify the prescriber."
_STOP = "Stop the infusion; prescriber to the bedside."


def _repeated(
    reading: VitalSigns,
    history: tuple[VitalSigns, ...],
    limits: AlarmLimits,
    predicate: Callable[[VitalSigns], bool],
) -> bool:
    low, high = limits.repeat_window_min
    return any(
        low <= reading.minute - earlier.minute <= high and predicate(earlier) for earlier in history
    )


def evaluate_vital_signs(
    reading: VitalSigns,
    *,
    history: tuple[VitalSigns, ...] = (),
    has_symptoms: bool = False,
    limits: AlarmLimits = AlarmLimits(),
) -> AlarmAssessment:
    """Alarms for one reading during or after an infusion (CLINICAL.md §5.3).

    `history` holds earlier readings of the same session; a warning that needs confirming by a
    repeat (SBP ≥ 180, DBP ≥ 110, HR high "sustained 5 min") becomes one only when an earlier
    reading 3–10 minutes before also met it; until then it asks for the repeat.
    """
    check_vital_signs(reading)
    alarms: list[Alarm] = []

    def add(level: AlarmLevel, parameter: str, message: str, action: str) -> None:
        alarms.append(Alarm(level, parameter, message, action))

    if has_symptoms:
        add(
            AlarmLevel.CRITICAL,
            "symptoms",
            "Chest pain, severe headache, visual change, focal signs or confusion.",
            "Stop the infusion; treat as hypertensive emergency or ACS; call EMS.",
        )
    bp = f"{reading.systolic_mmhg}/{reading.diastolic_mmhg}"
    if (
        reading.systolic_mmhg >= limits.critical_systolic
        or reading.diastolic_mmhg >= limits.critical_diastolic
    ):
        add(
            AlarmLevel.CRITICAL,
            "blood_pressure",
            f"BP {bp} is at or above {limits.critical_systolic}/{limits.critical_diastolic}.",
            _STOP,
        )
    elif (
        reading.systolic_mmhg >= limits.warning_systolic
        or reading.diastolic_mmhg >= limits.warning_diastolic
    ):
        confirmed = _repeated(
            reading,
            history,
            limits,
            lambda r: (
                r.systolic_mmhg >= limits.warning_systolic
                or r.diastolic_mmhg >= limits.warning_diastolic
            ),
        )
        if confirmed:
            add(
                AlarmLevel.WARNING,
                "blood_pressure",
                f"BP {bp} confirmed high on a repeat reading.",
                (
                    "Pause or slow the infusion, notify the prescriber, consider PRN "
                    "(e.g. clonidine 0.1 mg PO or labetalol per protocol)."
                ),
            )
        else:
            add(
                AlarmLevel.WARNING,
                "blood_pressure",
                f"BP {bp} is high; confirm with a repeat in 5 minutes.",
                "Re-measure in 5 minutes; keep the room calm.",
            )
    if reading.heart_rate_bpm > limits.critical_heart_rate_high:
        add(
            AlarmLevel.CRITICAL,
            "heart_rate",
            f"Heart rate {reading.heart_rate_bpm} is above {limits.critical_heart_rate_high}.",
            _STOP + " Check the rhythm.",
        )
    elif reading.heart_rate_bpm > limits.warning_heart_rate_high:
        sustained = _repeated(
            reading, history, limits, lambda r: r.heart_rate_bpm > limits.warning_heart_rate_high
        )
        add(
            AlarmLevel.WARNING,
            "heart_rate",
            f"Heart rate {reading.heart_rate_bpm} {'sustained ' if sustained else ''}"
            f"above {limits.warning_heart_rate_high}.",
            _SLOW_OR_PAUSE if sustained else "Re-check in 5 minutes.",
        )
    if reading.heart_rate_bpm < limits.critical_heart_rate_low:
        add(
            AlarmLevel.CRITICAL if has_symptoms else AlarmLevel.WARNING,
            "heart_rate",
            f"Heart rate {reading.heart_rate_bpm} is below {limits.critical_heart_rate_low}.",
            _STOP if has_symptoms else _SLOW_OR_PAUSE,
        )
    elif reading.heart_rate_bpm < limits.warning_heart_rate_low:
        add(
            AlarmLevel.WARNING,
            "heart_rate",
            f"Heart rate {reading.heart_rate_bpm} is below {limits.warning_heart_rate_low}.",
            _SLOW_OR_PAUSE,
        )
    if reading.spo2_percent < limits.critical_spo2:
        add(
            AlarmLevel.CRITICAL,
            "spo2",
            f"SpO2 {reading.spo2_percent}% is below {limits.critical_spo2}%.",
            "Stimulate, give oxygen, stop the infusion; airway support if needed.",
        )
    elif reading.spo2_percent < limits.warning_spo2:
        add(
            AlarmLevel.WARNING,
            "spo2",
            f"SpO2 {reading.spo2_percent}% is below {limits.warning_spo2}%.",
            "Check the probe, encourage deep breaths, consider oxygen; re-check.",
        )
    rate = reading.respiratory_rate_per_min
    if rate is not None:
        if rate == 0:
            add(
                AlarmLevel.CRITICAL,
                "respiratory_rate",
                "Apnea.",
                "Stop the infusion, stimulate, open the airway, oxygen, bag-mask; ACLS.",
            )
        elif (
            rate < limits.warning_respiratory_rate_low
            or rate > limits.warning_respiratory_rate_high
        ):
            add(
                AlarmLevel.WARNING,
                "respiratory_rate",
                f"Respiratory rate {rate} is outside "
                f"{limits.warning_respiratory_rate_low}–{limits.warning_respiratory_rate_high}.",
                _SLOW_OR_PAUSE,
            )
    if reading.moaa_s is not None:
        if reading.moaa_s <= limits.critical_moaa_s:
            add(
                AlarmLevel.CRITICAL,
                "sedation",
                f"MOAA/S {reading.moaa_s}: responds only to prodding or less.",
                _STOP + " Support the airway.",
            )
        elif reading.moaa_s <= limits.warning_moaa_s:
            add(
                AlarmLevel.WARNING,
                "sedation",
                f"MOAA/S {reading.moaa_s}: responds only to a loud voice.",
                _SLOW_OR_PAUSE,
            )
    level = max((alarm.level for alarm in alarms), default=AlarmLevel.NONE)
    return AlarmAssessment(level=level, alarms=tuple(alarms))
