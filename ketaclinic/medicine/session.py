"""One treatment session: the pump record, the monitoring schedule, the pre-infusion checklist,
esketamine device timing, side effects and their PRN drugs, and the discharge instructions
(CLINICAL.md §2.8, §4, §5.1, §5.4, §6.5, §7.2, §10.3).

The pump record is a list of events (start, pause, resume, rate change, stop) on a clock where
the START event is minute 0. From it come the volume and milligrams delivered, the running time
(pauses excluded) and the schedule `pharmacokinetics.predict_concentrations` needs. An event that
cannot follow the record so far is refused with a message a nurse can act on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.medications import (
    Medication,
    MedicationRoute,
    MedicationUnit,
    medication_get,
)
from ketaclinic.medicine.pharmacokinetics import Infusion
from ketaclinic.medicine.preparation import ESKETAMINE_FASTING, IV_FASTING
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.vital_signs import AlarmLevel, PreInfusionDecision

# ---------------------------------------------------------------------------------------------
# The pump record
# ---------------------------------------------------------------------------------------------


class PumpEventKind(StrEnum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RATE_CHANGE = "rate_change"
    STOP = "stop"


@dataclass(frozen=True)
class PumpEvent:
    kind: PumpEventKind
    minute: float  # minutes since the START event (START is at 0)
    # Required for START and RATE_CHANGE; optional for RESUME (None = the rate before the
    # pause); must be None for PAUSE and STOP.
    rate_ml_per_h: Decimal | None = None


class InfusionState(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class PumpSegment:
    start_min: float
    end_min: float | None  # None = still running
    rate_ml_per_h: Decimal


# [PRACTICE] volumetric pump range; anything above is an entry error. Design default, configurable
# only by changing the code (CLINICAL.md has no figure; §2.5's worked examples run at 60–151 mL/h).
MAX_PUMP_RATE_ML_PER_H = Decimal("999")

_RATED = frozenset({PumpEventKind.START, PumpEventKind.RATE_CHANGE})
_UNRATED = frozenset({PumpEventKind.PAUSE, PumpEventKind.STOP})
_ALLOWED: Mapping[InfusionState, frozenset[PumpEventKind]] = {
    InfusionState.NOT_STARTED: frozenset({PumpEventKind.START}),
    InfusionState.RUNNING: frozenset(
        {PumpEventKind.PAUSE, PumpEventKind.RATE_CHANGE, PumpEventKind.STOP}
    ),
    InfusionState.PAUSED: frozenset({PumpEventKind.RESUME, PumpEventKind.STOP}),
    InfusionState.STOPPED: frozenset(),
}
_STATE_NAME = {
    InfusionState.NOT_STARTED: "has not started",
    InfusionState.RUNNING: "is running",
    InfusionState.PAUSED: "is paused",
    InfusionState.STOPPED: "has been stopped",
}
_AFTER: Mapping[PumpEventKind, InfusionState] = {
    PumpEventKind.START: InfusionState.RUNNING,
    PumpEventKind.RESUME: InfusionState.RUNNING,
    PumpEventKind.RATE_CHANGE: InfusionState.RUNNING,
    PumpEventKind.PAUSE: InfusionState.PAUSED,
    PumpEventKind.STOP: InfusionState.STOPPED,
}


@dataclass(frozen=True)
class _Replay:
    state: InfusionState = InfusionState.NOT_STARTED
    minute: float = 0.0
    rate: Decimal | None = None  # the running rate, or the rate before a pause


def _check_rate(event: PumpEvent) -> None:
    rate = event.rate_ml_per_h
    if event.kind in _RATED and rate is None:
        raise NotApplicable(f"A {event.kind.value.replace('_', ' ')} needs the rate in mL/h.")
    if event.kind in _UNRATED and rate is not None:
        raise NotApplicable(f"A {event.kind.value} has no rate; record it without one.")
    if rate is not None and not (rate.is_finite() and 0 < rate <= MAX_PUMP_RATE_ML_PER_H):
        raise NotApplicable(
            f"Rate {rate} mL/h is not possible: it must be above 0 and at most "
            f"{MAX_PUMP_RATE_ML_PER_H} mL/h; check the pump and re-enter."
        )


def _advance(replay: _Replay, event: PumpEvent) -> _Replay:
    """The record after `event`, or NotApplicable naming why it cannot follow."""
    if not math.isfinite(event.minute):
        raise NotApplicable(f"Minute {event.minute} is not a time; re-enter it.")
    if event.kind not in _ALLOWED[replay.state]:
        if replay.state == InfusionState.NOT_STARTED:
            raise NotApplicable("The infusion has not started: the first event must be a start.")
        raise NotApplicable(
            f"The infusion {_STATE_NAME[replay.state]}: a {event.kind.value.replace('_', ' ')} "
            "cannot be recorded now."
        )
    if event.kind == PumpEventKind.START and event.minute != 0:
        raise NotApplicable("The start is minute 0 of the infusion clock.")
    if event.minute < replay.minute:
        raise NotApplicable(
            f"Minute {event.minute:g} is before the last pump event (minute {replay.minute:g}); "
            "events are recorded in order."
        )
    _check_rate(event)
    if event.kind == PumpEventKind.RATE_CHANGE and event.rate_ml_per_h == replay.rate:
        raise NotApplicable(
            f"The pump already runs at {replay.rate} mL/h; a rate change needs a new rate."
        )
    rate = replay.rate if event.rate_ml_per_h is None else event.rate_ml_per_h
    return _Replay(state=_AFTER[event.kind], minute=event.minute, rate=rate)


def _replay(events: Sequence[PumpEvent]) -> _Replay:
    replay = _Replay()
    for event in events:
        replay = _advance(replay, event)
    return replay


def infusion_state(events: Sequence[PumpEvent]) -> InfusionState:
    """Where the infusion stands after `events` (which are checked)."""
    return _replay(events).state


def check_next_event(events: Sequence[PumpEvent], event: PumpEvent) -> None:
    """Refuse `event` (NotApplicable, with a nurse-readable reason) if it cannot follow `events`.

    The first event is a START at minute 0; nothing follows a STOP; PAUSE and RATE_CHANGE only
    while running, STOP while running or paused, RESUME only while paused; minutes never go
    backwards; rates are above 0 and at most MAX_PUMP_RATE_ML_PER_H; a rate change must change
    the rate.
    """
    _advance(_replay(events), event)


def pump_segments(events: Sequence[PumpEvent]) -> tuple[PumpSegment, ...]:
    """The running stretches of the pump, each at one rate; the last may still be open."""
    replay = _Replay()
    segments: list[PumpSegment] = []
    for event in events:
        replay_before = replay
        replay = _advance(replay, event)
        if replay_before.state == InfusionState.RUNNING:
            last = segments[-1]
            segments[-1] = PumpSegment(last.start_min, event.minute, last.rate_ml_per_h)
        if replay.state == InfusionState.RUNNING:
            assert replay.rate is not None  # every way into RUNNING carries or keeps a rate
            segments.append(PumpSegment(event.minute, None, replay.rate))
    return tuple(segments)


def _closed_segments(
    events: Sequence[PumpEvent], at_minute: float | None
) -> tuple[tuple[float, float, Decimal], ...]:
    """(start, end, rate) with an open segment run to `at_minute`."""
    segments = pump_segments(events)
    if at_minute is not None:
        if not math.isfinite(at_minute):
            raise NotApplicable(f"Minute {at_minute} is not a time.")
        last_minute = events[-1].minute if events else 0.0
        if at_minute < last_minute:
            raise NotApplicable(
                f"Minute {at_minute:g} is before the last pump event (minute {last_minute:g})."
            )
    closed: list[tuple[float, float, Decimal]] = []
    for segment in segments:
        end = segment.end_min
        if end is None:
            if at_minute is None:
                raise NotApplicable(
                    "The infusion is still running: give the minute to count the volume to."
                )
            end = at_minute
        closed.append((segment.start_min, end, segment.rate_ml_per_h))
    return tuple(closed)


def _minutes(value: float) -> Decimal:
    return Decimal(repr(value))


def delivered_volume_ml(events: Sequence[PumpEvent], *, at_minute: float | None = None) -> Decimal:
    """mL run so far: the sum of rate × running time (CLINICAL.md §2.5, rate = volume / time).

    An open segment runs to `at_minute`; without it a running infusion is refused, as is a
    minute before the last event.
    """
    return sum(
        (
            rate * (_minutes(end) - _minutes(start)) / 60
            for start, end, rate in _closed_segments(events, at_minute)
        ),
        Decimal(0),
    )


def _check_concentration(concentration_mg_per_ml: Decimal) -> None:
    if not (concentration_mg_per_ml.is_finite() and concentration_mg_per_ml > 0):
        raise NotApplicable(
            f"Concentration {concentration_mg_per_ml} mg/mL is not possible; check the bag label."
        )


def delivered_mg(
    events: Sequence[PumpEvent],
    *,
    concentration_mg_per_ml: Decimal,
    at_minute: float | None = None,
) -> Decimal:
    """mg delivered so far (volume × final concentration, §2.5), to 0.01 mg, half up."""
    _check_concentration(concentration_mg_per_ml)
    volume = delivered_volume_ml(events, at_minute=at_minute)
    return (volume * concentration_mg_per_ml).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# [PRACTICE] design default: a stop that leaves more than 1 % of the planned dose in the bag or
# syringe is an early stop, charted with its reason (the AE record, CLINICAL.md §6.5; a stop for a
# critical alarm, §5.3). 1 % is well above the pump-rate rounding (0.1 mL/h of ~150 mL/h, §2.5).
EARLY_STOP_TOLERANCE = Decimal("0.01")


def is_early_stop(*, delivered_mg: Decimal, planned_mg: Decimal) -> bool:
    """True when less than the planned dose, less the tolerance, was delivered at the stop."""
    if not (planned_mg.is_finite() and planned_mg > 0):
        raise NotApplicable(f"A planned dose of {planned_mg} mg is not possible.")
    return delivered_mg < planned_mg * (1 - EARLY_STOP_TOLERANCE)


def pk_infusions(
    events: Sequence[PumpEvent], *, concentration_mg_per_ml: Decimal, until_minute: float
) -> tuple[Infusion, ...]:
    """The schedule for `predict_concentrations` (§3.2): each running stretch as an Infusion at
    rate_ml_per_h × concentration / 60 mg/min, an open one ending at `until_minute`; zero-length
    stretches are dropped."""
    _check_concentration(concentration_mg_per_ml)
    return tuple(
        Infusion(
            start_min=start,
            end_min=end,
            rate_mg_per_min=float(rate * concentration_mg_per_ml / 60),
        )
        for start, end, rate in _closed_segments(events, until_minute)
        if end > start
    )


def infusion_minutes(events: Sequence[PumpEvent], *, at_minute: float | None = None) -> float:
    """Running time in minutes, pauses excluded; an open segment runs to `at_minute`."""
    return sum((end - start for start, end, _ in _closed_segments(events, at_minute)), 0.0)


# ---------------------------------------------------------------------------------------------
# Monitoring schedule (CLINICAL.md §5.1; esketamine §10.3)
# ---------------------------------------------------------------------------------------------


class SessionPhase(StrEnum):
    PRE_INFUSION = "pre_infusion"
    INFUSING = "infusing"
    RECOVERY = "recovery"


@dataclass(frozen=True)
class MonitoringRules:
    early_interval_min: int = 5  # NIBP every 5 min for the first 15 min (§5.1)
    early_period_min: int = 15  # §5.1
    infusion_interval_min: int = 10  # then every 10 min to the end of the infusion (§5.1)
    recovery_interval_min: int = 15  # every 15 min in recovery (§5.1)
    esketamine_bp_check_min: int = 40  # re-check BP ~40 min after dosing (§10.3)
    # [PRACTICE] design default, configurable: an unacknowledged warning escalates to the
    # physician after this many minutes.
    warning_acknowledge_min: int = 5
    critical_acknowledge_min: int = 2  # [PRACTICE] design default, configurable

    def __post_init__(self) -> None:
        intervals = (
            self.early_interval_min,
            self.infusion_interval_min,
            self.recovery_interval_min,
        )
        if any(interval < 1 for interval in intervals):
            raise InvalidConfiguration("Monitoring intervals must be at least 1 minute.")
        # §5.1: the studies measured BP every 10 min during and every 15 min after the infusion;
        # ASA every 5 min. A clinic may monitor more often, not less.
        if (
            self.early_interval_min > 5
            or self.infusion_interval_min > 15
            or self.recovery_interval_min > 30
        ):
            raise InvalidConfiguration(
                "Monitoring cannot be less often than every 5 minutes early, 15 during the "
                "infusion and 30 in recovery (CLINICAL.md §5.1)."
            )
        # [PRACTICE] design default, configurable: the early period is at least §5.1's 15 min.
        if not 15 <= self.early_period_min <= 60:
            raise InvalidConfiguration("The early monitoring period must be 15–60 minutes.")
        if not 30 <= self.esketamine_bp_check_min <= 50:
            raise InvalidConfiguration(
                "The esketamine BP check must be 30–50 minutes after dosing (CLINICAL.md §10.3)."
            )
        if not (1 <= self.critical_acknowledge_min <= self.warning_acknowledge_min <= 15):
            raise InvalidConfiguration(
                "Alarm acknowledgement windows must be 1–15 minutes, critical no longer than "
                "warning."
            )


def vitals_due_minute(
    *,
    route: Route,
    phase: SessionPhase,
    last_reading_minute: float | None,
    infusion_stopped_minute: float | None,
    rules: MonitoringRules = MonitoringRules(),
) -> float | None:
    """The minute the next vital-signs reading is due, on the clock where the infusion start (or
    the first esketamine device) is 0; a minute at or before now means "due now".

    - PRE_INFUSION: 0.0 (due now) until a baseline exists, then None (nothing is due).
    - INFUSING, IV (§5.1): the last reading + `early_interval_min` while that reading was in the
      first `early_period_min`, else + `infusion_interval_min`. No reading since the start
      (none, or only a baseline before minute 0): due at 0.
    - INFUSING, esketamine (§10.3): the last reading + `recovery_interval_min`, but no later than
      `esketamine_bp_check_min` while that check is still ahead. No reading since the first
      device: due at 0.
    - RECOVERY (§5.1): the later of the last reading and the stop, + `recovery_interval_min`.
    """
    for value in (last_reading_minute, infusion_stopped_minute):
        if value is not None and not math.isfinite(value):
            raise NotApplicable(f"Minute {value} is not a time.")
    if phase == SessionPhase.PRE_INFUSION:
        return 0.0 if last_reading_minute is None else None
    if phase == SessionPhase.RECOVERY:
        anchors = [m for m in (last_reading_minute, infusion_stopped_minute) if m is not None]
        if not anchors:
            raise NotApplicable("Recovery needs the minute the infusion stopped or a reading.")
        return max(anchors) + rules.recovery_interval_min
    if last_reading_minute is None or last_reading_minute < 0:
        return 0.0
    if route == Route.INTRANASAL:
        due = last_reading_minute + rules.recovery_interval_min
        if last_reading_minute < rules.esketamine_bp_check_min:
            due = min(due, float(rules.esketamine_bp_check_min))
        return due
    if last_reading_minute < rules.early_period_min:
        return last_reading_minute + rules.early_interval_min
    return last_reading_minute + rules.infusion_interval_min


def acknowledge_within_min(level: int, rules: MonitoringRules = MonitoringRules()) -> int:
    """Minutes a nurse has to acknowledge an alarm before it escalates to the physician."""
    if level == AlarmLevel.CRITICAL:
        return rules.critical_acknowledge_min
    if level == AlarmLevel.WARNING:
        return rules.warning_acknowledge_min
    raise NotApplicable("Only a warning or a critical alarm needs acknowledging.")


# ---------------------------------------------------------------------------------------------
# Pre-infusion checklist (CLINICAL.md §4)
# ---------------------------------------------------------------------------------------------


class ChecklistItem(StrEnum):
    IDENTITY = "identity"
    CONSENT = "consent"
    REMS_ENROLMENT = "rems_enrolment"
    QUESTIONNAIRES = "questionnaires"
    SUICIDE_RISK = "suicide_risk"
    FASTING = "fasting"
    MEDICATION_HOLDS = "medication_holds"
    NO_SUBSTANCES = "no_substances"
    PREGNANCY_TEST = "pregnancy_test"
    ESCORT = "escort"
    WEIGHT = "weight"
    BASELINE_VITALS = "baseline_vitals"
    EQUIPMENT = "equipment"


class ItemStatus(StrEnum):
    PENDING = "pending"
    PASS = "pass"  # noqa: S105 - a checklist status, not a password
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"


@dataclass(frozen=True)
class ChecklistItemSpec:
    item: ChecklistItem
    label: str
    detail: str
    source: str


# A physician may not override these (§4 hard stops: consent, REMS enrolment, the escort; and
# the patient's identity; and a positive suicide-risk answer, which is handled by the
# physician's urgent review (§9.3), not waved through). Pending items are never overridable
# either: they must be answered.
NON_OVERRIDABLE: frozenset[ChecklistItem] = frozenset(
    {
        ChecklistItem.IDENTITY,
        ChecklistItem.CONSENT,
        ChecklistItem.REMS_ENROLMENT,
        ChecklistItem.ESCORT,
        ChecklistItem.SUICIDE_RISK,
    }
)


def _fasting_detail(route: Route) -> str:
    if route == Route.INTRANASAL:
        rule = ESKETAMINE_FASTING
        return (
            f"No food for {rule.no_food_minutes // 60} hours and no liquids for "
            f"{rule.no_liquids_minutes} minutes before dosing (SPRAVATO PI)."
        )
    rule = IV_FASTING
    return (
        f"Nil per os: no fatty meal for {rule.no_fatty_meal_minutes // 60} hours, no light meal "
        f"for {rule.no_food_minutes // 60} hours, clear liquids only until "
        f"{rule.no_liquids_minutes // 60} hours before (Ketalar PI; ASA 2017)."
    )


def checklist_items(*, route: Route, pregnancy_test_applies: bool) -> tuple[ChecklistItemSpec, ...]:
    """Every item the nurse confirms before the start, in order (CLINICAL.md §4).

    REMS enrolment is listed for esketamine only. The pregnancy test is always listed; it may be
    marked not applicable only when `pregnancy_test_applies` is False.
    """
    esketamine = route == Route.INTRANASAL
    items = [
        ChecklistItemSpec(
            ChecklistItem.IDENTITY,
            "Identity confirmed: name and date of birth match the wristband or ID",
            "Two identifiers before any treatment.",
            "[PRACTICE] patient identification",
        ),
        ChecklistItemSpec(
            ChecklistItem.CONSENT,
            "Consent on file, current and covering this treatment",
            "Covers off-label use; re-consent after a dose or protocol change or the clinic's "
            "interval.",
            "CLINICAL.md §4 (ASKP3)",
        ),
    ]
    if esketamine:
        items.append(
            ChecklistItemSpec(
                ChecklistItem.REMS_ENROLMENT,
                "Patient enrolled in the SPRAVATO REMS",
                "Enrolment must exist before the first dose; hard stop.",
                "CLINICAL.md §4, §10.2",
            )
        )
    items += [
        ChecklistItemSpec(
            ChecklistItem.QUESTIONNAIRES,
            "Scales completed before the dose (PHQ-9, GAD-7 or the disorder's scale)",
            "Also ask about new medicines, adverse effects, bladder symptoms and BP readings "
            "since the last visit.",
            "CLINICAL.md §4",
        ),
        ChecklistItemSpec(
            ChecklistItem.SUICIDE_RISK,
            "Suicide-risk screen done (C-SSRS screener; PHQ-9 item 9)",
            "A positive PHQ-9 item 9 starts the safety workflow.",
            "CLINICAL.md §4, §9.3",
        ),
        ChecklistItemSpec(
            ChecklistItem.FASTING,
            "Fasting confirmed",
            _fasting_detail(route),
            "CLINICAL.md §4",
        ),
        ChecklistItemSpec(
            ChecklistItem.MEDICATION_HOLDS,
            "Medication holds done (benzodiazepines, lamotrigine, stimulants)",
            "As instructed before the visit.",
            "CLINICAL.md §4, §1.3",
        ),
        ChecklistItemSpec(
            ChecklistItem.NO_SUBSTANCES,
            "No alcohol or recreational drugs today",
            "Self-report; breathalyzer or urine drug screen if indicated.",
            "CLINICAL.md §4",
        ),
        ChecklistItemSpec(
            ChecklistItem.PREGNANCY_TEST,
            "Pregnancy test negative (urine hCG)",
            "For patients of childbearing potential, at intake and per the clinic's interval."
            if pregnancy_test_applies
            else "Not of childbearing potential: may be marked not applicable.",
            "CLINICAL.md §4",
        ),
        ChecklistItemSpec(
            ChecklistItem.ESCORT,
            "Escort recorded: name and phone of the responsible adult taking the patient home",
            "Recorded before dosing.",
            "CLINICAL.md §4 (Ketalar PI; SPRAVATO PI)",
        ),
        ChecklistItemSpec(
            ChecklistItem.WEIGHT,
            "Weight measured today",
            "The fixed esketamine dose does not depend on it; recorded for the chart."
            if esketamine
            else "The dose is calculated on today's dosing weight.",
            "CLINICAL.md §2.3, §2.8" if esketamine else "CLINICAL.md §2.3",
        ),
        ChecklistItemSpec(
            ChecklistItem.BASELINE_VITALS,
            "Baseline vital signs: BP, heart rate, SpO2, respiratory rate",
            "BP < 140/90 proceed; 140–159/90–99 prescriber review; ≥ 160/100 hold and re-check.",
            "CLINICAL.md §4",
        ),
        ChecklistItemSpec(
            ChecklistItem.EQUIPMENT,
            "Equipment and staff ready",
            "Pulse oximeter and pump checked, emergency cart, oxygen, suction, AED; an "
            "ACLS-certified clinician present"
            + ("; prescriber on site (REMS)." if esketamine else "; IV access."),
            "CLINICAL.md §4, §10.1" if esketamine else "CLINICAL.md §4",
        ),
    ]
    return tuple(items)


@dataclass(frozen=True)
class ChecklistOutcome:
    can_start: bool
    blocking: tuple[str, ...]  # one message per item that stops the start, naming the item
    needs_physician: bool  # every blocker is one a physician may override


def checklist_outcome(
    *,
    statuses: Mapping[ChecklistItem, ItemStatus],
    route: Route,
    pregnancy_test_applies: bool,
    vitals_decision: PreInfusionDecision | None,
) -> ChecklistOutcome:
    """May the infusion start? Only when every listed item passed (or is not applicable where it
    may be) and the baseline vitals decision is GO.

    Blockers: a pending (or missing) item, "not applicable" on an item that cannot be, a failed
    item, no vitals decision, REVIEW and HOLD. `needs_physician` is True when every blocker is one
    a physician may override: a failed item outside NON_OVERRIDABLE, or a REVIEW decision. Pending
    items, a wrong "not applicable", missing vitals and a HOLD (re-measure after 5–10 minutes'
    rest, §4) must be resolved instead.
    """
    blocking: list[str] = []
    overridable = True
    for spec in checklist_items(route=route, pregnancy_test_applies=pregnancy_test_applies):
        status = statuses.get(spec.item, ItemStatus.PENDING)
        if status == ItemStatus.PASS:
            continue
        if status == ItemStatus.NOT_APPLICABLE:
            if spec.item == ChecklistItem.PREGNANCY_TEST and not pregnancy_test_applies:
                continue
            blocking.append(f"{spec.label}: cannot be marked not applicable.")
            overridable = False
        elif status == ItemStatus.PENDING:
            blocking.append(f"{spec.label}: not done.")
            overridable = False
        else:
            blocking.append(f"{spec.label}: failed.")
            overridable = overridable and spec.item not in NON_OVERRIDABLE
    if vitals_decision is None:
        blocking.append("Baseline vitals: no baseline vitals decision recorded.")
        overridable = False
    elif vitals_decision == PreInfusionDecision.REVIEW:
        blocking.append("Baseline vitals: physician review needed before starting.")
    elif vitals_decision == PreInfusionDecision.HOLD:
        blocking.append("Baseline vitals: hold; rest 5–10 minutes and re-measure.")
        overridable = False
    return ChecklistOutcome(
        can_start=not blocking,
        blocking=tuple(blocking),
        needs_physician=bool(blocking) and overridable,
    )


# ---------------------------------------------------------------------------------------------
# Discharge instructions (CLINICAL.md §7.2)
# ---------------------------------------------------------------------------------------------

_AFTER_EVERY_TREATMENT = (
    # §7.2 [PRACTICE]
    "No alcohol or recreational drugs, and no important decisions, for 24 hours.",
    # §7.1, §4: release only to a responsible adult.
    "Go home with the responsible adult who came to collect you.",
    "Questions or problems: call the clinic's number on your discharge sheet. Call 911 for an "
    "emergency, or 988 for a mental-health crisis.",
)


def discharge_instructions(route: Route) -> tuple[str, ...]:
    """What the patient is told on leaving (CLINICAL.md §7.2)."""
    if route == Route.INTRANASAL:
        # §7.2 [FIRM] SPRAVATO PI.
        driving = "Do not drive or operate machinery until the next day, after a restful sleep."
    else:
        # §7.2 [FIRM-secondary]: 24 hours.
        driving = "Do not drive, operate machinery or do anything hazardous for 24 hours."
    return (driving, *_AFTER_EVERY_TREATMENT)


# ---------------------------------------------------------------------------------------------
# Esketamine devices (CLINICAL.md §2.8)
# ---------------------------------------------------------------------------------------------

ESKETAMINE_MINUTES_BETWEEN_DEVICES = 5  # §2.8 [FIRM] SPRAVATO PI: 5 min between devices
_MAX_DEVICES = 3  # §2.8: 84 mg = 3 devices of 28 mg


def check_device_timing(
    *, previous_minutes: Sequence[float], minute: float, devices_ordered: int
) -> None:
    """Refuse a device given beyond the order, too soon after the previous one, or before it."""
    if not 1 <= devices_ordered <= _MAX_DEVICES:
        raise NotApplicable(
            f"An order is 1 to {_MAX_DEVICES} devices of 28 mg, not {devices_ordered}."
        )
    if not math.isfinite(minute) or minute < 0:
        raise NotApplicable(f"Minute {minute} is not a time on the session clock.")
    if len(previous_minutes) >= devices_ordered:
        raise NotApplicable(
            f"All {devices_ordered} ordered devices have been given; no more may be used."
        )
    if previous_minutes:
        previous = max(previous_minutes)
        if minute < previous:
            raise NotApplicable(
                f"Minute {minute:g} is before the previous device (minute {previous:g})."
            )
        if minute - previous < ESKETAMINE_MINUTES_BETWEEN_DEVICES:
            raise NotApplicable(
                f"Wait {ESKETAMINE_MINUTES_BETWEEN_DEVICES} minutes between devices: the next "
                f"is due at minute {previous + ESKETAMINE_MINUTES_BETWEEN_DEVICES:g}."
            )


# ---------------------------------------------------------------------------------------------
# Side effects and PRN drugs (CLINICAL.md §6.5, §5.4)
# ---------------------------------------------------------------------------------------------


class SideEffectKind(StrEnum):
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    DIZZINESS = "dizziness"
    SEDATION = "sedation"
    DISSOCIATION = "dissociation"
    ANXIETY = "anxiety"
    HEADACHE = "headache"
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    DESATURATION = "desaturation"
    HYPERSALIVATION = "hypersalivation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SIDE_EFFECT_LABELS[self]


_SIDE_EFFECT_LABELS = {
    SideEffectKind.NAUSEA: "Nausea",
    SideEffectKind.VOMITING: "Vomiting",
    SideEffectKind.DIZZINESS: "Dizziness",
    SideEffectKind.SEDATION: "Drowsiness or sedation",
    SideEffectKind.DISSOCIATION: "Dissociation or hallucinations",
    SideEffectKind.ANXIETY: "Anxiety or emergence reaction",
    SideEffectKind.HEADACHE: "Headache",
    SideEffectKind.HYPERTENSION: "Elevated blood pressure",
    SideEffectKind.TACHYCARDIA: "Tachycardia",
    SideEffectKind.DESATURATION: "Low oxygen saturation",
    SideEffectKind.HYPERSALIVATION: "Hypersalivation",
    SideEffectKind.OTHER: "Other",
}


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class SideEffectAction(StrEnum):
    NONE = "none"
    SLOW = "slow"
    PAUSE = "pause"
    STOP = "stop"
    PRN = "prn"


@dataclass(frozen=True)
class PrnSuggestion:
    """A PRN offered for a side effect: the drug's usual lowest dose from `medications`' table
    (one source for §5.4's doses), by `route`, for `for_kinds`."""

    drug: str
    route: MedicationRoute
    for_kinds: frozenset[SideEffectKind]
    source: str

    @property
    def medication(self) -> Medication:
        medication = medication_get(self.drug)
        assert medication is not None, self.drug  # every suggestion is in the table
        return medication

    @property
    def dose(self) -> Decimal:
        return self.medication.usual_low_mg

    @property
    def unit(self) -> str:
        return MedicationUnit.MG.value  # the table is in mg


# §5.4 [PRACTICE/RECALL]: institution-specific; the lowest dose of each published range.
PRN_SUGGESTIONS: tuple[PrnSuggestion, ...] = (
    PrnSuggestion(
        "ondansetron",
        MedicationRoute.IV,
        frozenset({SideEffectKind.NAUSEA, SideEffectKind.VOMITING}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "clonidine",
        MedicationRoute.PO,
        frozenset({SideEffectKind.HYPERTENSION}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "labetalol",
        MedicationRoute.IV,
        frozenset({SideEffectKind.HYPERTENSION, SideEffectKind.TACHYCARDIA}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "midazolam",
        MedicationRoute.IV,
        frozenset({SideEffectKind.ANXIETY}),
        "CLINICAL.md §5.4 (Ketalar PI: benzodiazepines reduce emergence reactions)",
    ),
    PrnSuggestion(
        "glycopyrrolate",
        MedicationRoute.IV,
        frozenset({SideEffectKind.HYPERSALIVATION}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "metoprolol tartrate",
        MedicationRoute.PO,
        frozenset({SideEffectKind.TACHYCARDIA}),
        "CLINICAL.md §5.4",
    ),
)


def prn_suggestions_for(kind: SideEffectKind) -> tuple[PrnSuggestion, ...]:
    """The PRN drugs §5.4 lists for a side effect, in the table's order (may be none)."""
    return tuple(suggestion for suggestion in PRN_SUGGESTIONS if kind in suggestion.for_kinds)
