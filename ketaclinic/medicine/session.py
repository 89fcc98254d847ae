"""One treatment session: the pump record, the monitoring schedule, the pre-infusion checklist,
esketamine device timing, side effects and their PRN drugs, and the discharge instructions
(CLINICAL.md §2.8, §4, §5.1, §5.4, §6.5, §7.2, §10.3).

This module decides the checklist, the discharge instructions and the device timing; the other
pieces have their own modules and are re-exported here, so `medicine.session` stays the one place
to import a session's rules from: the pump record in `pump`, the monitoring schedule and alarm
acknowledgement in `monitoring`, side effects and their PRN drugs in `side_effects`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.monitoring import (
    MonitoringRules,
    SessionPhase,
    acknowledge_within_min,
    vitals_due_minute,
)
from ketaclinic.medicine.preparation import ESKETAMINE_FASTING, IV_FASTING
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.pump import (
    EARLY_STOP_TOLERANCE,
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
    is_early_stop,
    pk_infusions,
    pump_segments,
)
from ketaclinic.medicine.side_effects import (
    PRN_SUGGESTIONS,
    SIDE_EFFECT_ACTION_WORDS,
    PrnSuggestion,
    Severity,
    SideEffectAction,
    SideEffectKind,
    prn_suggestions_for,
)
from ketaclinic.medicine.vital_signs import PreInfusionDecision

__all__ = [
    "EARLY_STOP_TOLERANCE",
    "ESKETAMINE_MINUTES_BETWEEN_DEVICES",
    "MAX_PUMP_RATE_ML_PER_H",
    "NON_OVERRIDABLE",
    "PRN_SUGGESTIONS",
    "SIDE_EFFECT_ACTION_WORDS",
    "ChecklistItem",
    "ChecklistItemSpec",
    "ChecklistOutcome",
    "InfusionState",
    "ItemStatus",
    "MonitoringRules",
    "PrnSuggestion",
    "PumpEvent",
    "PumpEventKind",
    "PumpSegment",
    "SessionPhase",
    "Severity",
    "SideEffectAction",
    "SideEffectKind",
    "acknowledge_within_min",
    "check_device_timing",
    "check_next_event",
    "checklist_items",
    "checklist_outcome",
    "delivered_mg",
    "delivered_volume_ml",
    "discharge_instructions",
    "infusion_minutes",
    "infusion_state",
    "is_early_stop",
    "pk_infusions",
    "prn_suggestions_for",
    "pump_segments",
    "vitals_due_minute",
]

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
