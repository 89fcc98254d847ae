"""An intake as the services take it (`IntakeEntry` and its rows), read from the stored intake
and written back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from ketaclinic.accounts.models import User
from ketaclinic.intake.icd10 import icd10_description
from ketaclinic.intake.models import (
    AntidepressantTrialRecord,
    CurrentMedication,
    Intake,
    IntakeDiagnosis,
)
from ketaclinic.intake.versions import INTAKE_FIELDS
from ketaclinic.medicine.eligibility import History, TrialOutcome
from ketaclinic.patients.models import Patient


@dataclass(frozen=True)
class TrialEntry:
    drug: str
    highest_dose_mg: Decimal
    weeks_at_dose: int
    is_dose_adequate: bool
    is_adherent: bool
    outcome: TrialOutcome
    is_current_episode: bool


@dataclass(frozen=True)
class MedicationEntry:
    name: str
    dose_mg: Decimal | None = None
    frequency: str = ""


@dataclass(frozen=True)
class IntakeEntry:
    indication: str = ""
    psychiatric_history: str = ""
    medical_history: tuple[History, ...] = ()
    substance_use: str = ""
    allergies: str = ""
    is_pregnant: bool | None = None
    is_breastfeeding: bool | None = None
    height_cm: Decimal | None = None
    weight_kg: Decimal | None = None
    baseline_systolic_mmhg: int | None = None
    baseline_diastolic_mmhg: int | None = None
    baseline_heart_rate_bpm: int | None = None
    baseline_spo2_percent: int | None = None
    diagnoses: tuple[str, ...] = ()
    trials: tuple[TrialEntry, ...] = field(default_factory=tuple)
    medications: tuple[MedicationEntry, ...] = field(default_factory=tuple)


# Some of an intake's fields (IntakeEntry's names) with their new values; the others keep
# their stored values, as they are when the intake is locked for the save.
IntakeChanges = Mapping[str, Any]


def intake_entry_of(intake: Intake | None) -> IntakeEntry:
    """The stored intake as an entry (an empty one when there is none yet)."""
    if intake is None:
        return IntakeEntry()
    return IntakeEntry(
        **{name: getattr(intake, name) for name in INTAKE_FIELDS if name != "medical_history"},
        medical_history=tuple(History(value) for value in intake.medical_history),
        diagnoses=tuple(row.code for row in intake.diagnoses.all()),
        trials=tuple(
            TrialEntry(
                drug=row.drug,
                highest_dose_mg=row.highest_dose_mg,
                weeks_at_dose=row.weeks_at_dose,
                is_dose_adequate=row.is_dose_adequate,
                is_adherent=row.is_adherent,
                outcome=TrialOutcome(row.outcome),
                is_current_episode=row.is_current_episode,
            )
            for row in intake.trials.all()
        ),
        medications=tuple(
            MedicationEntry(name=row.name, dose_mg=row.dose_mg, frequency=row.frequency)
            for row in intake.medications.all()
        ),
    )


def _locked(patient: Patient) -> Intake | None:
    return Intake.objects.select_for_update().filter(patient=patient).first()


def _entry_with(
    stored: Intake | None, *, entry: IntakeEntry | None, changes: IntakeChanges | None
) -> IntakeEntry:
    """The whole entry given, or the changes over the intake as stored (read under the lock,
    so that a save in between is not undone by a copy read before it)."""
    if entry is not None and changes is None:
        return entry
    if entry is None and changes is not None:
        return replace(intake_entry_of(stored), **changes)
    raise TypeError("Give either the whole entry or only the changes.")


def _write(intake: Intake, *, entry: IntakeEntry, acting_user: User) -> Intake:
    """Store the entry on the intake (its lists replaced) and return it as stored now."""
    for name in INTAKE_FIELDS:
        if name != "medical_history":
            setattr(intake, name, getattr(entry, name))
    intake.medical_history = sorted(item.value for item in entry.medical_history)
    intake.updated_by = acting_user
    intake.save()
    intake.diagnoses.all().delete()
    IntakeDiagnosis.objects.bulk_create(
        IntakeDiagnosis(
            intake=intake, code=code.strip().upper(), description=icd10_description(code) or ""
        )
        for code in dict.fromkeys(code.strip().upper() for code in entry.diagnoses)
    )
    intake.trials.all().delete()
    AntidepressantTrialRecord.objects.bulk_create(
        AntidepressantTrialRecord(intake=intake, **trial.__dict__) for trial in entry.trials
    )
    intake.medications.all().delete()
    CurrentMedication.objects.bulk_create(
        CurrentMedication(intake=intake, **medication.__dict__) for medication in entry.medications
    )
    return Intake.objects.prefetch_related("diagnoses", "trials", "medications").get(pk=intake.pk)
