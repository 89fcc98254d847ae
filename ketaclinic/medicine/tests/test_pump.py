"""The pump record: volume and milligrams delivered, running time, the events that may follow
(CLINICAL.md §2.5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.pharmacokinetics import Infusion
from ketaclinic.medicine.pump import (
    MAX_PUMP_RATE_ML_PER_H,
    InfusionState,
    PumpEvent,
    PumpEventKind,
    PumpSegment,
    check_next_event,
    delivered_mg,
    delivered_volume_ml,
    infusion_minutes,
    infusion_state,
    pk_infusions,
    pump_segments,
)

K = PumpEventKind
START_150 = PumpEvent(K.START, 0, Decimal("150"))
# 0.5 mg/kg × 70 kg = 35 mg in 100 mL = 0.35 mg/mL; 100 mL over 40 min = 150 mL/h (§2.1, §2.5).
CONC = Decimal("0.35")


def test_worked_example_35_mg_over_40_minutes() -> None:
    events = [START_150, PumpEvent(K.STOP, 40)]
    assert delivered_volume_ml(events) == Decimal("100")
    assert delivered_mg(events, concentration_mg_per_ml=CONC) == Decimal("35.00")
    assert infusion_minutes(events) == 40
    assert infusion_state(events) == InfusionState.STOPPED
    assert pump_segments(events) == (PumpSegment(0, 40, Decimal("150")),)


def test_a_five_minute_pause_delays_the_end_but_not_the_dose() -> None:
    events = [
        START_150,
        PumpEvent(K.PAUSE, 20),
        PumpEvent(K.RESUME, 25),
        PumpEvent(K.STOP, 45),
    ]
    assert delivered_mg(events, concentration_mg_per_ml=CONC) == Decimal("35.00")
    assert infusion_minutes(events) == 40
    assert pump_segments(events) == (
        PumpSegment(0, 20, Decimal("150")),
        PumpSegment(25, 45, Decimal("150")),
    )


def test_running_infusion_counts_to_the_given_minute() -> None:
    events = [START_150, PumpEvent(K.RATE_CHANGE, 10, Decimal("75"))]
    assert infusion_state(events) == InfusionState.RUNNING
    assert pump_segments(events)[-1] == PumpSegment(10, None, Decimal("75"))
    # 150 mL/h × 10 min = 25 mL; 75 mL/h × 10 min = 12.5 mL.
    assert delivered_volume_ml(events, at_minute=20) == Decimal("37.5")
    assert delivered_mg(events, concentration_mg_per_ml=CONC, at_minute=20) == Decimal("13.13")
    assert infusion_minutes(events, at_minute=20) == 20
    with pytest.raises(NotApplicable, match="still running"):
        delivered_volume_ml(events)
    with pytest.raises(NotApplicable, match="before the last pump event"):
        delivered_volume_ml(events, at_minute=5)
    with pytest.raises(NotApplicable, match="not a time"):
        delivered_volume_ml(events, at_minute=float("nan"))


def test_resume_at_a_new_rate_and_paused_state() -> None:
    paused = [START_150, PumpEvent(K.PAUSE, 10)]
    assert infusion_state(paused) == InfusionState.PAUSED
    assert delivered_volume_ml(paused) == Decimal("25")
    resumed = [*paused, PumpEvent(K.RESUME, 12, Decimal("100"))]
    assert pump_segments(resumed)[-1] == PumpSegment(12, None, Decimal("100"))


def test_nothing_recorded_delivers_nothing() -> None:
    assert infusion_state([]) == InfusionState.NOT_STARTED
    assert pump_segments([]) == ()
    assert delivered_volume_ml([]) == 0
    assert delivered_volume_ml([], at_minute=10) == 0
    assert infusion_minutes([]) == 0


def test_pk_infusions_in_mg_per_minute_dropping_zero_length_segments() -> None:
    events = [
        START_150,
        PumpEvent(K.RATE_CHANGE, 0, Decimal("120")),
        PumpEvent(K.PAUSE, 20),
        PumpEvent(K.RESUME, 25),
    ]
    infusions = pk_infusions(events, concentration_mg_per_ml=CONC, until_minute=30)
    # 120 mL/h × 0.35 mg/mL / 60 = 0.7 mg/min.
    assert infusions == (Infusion(0, 20, 0.7), Infusion(25, 30, 0.7))
    with pytest.raises(NotApplicable, match="Concentration 0"):
        pk_infusions(events, concentration_mg_per_ml=Decimal(0), until_minute=30)
    with pytest.raises(NotApplicable, match="Concentration"):
        delivered_mg(events, concentration_mg_per_ml=Decimal("NaN"), at_minute=30)


@pytest.mark.parametrize(
    ("events", "event", "phrase"),
    [
        ([], PumpEvent(K.PAUSE, 0), "first event must be a start"),
        ([], PumpEvent(K.START, 3, Decimal("150")), "minute 0"),
        ([START_150], PumpEvent(K.START, 0, Decimal("150")), "is running"),
        ([START_150, PumpEvent(K.STOP, 40)], PumpEvent(K.RESUME, 41), "has been stopped"),
        ([START_150], PumpEvent(K.RESUME, 5), "a resume cannot"),
        ([START_150, PumpEvent(K.PAUSE, 5)], PumpEvent(K.PAUSE, 6), "is paused"),
        (
            [START_150, PumpEvent(K.PAUSE, 5)],
            PumpEvent(K.RATE_CHANGE, 6, Decimal("100")),
            "a rate change cannot",
        ),
        ([START_150, PumpEvent(K.PAUSE, 5)], PumpEvent(K.STOP, 4), "before the last pump event"),
        ([START_150], PumpEvent(K.PAUSE, float("inf")), "not a time"),
        ([], PumpEvent(K.START, 0), "needs the rate"),
        ([START_150], PumpEvent(K.RATE_CHANGE, 5), "rate change needs the rate"),
        ([START_150], PumpEvent(K.PAUSE, 5, Decimal("150")), "has no rate"),
        ([START_150], PumpEvent(K.STOP, 5, Decimal("0")), "has no rate"),
        ([], PumpEvent(K.START, 0, Decimal("0")), "must be above 0"),
        ([], PumpEvent(K.START, 0, Decimal("-5")), "not possible"),
        ([], PumpEvent(K.START, 0, Decimal("1000")), "at most 999"),
        ([], PumpEvent(K.START, 0, Decimal("Infinity")), "not possible"),
        (
            [START_150, PumpEvent(K.PAUSE, 5)],
            PumpEvent(K.RESUME, 6, Decimal("1500")),
            "at most 999",
        ),
        ([START_150], PumpEvent(K.RATE_CHANGE, 5, Decimal("150.0")), "already runs at"),
    ],
)
def test_every_impossible_event_is_refused(
    events: list[PumpEvent], event: PumpEvent, phrase: str
) -> None:
    with pytest.raises(NotApplicable, match=phrase):
        check_next_event(events, event)
    with pytest.raises(NotApplicable, match=phrase):
        pump_segments([*events, event])


def test_stop_is_allowed_while_paused_and_the_maximum_rate_is_accepted() -> None:
    check_next_event([START_150, PumpEvent(K.PAUSE, 5)], PumpEvent(K.STOP, 5))
    check_next_event([], PumpEvent(K.START, 0, MAX_PUMP_RATE_ML_PER_H))


@st.composite
def pump_records(draw: st.DrawFn) -> list[PumpEvent]:
    rates = st.integers(min_value=1, max_value=999).map(Decimal)
    events = [PumpEvent(K.START, 0.0, draw(rates))]
    minute = 0.0
    running = True
    rate = events[0].rate_ml_per_h
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        minute += draw(st.integers(min_value=0, max_value=30))
        if running:
            kind = draw(st.sampled_from([K.PAUSE, K.RATE_CHANGE]))
            if kind == K.RATE_CHANGE:
                new = draw(rates.filter(lambda r, current=rate: r != current))
                events.append(PumpEvent(K.RATE_CHANGE, minute, new))
                rate = new
            else:
                events.append(PumpEvent(K.PAUSE, minute))
                running = False
        else:
            new_rate = draw(st.one_of(st.none(), rates))
            events.append(PumpEvent(K.RESUME, minute, new_rate))
            rate = rate if new_rate is None else new_rate
            running = True
    if draw(st.booleans()):
        events.append(PumpEvent(K.STOP, minute + draw(st.integers(min_value=0, max_value=30))))
    return events


@given(pump_records(), st.integers(min_value=0, max_value=60))
def test_volume_is_the_sum_of_rate_times_running_time(events: list[PumpEvent], extra: int) -> None:
    at = events[-1].minute + extra
    segments = pump_segments(events)
    expected = sum(
        (
            s.rate_ml_per_h
            * Decimal(repr((at if s.end_min is None else s.end_min) - s.start_min))
            / 60
            for s in segments
        ),
        Decimal(0),
    )
    volume = delivered_volume_ml(events, at_minute=at)
    assert volume == expected
    assert volume >= 0
    assert delivered_volume_ml(events, at_minute=at + 5) >= volume
    running = sum((at if s.end_min is None else s.end_min) - s.start_min for s in segments)
    assert infusion_minutes(events, at_minute=at) == pytest.approx(running)
    assert infusion_minutes(events, at_minute=at) <= at


@given(pump_records(), st.integers(min_value=0, max_value=60))
def test_pk_infusions_deliver_what_the_pump_delivered(events: list[PumpEvent], extra: int) -> None:
    until = events[-1].minute + extra
    infusions = pk_infusions(events, concentration_mg_per_ml=CONC, until_minute=until)
    total = sum((i.end_min - i.start_min) * i.rate_mg_per_min for i in infusions)
    mg = delivered_mg(events, concentration_mg_per_ml=CONC, at_minute=until)
    assert float(mg) == pytest.approx(total, abs=0.006)
    assert all(i.end_min > i.start_min for i in infusions)
