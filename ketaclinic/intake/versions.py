"""An intake as one plain-JSON document (a version's content), and what differs between two.

A submitted intake changes only by amendment, and each amendment keeps the version before it
whole (IntakeVersion). The audit event of an amendment names every field that changed, with the
old and new values of the coded ones; free text says only that it changed, so the audit trail
does not copy a patient's history (the versions keep it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ketaclinic.intake.models import Intake

# The intake's own fields, in the order the forms show them (the lists follow).
INTAKE_FIELDS = (
    "indication",
    "psychiatric_history",
    "medical_history",
    "substance_use",
    "allergies",
    "is_pregnant",
    "is_breastfeeding",
    "height_cm",
    "weight_kg",
    "baseline_systolic_mmhg",
    "baseline_diastolic_mmhg",
    "baseline_heart_rate_bpm",
    "baseline_spo2_percent",
)
LIST_FIELDS = ("diagnoses", "trials", "medications")
# Each field as the clinic says it, for messages and the list of a version's changes.
FIELD_WORDS = {
    "indication": "indication",
    "psychiatric_history": "psychiatric history",
    "medical_history": "medical history",
    "substance_use": "substance use",
    "allergies": "allergies",
    "is_pregnant": "pregnancy",
    "is_breastfeeding": "breastfeeding",
    "height_cm": "height",
    "weight_kg": "weight",
    "baseline_systolic_mmhg": "baseline systolic blood pressure",
    "baseline_diastolic_mmhg": "baseline diastolic blood pressure",
    "baseline_heart_rate_bpm": "baseline heart rate",
    "baseline_spo2_percent": "baseline SpO2",
    "diagnoses": "diagnoses",
    "trials": "antidepressant trials",
    "medications": "current medications",
}
# Written in words by staff or the patient: an amendment's audit event says only that it changed.
FREE_TEXT_FIELDS = frozenset(
    {"psychiatric_history", "substance_use", "allergies", "trials", "medications"}
)
CHANGED = "changed"


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def intake_content(intake: Intake) -> dict[str, Any]:
    """The intake as stored, with its diagnoses, trials and medications (prefetch them)."""
    content: dict[str, Any] = {name: _plain(getattr(intake, name)) for name in INTAKE_FIELDS}
    content["medical_history"] = sorted(intake.medical_history)
    content["diagnoses"] = [
        {"code": row.code, "description": row.description}
        for row in sorted(intake.diagnoses.all(), key=lambda row: row.pk)
    ]
    content["trials"] = [
        {
            "drug": row.drug,
            "highest_dose_mg": _plain(row.highest_dose_mg),
            "weeks_at_dose": row.weeks_at_dose,
            "is_dose_adequate": row.is_dose_adequate,
            "is_adherent": row.is_adherent,
            "outcome": row.outcome,
            "is_current_episode": row.is_current_episode,
        }
        for row in sorted(intake.trials.all(), key=lambda row: row.pk)
    ]
    content["medications"] = [
        {"name": row.name, "dose_mg": _plain(row.dose_mg), "frequency": row.frequency}
        for row in sorted(intake.medications.all(), key=lambda row: row.pk)
    ]
    return content


def content_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Each field that differs: {"old": …, "new": …}, or "changed" for free text. Diagnoses
    are compared by their codes."""
    changes: dict[str, Any] = {}
    for name in (*INTAKE_FIELDS, *LIST_FIELDS):
        old, new = before.get(name), after.get(name)
        if name == "diagnoses":
            old = [row["code"] for row in old or []]
            new = [row["code"] for row in new or []]
        if old == new:
            continue
        changes[name] = CHANGED if name in FREE_TEXT_FIELDS else {"old": old, "new": new}
    return changes
