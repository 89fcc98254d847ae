"""Y-BOCS (CLINICAL.md §9.1): clinician-rated, 10 items 0–4 (5 obsessions, 5 compulsions),
total 0–40. Copyright (Goodman et al.): item codes and scoring only; wording from the clinic."""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.questionnaires.base import (
    Band,
    Instrument,
    Rater,
    ScoreResult,
    scale_items,
)


def _score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    obsessions = sum(answers[f"ybocs.{n}"] for n in range(1, 6))
    compulsions = sum(answers[f"ybocs.{n}"] for n in range(6, 11))
    total = obsessions + compulsions
    return ScoreResult(
        instrument.code,
        total,
        instrument.band_for(total),
        domains={"obsessions": obsessions, "compulsions": compulsions},
    )


YBOCS = Instrument(
    code="ybocs",
    name="Y-BOCS",
    recall_period="Past week",
    rater=Rater.CLINICIAN,
    items=scale_items("ybocs", 10, (0, 1, 2, 3, 4)),
    bands=(
        Band(0, 7, "subclinical"),
        Band(8, 15, "mild"),
        Band(16, 23, "moderate"),
        Band(24, 31, "severe"),
        Band(32, 40, "extreme"),
    ),
    total_range=(0, 40),
    is_wording_licensed=True,
    source="CLINICAL.md §9.1",
    scorer=_score,
)
