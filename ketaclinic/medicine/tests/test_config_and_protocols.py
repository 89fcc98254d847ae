"""Clinic configuration within safe bounds, and the protocol library (CLINICAL.md §2)."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from ketaclinic.medicine.config import ClinicRules, load_clinic_rules
from ketaclinic.medicine.errors import InvalidConfiguration, InvalidProtocol, UnknownProtocol
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    IV_KETAMINE_DEPRESSION,
    STANDARD_PROTOCOLS,
    protocol_get,
    validate_protocol,
)


def test_no_overrides_gives_the_clinical_md_defaults() -> None:
    assert load_clinic_rules({}) == ClinicRules()


def test_overrides_apply_with_types_converted() -> None:
    rules = load_clinic_rules(
        {
            "pre_infusion": {"review_systolic": 135},
            "recovery": {"iv_minimum_observation_min": 45, "vitals_within_fraction": "0.15"},
            "course": {"minimum_interval": 72, "review_checkpoints": [3, 6]},
            "alarms": {"repeat_window_min": [4, 8]},
        }
    )
    assert rules.pre_infusion.review_systolic == 135
    assert rules.recovery.vitals_within_fraction == Decimal("0.15")
    assert rules.course.minimum_interval == datetime.timedelta(hours=72)
    assert rules.course.review_checkpoints == (3, 6)
    assert rules.alarms.repeat_window_min == (4.0, 8.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dosing": {}}, "Unknown rule sections"),
        ({"recovery": {"minimum_minutes": 5}}, r"recovery\.minimum_minutes"),
        (
            {"recovery": {"iv_minimum_observation_min": "thirty"}},
            r"recovery\.iv_minimum_observation_min",
        ),
        ({"recovery": {"iv_minimum_observation_min": True}}, "not a valid int"),
        ({"recovery": {"vitals_within_fraction": "lots"}}, "not a valid Decimal"),
        ({"recovery": {"vitals_within_fraction": "NaN"}}, "not a valid Decimal"),
        ({"course": {"minimum_interval": "2 days"}}, "not a valid timedelta"),
        ({"course": {"review_checkpoints": 4}}, "not a valid tuple"),
        ({"alarms": {"repeat_window_min": ["a", "b"]}}, "not a valid float"),
        (
            {"recovery": {"iv_minimum_observation_min": 10}},
            "recovery: IV observation must be 30–120",
        ),
        ({"pre_infusion": {"do_not_infuse_systolic": 200}}, "cannot be above 180/110"),
        ({"course": {"maximum_infusions": 20}}, "1 to 12"),
        ({"recovery": []}, "must be a mapping"),
    ],
)
def test_unsafe_or_malformed_overrides_are_refused_naming_the_setting(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidConfiguration, match=message):
        load_clinic_rules(overrides)


def test_the_issue_13_rules_are_clinic_rules_within_their_bounds() -> None:
    rules = load_clinic_rules(
        {
            "outcomes": {"baseline_window_days": 14},
            "dose_orders": {"valid_days": 60},
            "pregnancy_test": {"maximum_age_years": 58},
        }
    )
    assert rules.outcomes.baseline_window_days == 14
    assert rules.dose_orders.valid_days == 60
    assert rules.pregnancy_test.maximum_age_years == 58
    with pytest.raises(InvalidConfiguration, match="outcomes: The baseline window"):
        load_clinic_rules({"outcomes": {"baseline_window_days": 365}})


def test_every_standard_protocol_passes_its_own_bounds() -> None:
    for protocol in STANDARD_PROTOCOLS:
        assert validate_protocol(protocol) is protocol


def test_protocols_are_found_by_code_and_version() -> None:
    assert protocol_get("iv-ketamine-depression") is IV_KETAMINE_DEPRESSION
    assert protocol_get("iv-ketamine-depression@1") is IV_KETAMINE_DEPRESSION
    clinic_v2 = replace(IV_KETAMINE_DEPRESSION, version=2, cap=Decimal("0.75"))
    assert protocol_get("iv-ketamine-depression", extra=(clinic_v2,)) is clinic_v2
    with pytest.raises(UnknownProtocol, match="No protocol 'iv-ketamine-depression@9'"):
        protocol_get("iv-ketamine-depression@9")
    with pytest.raises(UnknownProtocol, match="Known protocols"):
        protocol_get("magic-cure")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cap": Decimal("2.0")}, r"cap 2\.0 mg/kg is outside"),
        ({"starting_dose": Decimal("0")}, "starting dose 0"),
        ({"warning_above": Decimal("3")}, "warning threshold"),
        (
            {
                "starting_dose": Decimal("1.0"),
                "cap": Decimal("0.75"),
                "titration_steps": (Decimal("0.5"),),
                "warning_above": None,
            },
            "starting dose is above the cap",
        ),
        ({"titration_steps": (Decimal("0.5"), Decimal("1.2"))}, "titration step is above the cap"),
        ({"titration_steps": (Decimal("0.75"), Decimal("0.5"))}, "must rise"),
        ({"duration_min": 5}, "duration 5 min"),
        ({"max_infusions_per_course": 20}, "1 and 12"),
    ],
)
def test_a_clinic_protocol_outside_the_bounds_is_refused(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidProtocol, match=message):
        validate_protocol(replace(IV_KETAMINE_DEPRESSION, **changes))


def test_esketamine_protocols_use_whole_devices() -> None:
    with pytest.raises(InvalidProtocol, match="28 mg devices"):
        validate_protocol(
            replace(INTRANASAL_ESKETAMINE, titration_steps=(Decimal("30"), Decimal("56")))
        )


def test_monitoring_intervals_are_configurable_within_clinical_md_bounds() -> None:
    rules = load_clinic_rules({"monitoring": {"recovery_interval_min": 10}})
    assert rules.monitoring.recovery_interval_min == 10
    assert rules.monitoring.infusion_interval_min == 10  # the rest keep their §5.1 defaults
    with pytest.raises(InvalidConfiguration, match="monitoring: Monitoring cannot be less often"):
        load_clinic_rules({"monitoring": {"recovery_interval_min": 45}})
