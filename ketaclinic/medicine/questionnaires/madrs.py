"""MADRS (CLINICAL.md §9.1): clinician-rated, 10 items 0–6, total 0–60. Licence unclear (§9.2):
item codes and scoring only; wording and anchors from the clinic's file."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Rater, scale_items

# Item order: apparent sadness, reported sadness, inner tension, reduced sleep, reduced appetite,
# concentration difficulties, lassitude, inability to feel, pessimistic thoughts, suicidal thoughts.
MADRS = Instrument(
    code="madrs",
    name="MADRS",
    recall_period="Past week",
    rater=Rater.CLINICIAN,
    items=scale_items("madrs", 10, (0, 1, 2, 3, 4, 5, 6)),
    bands=(
        Band(0, 6, "normal"),
        Band(7, 19, "mild"),
        Band(20, 34, "moderate"),
        Band(35, 60, "severe"),
    ),
    total_range=(0, 60),
    is_wording_licensed=True,
    source="CLINICAL.md §9.1",
)
