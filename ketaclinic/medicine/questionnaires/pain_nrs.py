"""Pain numeric rating scale (CLINICAL.md §9.1): one item 0–10. Free; the wording ships."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater

PAIN_NRS = Instrument(
    code="pain_nrs",
    name="Pain NRS",
    recall_period="Now",
    rater=Rater.PATIENT,
    items=(
        Item(
            "pain_nrs.1",
            tuple(range(11)),
            "On a scale of 0 to 10, where 0 is no pain and 10 is the worst pain imaginable, how much pain are you having?",
            "72514-3",
        ),
    ),
    bands=(Band(0, 0, "none"), Band(1, 3, "mild"), Band(4, 6, "moderate"), Band(7, 10, "severe")),
    total_range=(0, 10),
    is_wording_licensed=False,
    total_loinc="72514-3",
    source="CLINICAL.md §9.1",
)
