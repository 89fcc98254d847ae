"""When a session's next vital-signs reading is due, and how long an alarm may wait for a nurse
(CLINICAL.md §5.1; esketamine §10.3).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.vital_signs import AlarmLevel


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
                "infusion and 30 in recovery (ASA moderate procedural sedation 2018; Ketalar PI)."
            )
        # [PRACTICE] design default, configurable: the early period is at least §5.1's 15 min.
        if not 15 <= self.early_period_min <= 60:
            raise InvalidConfiguration("The early monitoring period must be 15–60 minutes.")
        if not 30 <= self.esketamine_bp_check_min <= 50:
            raise InvalidConfiguration(
                "The esketamine BP check must be 30–50 minutes after dosing (SPRAVATO PI, REMS)."
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
