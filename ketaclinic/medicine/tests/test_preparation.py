"""Pre-visit instructions: fasting (CLINICAL.md §4), holds (§1.3) and driving (§7.2)."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.interactions import MedicationInput
from ketaclinic.medicine.preparation import (
    DRIVER_ESKETAMINE,
    DRIVER_IV,
    ESKETAMINE_FASTING,
    IV_FASTING,
    FastingRule,
    fasting_rule_for,
    visit_preparation,
)
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.visits import TREATMENT_KINDS, VisitKind

NINE_AM = datetime.datetime(2026, 12, 3, 9, 0)


def test_esketamine_is_no_food_two_hours_no_liquids_thirty_minutes() -> None:
    plan = visit_preparation(
        kind=VisitKind.ESKETAMINE, route=None, starts_at_local=NINE_AM, medications=[]
    )
    assert plan.fasting is ESKETAMINE_FASTING
    assert plan.no_food_after == datetime.datetime(2026, 12, 3, 7, 0)
    assert plan.no_liquids_after == datetime.datetime(2026, 12, 3, 8, 30)
    assert plan.driver == DRIVER_ESKETAMINE
    assert plan.lines[0] == (
        "Fasting: no food after Thu 03 Dec 07:00; liquids until Thu 03 Dec 08:30, "
        "then nothing by mouth."
    )


def test_iv_is_light_meal_six_hours_clear_liquids_two_hours() -> None:
    plan = visit_preparation(
        kind=VisitKind.IV_INFUSION, route=Route.INTRAVENOUS, starts_at_local=NINE_AM, medications=[]
    )
    assert plan.fasting is IV_FASTING
    assert plan.no_food_after == datetime.datetime(2026, 12, 3, 3, 0)
    assert plan.no_liquids_after == datetime.datetime(2026, 12, 3, 7, 0)
    assert plan.no_fatty_meal_after == datetime.datetime(2026, 12, 3, 1, 0)
    assert plan.lines[0] == (
        "Fasting: no food after Thu 03 Dec 03:00 (a light meal at most; nothing fatty or fried "
        "after Thu 03 Dec 01:00); clear liquids (water, clear juice, black coffee or tea) until "
        "Thu 03 Dec 07:00, then nothing by mouth."
    )
    assert "Bring a driver: you may not drive for 24 hours" in plan.driver
    assert DRIVER_IV in plan.lines
    assert any("alcohol" in line for line in plan.lines)


def test_an_esketamine_course_booster_fasts_as_esketamine() -> None:
    assert fasting_rule_for(kind=VisitKind.BOOSTER, route=Route.INTRANASAL) is ESKETAMINE_FASTING
    assert fasting_rule_for(kind=VisitKind.BOOSTER, route=None) is IV_FASTING


def test_a_consult_has_no_fasting_holds_or_driver() -> None:
    plan = visit_preparation(
        kind=VisitKind.CONSULT,
        route=None,
        starts_at_local=NINE_AM,
        medications=[MedicationInput("alprazolam")],
    )
    assert not plan.is_treatment
    assert plan.lines == ()


def test_holds_name_the_medicine_and_the_last_dose_time() -> None:
    plan = visit_preparation(
        kind=VisitKind.IV_INFUSION,
        route=None,
        starts_at_local=NINE_AM,
        medications=[
            MedicationInput("Xanax"),
            MedicationInput("Adderall"),
            MedicationInput("sertraline"),  # informational: no hold
            MedicationInput("oxycodone"),  # flag: continue, no hold
            MedicationInput("vitamin D"),  # unclassified
        ],
    )
    by_name = {hold.medication: hold for hold in plan.holds}
    assert set(by_name) == {"Xanax", "Adderall"}
    assert by_name["Xanax"].last_dose_by == datetime.datetime(2026, 12, 2, 21, 0)
    assert "6 hours after" in by_name["Xanax"].instruction
    assert by_name["Adderall"].last_dose_by == datetime.datetime(2026, 12, 2, 9, 0)
    assert "again after the treatment" in by_name["Adderall"].instruction


def test_fasting_rule_refuses_liquids_stopping_before_food() -> None:
    with pytest.raises(InvalidConfiguration):
        FastingRule(
            no_food_minutes=30, no_liquids_minutes=120, liquids_are_clear_only=True, source=""
        )
    with pytest.raises(InvalidConfiguration):
        FastingRule(
            no_food_minutes=13 * 60, no_liquids_minutes=0, liquids_are_clear_only=True, source=""
        )
    with pytest.raises(InvalidConfiguration):
        FastingRule(
            no_food_minutes=360,
            no_liquids_minutes=120,
            liquids_are_clear_only=True,
            source="",
            no_fatty_meal_minutes=240,
        )


@given(
    kind=st.sampled_from(sorted(TREATMENT_KINDS)),
    route=st.sampled_from([None, Route.INTRAVENOUS, Route.INTRANASAL]),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365),
)
def test_every_treatment_says_fasting_first_and_driver(
    kind: VisitKind, route: Route | None, minutes: int
) -> None:
    start = NINE_AM + datetime.timedelta(minutes=minutes)
    plan = visit_preparation(kind=kind, route=route, starts_at_local=start, medications=[])
    assert plan.is_treatment
    assert plan.lines[0].startswith("Fasting:")
    assert plan.no_food_after is not None
    assert plan.no_liquids_after is not None
    assert plan.no_food_after <= plan.no_liquids_after < start
    if plan.no_fatty_meal_after is not None:
        assert plan.no_fatty_meal_after <= plan.no_food_after
    assert plan.driver.startswith("Bring a driver")
