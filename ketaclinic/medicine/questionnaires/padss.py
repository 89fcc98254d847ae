"""PADSS and modified PADSS (CLINICAL.md §7.4): five items 0–2, total 0–10; ≥ 9 fit for discharge
home with a competent adult. In a ketamine clinic "surgical bleeding" is scored 2 (minimal)."""

from __future__ import annotations

from ketaclinic.medicine.questionnaires.aldrete import score_with_threshold
from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater

_BANDS = (Band(0, 8, "not fit for discharge"), Band(9, 10, "fit for discharge home"))

PADSS = Instrument(
    code="padss",
    name="PADSS",
    recall_period="Now",
    rater=Rater.CLINICIAN,
    items=(
        Item(
            "padss.vital_signs",
            (0, 1, 2),
            "Vital signs: within 20% (2) / 20–40% (1) / > 40% (0) of pre-procedure",
        ),
        Item(
            "padss.activity",
            (0, 1, 2),
            "Activity and mental status: oriented ×3 and steady gait (2) / one of them (1) / neither (0)",
        ),
        Item(
            "padss.pain_nausea_vomiting",
            (0, 1, 2),
            "Pain, nausea and/or vomiting: minimal (2) / moderate, treated (1) / severe (0)",
        ),
        Item(
            "padss.bleeding",
            (0, 1, 2),
            "Surgical bleeding: minimal (2) / moderate (1) / severe (0)",
        ),
        Item(
            "padss.intake_output",
            (0, 1, 2),
            "Intake and output: PO fluids and voided (2) / one of them (1) / neither (0)",
        ),
    ),
    bands=_BANDS,
    total_range=(0, 10),
    is_wording_licensed=False,
    source="CLINICAL.md §7.4 (Chung 1995)",
    scorer=score_with_threshold,
)

MODIFIED_PADSS = Instrument(
    code="modified_padss",
    name="Modified PADSS",
    recall_period="Now",
    rater=Rater.CLINICIAN,
    items=(
        Item(
            "mpadss.vital_signs",
            (0, 1, 2),
            "Vital signs: within 20% (2) / 20–40% (1) / > 40% (0) of pre-procedure",
        ),
        Item(
            "mpadss.ambulation",
            (0, 1, 2),
            "Ambulation: steady gait without dizziness (2) / needs assistance (1) / cannot walk (0)",
        ),
        Item(
            "mpadss.nausea_vomiting",
            (0, 1, 2),
            "Nausea and/or vomiting: minimal (2) / moderate, treated (1) / severe (0)",
        ),
        Item("mpadss.pain", (0, 1, 2), "Pain: minimal (2) / moderate, treated (1) / severe (0)"),
        Item(
            "mpadss.bleeding",
            (0, 1, 2),
            "Surgical bleeding: minimal (2) / moderate (1) / severe (0)",
        ),
    ),
    bands=_BANDS,
    total_range=(0, 10),
    is_wording_licensed=False,
    source="CLINICAL.md §7.4",
    scorer=score_with_threshold,
)
