"""GAD-7 (CLINICAL.md §9.1): 7 items 0–3, total 0–21. Free (Pfizer); the wording ships."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Rater, scale_items
from ketaclinic.medicine.questionnaires.phq9 import ANSWERS

TEXTS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)

GAD7 = Instrument(
    code="gad7",
    name="GAD-7",
    recall_period="Over the last 2 weeks, how often have you been bothered by the following problems?",
    rater=Rater.PATIENT,
    items=scale_items("gad7", 7, (0, 1, 2, 3), TEXTS),
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    total_range=(0, 21),
    is_wording_licensed=False,
    panel_loinc="69737-5",
    total_loinc="70274-6",
    source="CLINICAL.md §9.1",
    answer_labels=ANSWERS,
)
