"""Which questionnaires screen a new patient, per condition (CLINICAL.md §4.2, §9.1, §9.3).

§4.2 "Scales before dose": PHQ-9 / GAD-7 / a disorder-specific scale, and the C-SSRS screener
[PRACTICE]. The disorder-specific scale per condition follows §9.1: PCL-5 for PTSD, Y-BOCS for
OCD, pain NRS for chronic pain, the full AUDIT for alcohol use disorder. Substance use bears on
eligibility (§1.1), so AUDIT-C and DAST-10 screen everyone. A clinic may change the sets; it may
not remove the suicide-risk screen (§9.3), so every set keeps PHQ-9 (item 9) or the C-SSRS
screener.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.protocols import Indication
from ketaclinic.medicine.questionnaires import INSTRUMENTS

# Instruments whose answers raise the suicide-risk flag (PHQ-9 item 9; C-SSRS items 3–6), §9.3.
SUICIDE_RISK_SCREENS = frozenset({"phq9", "cssrs_screener"})

# Scales that screen (§9.1). The session scales (CADSS, MOAA/S, Aldrete, PADSS; §6, §7) measure a
# dose's effects and are never part of a screening set.
SCREENING_INSTRUMENTS = (
    "phq9",
    "gad7",
    "pcl5",
    "qids_sr16",
    "audit",
    "audit_c",
    "dast10",
    "pain_nrs",
    "cssrs_screener",
    "madrs",
    "ybocs",
)

_BASE = ("phq9", "gad7", "cssrs_screener", "audit_c", "dast10")


@dataclass(frozen=True)
class ScreeningRules:
    """One questionnaire set per condition; `unknown` is used until the condition is known."""

    unknown: tuple[str, ...] = _BASE
    trd: tuple[str, ...] = _BASE
    mdd_si: tuple[str, ...] = _BASE
    ptsd: tuple[str, ...] = ("phq9", "pcl5", "gad7", "cssrs_screener", "audit_c", "dast10")
    ocd: tuple[str, ...] = ("phq9", "ybocs", "gad7", "cssrs_screener", "audit_c", "dast10")
    anxiety: tuple[str, ...] = ("gad7", "phq9", "cssrs_screener", "audit_c", "dast10")
    aud: tuple[str, ...] = ("audit", "phq9", "gad7", "cssrs_screener", "dast10")
    chronic_pain: tuple[str, ...] = (
        "pain_nrs",
        "phq9",
        "gad7",
        "cssrs_screener",
        "audit_c",
        "dast10",
    )

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            codes: tuple[str, ...] = getattr(self, item.name)
            problem = screening_set_problem(codes)
            if problem:
                raise InvalidConfiguration(f"{item.name}: {problem}")

    def for_indication(self, indication: Indication | str | None) -> tuple[str, ...]:
        """The set for a condition; the `unknown` set when none is recorded yet."""
        if not indication:
            return self.unknown
        codes: tuple[str, ...] = getattr(self, Indication(indication).value)
        return codes


def screening_set_problem(codes: tuple[str, ...]) -> str:
    """Why a questionnaire set cannot be used, or "" when it can."""
    if not codes:
        return "choose at least one questionnaire."
    unknown = [code for code in codes if code not in INSTRUMENTS]
    if unknown:
        return f"unknown questionnaires {unknown}."
    session_scales = [code for code in codes if code not in SCREENING_INSTRUMENTS]
    if session_scales:
        return f"{session_scales} are measured at sessions, not at screening."
    if len(set(codes)) != len(codes):
        return "a questionnaire is listed twice."
    if not SUICIDE_RISK_SCREENS.intersection(codes):
        return (
            "every set must keep a suicide-risk screen (PHQ-9 or the C-SSRS screener), "
            "CLINICAL.md §9.3."
        )
    return ""
