"""MOAA/S (CLINICAL.md §6.3): one observer rating 0–5; 0 = no response (loss of consciousness)."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater

ANCHORS = {
    5: "Responds readily to name spoken in a normal tone",
    4: "Lethargic response to name",
    3: "Responds only when name is called loudly and/or repeatedly",
    2: "Responds only to mild prodding or shaking",
    1: "Responds only to a painful trapezius squeeze",
    0: "No response",
}

MOAA_S = Instrument(
    code="moaa_s",
    name="MOAA/S",
    recall_period="Now",
    rater=Rater.CLINICIAN,
    items=(Item("moaa_s.1", (0, 1, 2, 3, 4, 5), "Responsiveness"),),
    bands=(
        Band(0, 0, "unresponsive"),
        Band(1, 2, "deep sedation"),
        Band(3, 4, "moderate sedation"),
        Band(5, 5, "awake"),
    ),
    total_range=(0, 5),
    is_wording_licensed=False,
    source="CLINICAL.md §6.3",
    answer_labels=ANCHORS,
)
