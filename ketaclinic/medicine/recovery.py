"""Discharge readiness after a session (CLINICAL.md §7.1, §7.3, §7.4, §10.3)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.session import SideEffectKind
from ketaclinic.medicine.vital_signs import VitalSigns, check_vital_signs

# The scores that gate discharge, any one of them (§7.3 modified Aldrete; §7.4 PADSS and the
# modified PADSS, "still 0–10, ≥ 9 to discharge"; ≥ 9 by `RecoveryRules.minimum_score`): the
# latest of them charted in the session counts. The modified PADSS is charted too: it leaves
# out intake and output, which an outpatient ketamine clinic does not wait for, and §7.4 gives
# it the same threshold (its per-item anchors are [UNCERTAIN] there; the total and the cut-off
# are not).
DISCHARGE_SCORE_INSTRUMENTS = ("modified_aldrete", "padss", "modified_padss")
# The scores a session charts: CADSS-6 at the end of the infusion (§6.1; §7.4 adapted
# checklist "dissociation resolved, e.g. CADSS-6 back near baseline"), then the discharge
# scores in recovery.
SESSION_INSTRUMENTS = ("cadss6", *DISCHARGE_SCORE_INSTRUMENTS)
# Side effects that must be charted as resolved before discharge: sedation, dissociation and
# respiratory depression (§7.1 and §10.3, SPRAVATO PI and REMS; §7.4 adapted checklist).
RESOLVE_BEFORE_DISCHARGE = frozenset(
    {SideEffectKind.SEDATION, SideEffectKind.DISSOCIATION, SideEffectKind.DESATURATION}
)
MOAA_S_FULLY_ALERT = 5  # §6.3 "responds readily to name"; §7.4 adapted checklist "MOAA/S 5"
# SpO2 to go home: at least 94%, below which §5.3 raises a warning alarm [PRACTICE].
DISCHARGE_MINIMUM_SPO2_PERCENT = 94


class RecoveryRoute(StrEnum):
    INTRAVENOUS = "intravenous"
    ESKETAMINE = "esketamine"


@dataclass(frozen=True)
class RecoveryRules:
    # §7.1: IV 30–60 min after the infusion (default 30, configurable within 30–120);
    # esketamine ≥ 120 min from the first device (label; not configurable below).
    iv_minimum_observation_min: int = 30
    esketamine_minimum_observation_min: int = 120
    minimum_score: int = 9  # Aldrete / PADSS ≥ 9 (§7.3, §7.4)
    vitals_within_fraction: Decimal = Decimal("0.20")  # within 20% of baseline (§7.4)

    def __post_init__(self) -> None:
        if not 30 <= self.iv_minimum_observation_min <= 120:
            raise InvalidConfiguration("IV observation must be 30–120 minutes (Ketalar PI).")
        if self.esketamine_minimum_observation_min < 120:
            raise InvalidConfiguration(
                "Esketamine observation cannot be under 120 minutes (label)."
            )
        if not 9 <= self.minimum_score <= 10:
            raise InvalidConfiguration("The discharge score threshold must be 9 or 10.")
        if not Decimal("0.1") <= self.vitals_within_fraction <= Decimal("0.2"):
            raise InvalidConfiguration("Vitals must be within 10–20% of baseline to discharge.")


def sedation_and_dissociation_resolved(
    *, unresolved_side_effects: Collection[str], latest_moaa_s: int | None
) -> bool:
    """No sedation, dissociation or respiratory depression left unresolved, and the latest
    MOAA/S, when rated, fully alert (§7.1, §7.4, §10.3)."""
    if latest_moaa_s is not None and not 0 <= latest_moaa_s <= MOAA_S_FULLY_ALERT:
        raise NotApplicable(f"MOAA/S is 0 to 5; got {latest_moaa_s}.")
    blocking = RESOLVE_BEFORE_DISCHARGE.intersection(unresolved_side_effects)
    return not blocking and latest_moaa_s in (None, MOAA_S_FULLY_ALERT)


@dataclass(frozen=True)
class DischargeAssessment:
    is_ready: bool
    reasons: tuple[str, ...]


def discharge_readiness(
    *,
    route: RecoveryRoute,
    minutes_observed: int,
    discharge_score: int | None,
    has_escort: bool,
    baseline: VitalSigns,
    latest: VitalSigns,
    sedation_or_dissociation_resolved: bool = True,
    rules: RecoveryRules = RecoveryRules(),
) -> DischargeAssessment:
    """Ready, or not ready with every reason. `minutes_observed` counts from the end of the IV
    infusion, or from the first esketamine device (§7.1, §10.4)."""
    if minutes_observed < 0:
        raise NotApplicable("Observation time cannot be negative.")
    check_vital_signs(baseline)
    check_vital_signs(latest)
    reasons: list[str] = []
    minimum = (
        rules.esketamine_minimum_observation_min
        if route == RecoveryRoute.ESKETAMINE
        else rules.iv_minimum_observation_min
    )
    if minutes_observed < minimum:
        reasons.append(f"Observed {minutes_observed} of at least {minimum} minutes.")
    if discharge_score is None:
        reasons.append("No discharge score (modified Aldrete, PADSS or modified PADSS) recorded.")
    elif discharge_score < rules.minimum_score:
        reasons.append(f"Discharge score {discharge_score} is below {rules.minimum_score}.")
    if not has_escort:
        reasons.append("No responsible adult is here to take the patient home.")
    if not sedation_or_dissociation_resolved:
        reasons.append("Sedation or dissociation has not resolved.")
    for label, before, now in (
        ("Systolic BP", baseline.systolic_mmhg, latest.systolic_mmhg),
        ("Heart rate", baseline.heart_rate_bpm, latest.heart_rate_bpm),
    ):
        if abs(Decimal(now - before)) > rules.vitals_within_fraction * before:
            reasons.append(
                f"{label} {now} is more than {rules.vitals_within_fraction:.0%} from "
                f"baseline {before}."
            )
    if latest.spo2_percent < DISCHARGE_MINIMUM_SPO2_PERCENT:
        reasons.append(f"SpO2 {latest.spo2_percent}% is below {DISCHARGE_MINIMUM_SPO2_PERCENT}%.")
    if not reasons:
        return DischargeAssessment(True, ("Ready for discharge to the escort.",))
    return DischargeAssessment(False, tuple(reasons))
