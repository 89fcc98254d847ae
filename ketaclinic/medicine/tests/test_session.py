"""One session: the pre-infusion checklist, esketamine devices and discharge instructions
(CLINICAL.md §2.8, §4, §7.2)."""

from __future__ import annotations

import pytest

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.session import (
    ESKETAMINE_MINUTES_BETWEEN_DEVICES,
    NON_OVERRIDABLE,
    ChecklistItem,
    ChecklistOutcome,
    ItemStatus,
    check_device_timing,
    checklist_items,
    checklist_outcome,
    discharge_instructions,
)
from ketaclinic.medicine.vital_signs import PreInfusionDecision

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


# --- discharge and devices -----------------------------------------------------------------


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
