"""C-SSRS screener, recent (CLINICAL.md §9.1, §9.3): six yes/no questions triaged, not summed.

Q1–2 yes → low; Q3 yes → moderate; Q4, Q5, or Q6 (behaviour within 3 months) yes → high, and the
immediate safety protocol. Items 3–6 positive raise the suicide-risk workflow. Electronic use is
licensed through Clario (§9.2): item codes and scoring only; wording from the clinic's file.
Item 6 is answered for the past 3 months.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.questionnaires.base import (
    Band,
    Instrument,
    Rater,
    ScoreResult,
    scale_items,
)

RISK_LEVELS = ("none", "low", "moderate", "high")


def _score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    def yes(number: int) -> bool:
        return answers[f"cssrs.{number}"] == 1

    if yes(4) or yes(5) or yes(6):
        level = 3
    elif yes(3):
        level = 2
    elif yes(1) or yes(2):
        level = 1
    else:
        level = 0
    flags: tuple[str, ...] = ()
    if any(yes(number) for number in (3, 4, 5, 6)):
        flags = ("suicide_risk",) + (("immediate_safety_protocol",) if level == 3 else ())
    return ScoreResult(instrument.code, level, RISK_LEVELS[level], flags)


CSSRS_SCREENER = Instrument(
    code="cssrs_screener",
    name="C-SSRS screener (recent)",
    recall_period="Past month; question 6 past 3 months",
    rater=Rater.CLINICIAN,
    items=scale_items("cssrs", 6, (0, 1)),
    bands=tuple(Band(level, level, name) for level, name in enumerate(RISK_LEVELS)),
    total_range=(0, 3),
    is_wording_licensed=True,
    panel_loinc="93373-9",
    source="CLINICAL.md §9.1, §9.3",
    scorer=_score,
    answer_labels={0: "No", 1: "Yes"},
)
