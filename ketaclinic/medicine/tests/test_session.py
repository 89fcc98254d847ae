"""One session: the pump record, monitoring schedule, checklist, devices, side effects and
discharge instructions (CLINICAL.md §2.5, §2.8, §4, §5.1, §5.4, §6.5, §7.2, §10.3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.pharmacokinetics import Infusion
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.session import (
    ESKETAMINE_MINUTES_BETWEEN_DEVICES,
    MAX_PUMP_RATE_ML_PER_H,
    NON_OVERRIDABLE,
    PRN_SUGGESTIONS,
    ChecklistItem,
    ChecklistOutcome,
    InfusionState,
    ItemStatus,
    MonitoringRules,
    PumpEvent,
    PumpEventKind,
    PumpSegment,
    SessionPhase,
    Severity,
    SideEffectAction,
    SideEffectKind,
    acknowledge_within_min,
    check_device_timing,
    check_next_event,
    checklist_items,
    checklist_outcome,
    delivered_mg,
    delivered_volume_ml,
    discharge_instructions,
    infusion_minutes,
    infusion_state,
    pk_infusions,
    prn_suggestions_for,
    pump_segments,
    vitals_due_minute,
)
from ketaclinic.medicine.vital_signs import AlarmLevel, PreInfusionDecision

K = PumpEventKind
START_150 = PumpEvent(K.START, 0, Decimal("150"))
# 0.5 mg/kg × 70 kg = 35 mg in 100 mL = 0.35 mg/mL; 100 mL over 40 min = 150 mL/h (§2.1, §2.5).
CONC = Decimal("0.35")


# --- the pump record ------------------------------------------------------------------------


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


# --- monitoring schedule --------------------------------------------------------------------


def iv_due(last: float | None, **kwargs: object) -> float | None:
    arguments: dict[str, object] = {
        "route": Route.INTRAVENOUS,
        "phase": SessionPhase.INFUSING,
        "last_reading_minute": last,
        "infusion_stopped_minute": None,
        **kwargs,
    }
    return vitals_due_minute(**arguments)


def test_iv_schedule_every_5_then_every_10() -> None:
    # §5.1: NIBP every 5 min for the first 15 min, then every 10 min.
    assert iv_due(None) == 0
    assert iv_due(-10) == 0  # a baseline before the start does not count
    assert iv_due(0) == 5
    assert iv_due(10) == 15
    assert iv_due(15) == 25
    assert iv_due(35) == 45


def test_pre_infusion_and_recovery() -> None:
    assert iv_due(None, phase=SessionPhase.PRE_INFUSION) == 0
    assert iv_due(-5, phase=SessionPhase.PRE_INFUSION) is None
    # §5.1: every 15 min in recovery, from the later of the last reading and the stop.
    assert iv_due(45, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 60
    assert iv_due(35, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 55
    assert iv_due(None, phase=SessionPhase.RECOVERY, infusion_stopped_minute=40) == 55
    with pytest.raises(NotApplicable, match="Recovery needs"):
        iv_due(None, phase=SessionPhase.RECOVERY)
    with pytest.raises(NotApplicable, match="not a time"):
        iv_due(float("nan"))
    custom = MonitoringRules(recovery_interval_min=10)
    assert iv_due(45, phase=SessionPhase.RECOVERY, rules=custom) == 55


def test_esketamine_schedule_catches_the_40_minute_bp_check() -> None:
    # §10.3: BP ~40 min after dosing; otherwise every 15 min (§5.1 recovery interval).
    def due(last: float | None) -> float | None:
        return iv_due(last, route=Route.INTRANASAL)

    assert due(None) == 0
    assert due(0) == 15
    assert due(30) == 40
    assert due(40) == 55
    assert due(100) == 115


@given(
    route=st.sampled_from(Route),
    phase=st.sampled_from([SessionPhase.INFUSING, SessionPhase.RECOVERY]),
    last=st.floats(min_value=0, max_value=400, allow_nan=False),
    before=st.floats(min_value=0, max_value=400, allow_nan=False),
)
def test_the_next_reading_is_due_after_the_last_and_within_the_longest_interval(
    route: Route, phase: SessionPhase, last: float, before: float
) -> None:
    rules = MonitoringRules()
    due = vitals_due_minute(
        route=route,
        phase=phase,
        last_reading_minute=last,
        infusion_stopped_minute=min(last, before),
        rules=rules,
    )
    assert due is not None
    longest = max(
        rules.early_interval_min, rules.infusion_interval_min, rules.recovery_interval_min
    )
    assert last < due <= last + longest


def test_acknowledge_windows() -> None:
    assert acknowledge_within_min(AlarmLevel.WARNING) == 5
    assert acknowledge_within_min(AlarmLevel.CRITICAL) == 2
    assert (
        acknowledge_within_min(AlarmLevel.CRITICAL, MonitoringRules(critical_acknowledge_min=1))
        == 1
    )
    with pytest.raises(NotApplicable):
        acknowledge_within_min(AlarmLevel.NONE)


@pytest.mark.parametrize(
    ("changes", "phrase"),
    [
        ({"early_interval_min": 0}, "at least 1 minute"),
        ({"infusion_interval_min": -1}, "at least 1 minute"),
        ({"early_interval_min": 6}, "less often"),
        ({"infusion_interval_min": 20}, "less often"),
        ({"recovery_interval_min": 31}, "less often"),
        ({"early_period_min": 10}, "15–60"),
        ({"early_period_min": 90}, "15–60"),
        ({"esketamine_bp_check_min": 20}, "30–50"),
        ({"esketamine_bp_check_min": 60}, "30–50"),
        ({"critical_acknowledge_min": 0}, "1–15"),
        ({"warning_acknowledge_min": 20}, "1–15"),
        ({"critical_acknowledge_min": 6}, "critical no longer"),
    ],
)
def test_unsafe_monitoring_rules_are_refused(changes: dict[str, int], phrase: str) -> None:
    with pytest.raises(InvalidConfiguration, match=phrase):
        MonitoringRules(**changes)


# --- pre-infusion checklist -----------------------------------------------------------------


def all_pass(route: Route) -> dict[ChecklistItem, ItemStatus]:
    return {
        spec.item: ItemStatus.PASS
        for spec in checklist_items(route=route, pregnancy_test_applies=True)
    }


def outcome(
    statuses: dict[ChecklistItem, ItemStatus],
    *,
    route: Route = Route.INTRAVENOUS,
    applies: bool = True,
    vitals: PreInfusionDecision | None = PreInfusionDecision.GO,
) -> ChecklistOutcome:
    return checklist_outcome(
        statuses=statuses, route=route, pregnancy_test_applies=applies, vitals_decision=vitals
    )


def test_checklist_lists_rems_for_esketamine_only() -> None:
    iv = [s.item for s in checklist_items(route=Route.INTRAVENOUS, pregnancy_test_applies=True)]
    nasal = checklist_items(route=Route.INTRANASAL, pregnancy_test_applies=False)
    assert ChecklistItem.REMS_ENROLMENT not in iv
    assert [s.item for s in nasal] == list(ChecklistItem)
    assert iv[0] == ChecklistItem.IDENTITY
    by_item = {s.item: s for s in nasal}
    assert "2 hours" in by_item[ChecklistItem.FASTING].detail
    assert "not applicable" in by_item[ChecklistItem.PREGNANCY_TEST].detail
    iv_specs = {
        s.item: s for s in checklist_items(route=Route.INTRAVENOUS, pregnancy_test_applies=True)
    }
    assert "6 hours" in iv_specs[ChecklistItem.FASTING].detail
    assert all(spec.source and spec.label for spec in nasal)


def test_everything_passed_and_go_may_start() -> None:
    result = outcome(all_pass(Route.INTRAVENOUS))
    assert result.can_start
    assert result.blocking == ()
    assert not result.needs_physician


def test_pregnancy_test_not_applicable_only_when_it_does_not_apply() -> None:
    statuses = {
        **all_pass(Route.INTRAVENOUS),
        ChecklistItem.PREGNANCY_TEST: ItemStatus.NOT_APPLICABLE,
    }
    assert outcome(statuses, applies=False).can_start
    refused = outcome(statuses, applies=True)
    assert not refused.can_start
    assert refused.blocking == (
        "Pregnancy test negative (urine hCG): cannot be marked not applicable.",
    )
    assert not refused.needs_physician


def test_pending_items_block_and_need_answering_not_a_physician() -> None:
    statuses = all_pass(Route.INTRANASAL)
    del statuses[ChecklistItem.REMS_ENROLMENT]
    statuses[ChecklistItem.FASTING] = ItemStatus.PENDING
    result = outcome(statuses, route=Route.INTRANASAL)
    assert not result.can_start
    assert len(result.blocking) == 2
    assert all("not done" in message for message in result.blocking)
    assert "REMS" in result.blocking[0]
    assert not result.needs_physician


def test_failed_overridable_items_and_review_vitals_need_a_physician() -> None:
    statuses = {**all_pass(Route.INTRAVENOUS), ChecklistItem.FASTING: ItemStatus.FAIL}
    result = outcome(statuses, vitals=PreInfusionDecision.REVIEW)
    assert not result.can_start
    assert result.needs_physician
    assert result.blocking == (
        "Fasting confirmed: failed.",
        "Baseline vitals: physician review needed before starting.",
    )


@pytest.mark.parametrize("item", sorted(NON_OVERRIDABLE))
def test_hard_stops_cannot_be_overridden(item: ChecklistItem) -> None:
    result = outcome({**all_pass(Route.INTRANASAL), item: ItemStatus.FAIL}, route=Route.INTRANASAL)
    assert not result.can_start
    assert not result.needs_physician


@pytest.mark.parametrize(
    ("vitals", "phrase"),
    [(None, "no baseline vitals"), (PreInfusionDecision.HOLD, "re-measure")],
)
def test_missing_or_hold_vitals_block_without_override(
    vitals: PreInfusionDecision | None, phrase: str
) -> None:
    result = outcome(all_pass(Route.INTRAVENOUS), vitals=vitals)
    assert not result.can_start
    assert phrase in result.blocking[0]
    assert not result.needs_physician


# --- discharge, devices, side effects -------------------------------------------------------


def test_discharge_instructions_by_route() -> None:
    iv = discharge_instructions(Route.INTRAVENOUS)
    nasal = discharge_instructions(Route.INTRANASAL)
    assert "24 hours" in iv[0]
    assert "next day, after a restful sleep" in nasal[0]
    for text in (iv, nasal):
        joined = " ".join(text)
        assert "alcohol" in joined
        assert "responsible adult" in joined
        assert "911" in joined
        assert "988" in joined
        assert "discharge sheet" in joined


def test_esketamine_devices_five_minutes_apart_up_to_the_order() -> None:
    assert ESKETAMINE_MINUTES_BETWEEN_DEVICES == 5  # §2.8
    check_device_timing(previous_minutes=[], minute=0, devices_ordered=2)
    check_device_timing(previous_minutes=[0], minute=5, devices_ordered=2)
    check_device_timing(previous_minutes=[0, 5], minute=12, devices_ordered=3)


@pytest.mark.parametrize(
    ("previous", "minute", "ordered", "phrase"),
    [
        ([0, 5], 10, 2, "All 2 ordered devices"),
        ([0], 3, 3, "next is due at minute 5"),
        ([0, 5], 4, 3, "before the previous device"),
        ([], 0, 0, "1 to 3 devices"),
        ([], 0, 4, "1 to 3 devices"),
        ([], -1, 2, "not a time"),
        ([], float("nan"), 2, "not a time"),
    ],
)
def test_device_timing_refusals(
    previous: list[float], minute: float, ordered: int, phrase: str
) -> None:
    with pytest.raises(NotApplicable, match=phrase):
        check_device_timing(previous_minutes=previous, minute=minute, devices_ordered=ordered)


def test_side_effect_kinds_labels_and_prn_drugs() -> None:
    assert SideEffectKind.SEDATION.label == "Drowsiness or sedation"
    assert SideEffectKind.DISSOCIATION.label == "Dissociation or hallucinations"
    assert SideEffectKind.ANXIETY.label == "Anxiety or emergence reaction"
    assert all(kind.label for kind in SideEffectKind)
    assert [s.value for s in Severity] == ["mild", "moderate", "severe"]
    assert [a.value for a in SideEffectAction] == ["none", "slow", "pause", "stop", "prn"]
    assert [s.drug for s in prn_suggestions_for(SideEffectKind.HYPERTENSION)] == [
        "clonidine",
        "labetalol",
    ]
    assert [s.drug for s in prn_suggestions_for(SideEffectKind.TACHYCARDIA)] == [
        "labetalol",
        "metoprolol tartrate",
    ]
    (ondansetron,) = prn_suggestions_for(SideEffectKind.VOMITING)
    assert (ondansetron.dose, ondansetron.unit, ondansetron.route) == (Decimal("4"), "mg", "IV")
    assert prn_suggestions_for(SideEffectKind.HEADACHE) == ()
    assert len(PRN_SUGGESTIONS) == 6
