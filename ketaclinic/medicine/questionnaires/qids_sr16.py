"""QIDS-SR16 (CLINICAL.md §9.1): 16 items 0–3 scored by 9 domains, total 0–27.

Sleep = max(items 1–4); mood = 5; appetite/weight = max(6–9); concentration 10; self-view 11;
suicidality 12; interest 13; energy 14; psychomotor = max(15, 16). Commercial terms unverified
(§9.2): item codes and scoring only; wording from the clinic's file.
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

DOMAINS: dict[str, tuple[int, ...]] = {
    "sleep": (1, 2, 3, 4),
    "mood": (5,),
    "appetite_weight": (6, 7, 8, 9),
    "concentration": (10,),
    "self_view": (11,),
    "suicidality": (12,),
    "interest": (13,),
    "energy": (14,),
    "psychomotor": (15, 16),
}


def _score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    domains = {
        name: max(answers[f"qids.{number}"] for number in numbers)
        for name, numbers in DOMAINS.items()
    }
    total = sum(domains.values())
    flags = ("suicide_risk",) if domains["suicidality"] >= 1 else ()
    return ScoreResult(instrument.code, total, instrument.band_for(total), flags, domains)


QIDS_SR16 = Instrument(
    code="qids_sr16",
    name="QIDS-SR16",
    recall_period="Past 7 days",
    rater=Rater.PATIENT,
    items=scale_items("qids", 16, (0, 1, 2, 3)),
    bands=(
        Band(0, 5, "none"),
        Band(6, 10, "mild"),
        Band(11, 15, "moderate"),
        Band(16, 20, "severe"),
        Band(21, 27, "very severe"),
    ),
    total_range=(0, 27),
    is_wording_licensed=True,
    source="CLINICAL.md §9.1",
    scorer=_score,
)
