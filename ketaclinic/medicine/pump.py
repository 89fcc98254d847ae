"""The pump record of one infusion session (CLINICAL.md §2.5).

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

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.pharmacokinetics import Infusion


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
