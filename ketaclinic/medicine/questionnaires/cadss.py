"""CADSS (23-item version used in ketamine trials) and CADSS-6 (CLINICAL.md §6.1).

Each item 0–4; CADSS total 0–92; CADSS-6 is items 1, 2, 6, 7, 15 and 22 of the full scale,
total 0–24. Licence terms unverified (§9.2): item codes and scoring only. No published severity
bands: the band reports where the total sits in its range, for the dissociation trend only.
"""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater, scale_items

CADSS6_ITEMS = (1, 2, 6, 7, 15, 22)
_ZERO_TO_FOUR = (0, 1, 2, 3, 4)

CADSS = Instrument(
    code="cadss",
    name="CADSS (23 items)",
    recall_period="Now (around the end of the infusion)",
    rater=Rater.CLINICIAN,
    items=scale_items("cadss", 23, _ZERO_TO_FOUR),
    bands=(Band(0, 0, "none"), Band(1, 92, "dissociation present")),
    total_range=(0, 92),
    is_wording_licensed=True,
    source="CLINICAL.md §6.1",
)

CADSS6 = Instrument(
    code="cadss6",
    name="CADSS-6",
    recall_period="Now (around the end of the infusion)",
    rater=Rater.CLINICIAN,
    items=tuple(Item(f"cadss.{number}", _ZERO_TO_FOUR) for number in CADSS6_ITEMS),
    bands=(Band(0, 0, "none"), Band(1, 24, "dissociation present")),
    total_range=(0, 24),
    is_wording_licensed=True,
    source="CLINICAL.md §6.1 (Rodrigues 2021)",
)
