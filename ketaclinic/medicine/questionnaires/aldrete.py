"""Modified Aldrete score (CLINICAL.md §7.3): five items 0–2, total 0–10; ≥ 9 to leave phase I."""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater, ScoreResult

DISCHARGE_THRESHOLD = 9
READY_FLAG = "meets_discharge_score"

TEXTS = (
    "Activity: moves 4 limbs (2) / 2 limbs (1) / none (0)",
    "Respiration: breathes deeply and coughs freely (2) / dyspnea or shallow (1) / apneic (0)",
    "Circulation: BP within ±20% of pre-procedure (2) / ±20–49% (1) / ≥ ±50% (0)",
    "Consciousness: fully awake (2) / arousable on calling (1) / not responding (0)",
    "SpO2: > 92% on room air (2) / needs O2 to keep > 90% (1) / < 90% even with O2 (0)",
)


def score_with_threshold(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    total = sum(answers.values())
    flags = (READY_FLAG,) if total >= DISCHARGE_THRESHOLD else ()
    return ScoreResult(instrument.code, total, instrument.band_for(total), flags)


MODIFIED_ALDRETE = Instrument(
    code="modified_aldrete",
    name="Modified Aldrete score",
    recall_period="Now",
    rater=Rater.CLINICIAN,
    items=tuple(Item(f"aldrete.{n}", (0, 1, 2), TEXTS[n - 1]) for n in range(1, 6)),
    bands=(Band(0, 8, "not ready"), Band(9, 10, "ready to leave phase I")),
    total_range=(0, 10),
    is_wording_licensed=False,
    source="CLINICAL.md §7.3",
    scorer=score_with_threshold,
)
