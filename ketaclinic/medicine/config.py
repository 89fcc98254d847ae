"""One typed object for every threshold a clinic may override, validated when loaded.

Each section is the rules dataclass of its module, whose own checks keep every figure within safe
bounds; `load_clinic_rules` builds them from plain data (a clinic's settings, JSON) and refuses an
unknown section or key, a wrong type, or an unsafe value, naming `section.key`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ketaclinic.medicine.courses import CourseRules, DoseOrderRules
from ketaclinic.medicine.dosing import VialRules
from ketaclinic.medicine.eligibility import EligibilityRules
from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.measurement import MeasurementRules
from ketaclinic.medicine.outcomes import OutcomeRules
from ketaclinic.medicine.pregnancy import PregnancyTestRules
from ketaclinic.medicine.questionnaires.screening import ScreeningRules
from ketaclinic.medicine.recovery import RecoveryRules
from ketaclinic.medicine.safety import SafetyRules
from ketaclinic.medicine.session import MonitoringRules
from ketaclinic.medicine.visits import VisitRules
from ketaclinic.medicine.vital_signs import AlarmLimits, PreInfusionLimits


@dataclass(frozen=True)
class ClinicRules:
    pre_infusion: PreInfusionLimits = field(default_factory=PreInfusionLimits)
    alarms: AlarmLimits = field(default_factory=AlarmLimits)
    recovery: RecoveryRules = field(default_factory=RecoveryRules)
    course: CourseRules = field(default_factory=CourseRules)
    eligibility: EligibilityRules = field(default_factory=EligibilityRules)
    screening: ScreeningRules = field(default_factory=ScreeningRules)
    visits: VisitRules = field(default_factory=VisitRules)
    monitoring: MonitoringRules = field(default_factory=MonitoringRules)
    safety: SafetyRules = field(default_factory=SafetyRules)
    measurement: MeasurementRules = field(default_factory=MeasurementRules)
    outcomes: OutcomeRules = field(default_factory=OutcomeRules)
    dose_orders: DoseOrderRules = field(default_factory=DoseOrderRules)
    pregnancy_test: PregnancyTestRules = field(default_factory=PregnancyTestRules)
    vials: VialRules = field(default_factory=VialRules)


def _convert(section: str, name: str, current: Any, value: Any) -> Any:
    where = f"{section}.{name}"
    try:
        if isinstance(current, int):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError
            return value
        if isinstance(current, float):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            return float(value)
        if isinstance(current, Decimal):
            converted = Decimal(str(value))
            if not converted.is_finite():
                raise TypeError
            return converted
        if isinstance(current, datetime.timedelta):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError
            return datetime.timedelta(hours=value)
        if isinstance(current, str):
            if not isinstance(value, str):
                raise TypeError
            return value
        if isinstance(current, tuple):
            if not isinstance(value, list | tuple):
                raise TypeError
            return (
                tuple(_convert(section, name, current[0], item) for item in value)
                if current
                else tuple(value)
            )
    except (TypeError, InvalidOperation) as error:
        raise InvalidConfiguration(
            f"{where}: {value!r} is not a valid {type(current).__name__}."
        ) from error
    raise InvalidConfiguration(f"{where} cannot be configured.")  # pragma: no cover


def load_clinic_rules(overrides: Mapping[str, Mapping[str, Any]]) -> ClinicRules:
    """The clinic's rules: the defaults of CLINICAL.md with `overrides` applied and checked.

    Durations are given in hours (`course.minimum_interval`: 48).
    """
    defaults = ClinicRules()
    sections = {item.name: getattr(defaults, item.name) for item in dataclasses.fields(ClinicRules)}
    unknown = sorted(set(overrides) - set(sections))
    if unknown:
        raise InvalidConfiguration(f"Unknown rule sections {unknown}; known: {sorted(sections)}.")
    built: dict[str, Any] = {}
    for section, current_rules in sections.items():
        values = overrides.get(section, {})
        if not isinstance(values, Mapping):
            raise InvalidConfiguration(f"{section} must be a mapping of settings.")
        known = {item.name for item in dataclasses.fields(current_rules)}
        unknown_keys = sorted(set(values) - known)
        if unknown_keys:
            raise InvalidConfiguration(
                f"Unknown settings {[f'{section}.{k}' for k in unknown_keys]}."
            )
        changes = {
            name: _convert(section, name, getattr(current_rules, name), value)
            for name, value in values.items()
        }
        try:
            built[section] = dataclasses.replace(current_rules, **changes)
        except InvalidConfiguration as error:
            raise InvalidConfiguration(f"{section}: {error.message}") from error
    return ClinicRules(**built)
