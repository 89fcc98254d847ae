"""DAST-10 (CLINICAL.md §9.1): 10 yes/no items (1 = yes), total 0–10; item 3 is reverse-scored
("able to stop when you want": no scores 1). © Skinner 1982, terms unverified (§9.2): item codes
and scoring only; wording from the clinic's file."""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.questionnaires.base import (
    Band,
    Instrument,
    Rater,
    ScoreResult,
    scale_items,
)

REVERSED_ITEM = "dast10.3"


def _score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    total = sum(1 - value if code == REVERSED_ITEM else value for code, value in answers.items())
    return ScoreResult(instrument.code, total, instrument.band_for(total))


DAST10 = Instrument(
    code="dast10",
    name="DAST-10",
    recall_period="Past 12 months",
    rater=Rater.PATIENT,
    items=scale_items("dast10", 10, (0, 1)),
    bands=(
        Band(0, 0, "none"),
        Band(1, 2, "low"),
        Band(3, 5, "moderate"),
        Band(6, 8, "substantial"),
        Band(9, 10, "severe"),
    ),
    total_range=(0, 10),
    is_wording_licensed=True,
    total_loinc="82667-7",
    source="CLINICAL.md §9.1",
    scorer=_score,
    answer_labels={0: "No", 1: "Yes"},
)
