"""The eligibility advice medicine/ gives on a patient's intake (the physician decides)."""

from __future__ import annotations

from ketaclinic.intake.models import Intake
from ketaclinic.medicine.eligibility import (
    AntidepressantTrial,
    EligibilityAdvice,
    EligibilityInput,
    History,
    TrialOutcome,
    assess_eligibility,
)
from ketaclinic.medicine.interactions import InteractionReport, MedicationInput, check_interactions
from ketaclinic.medicine.protocols import (
    IV_KETAMINE_ALCOHOL_USE,
    IV_KETAMINE_CHRONIC_PAIN,
    IV_KETAMINE_DEPRESSION,
    IV_KETAMINE_PTSD,
    Indication,
    Protocol,
)

PROTOCOL_FOR_INDICATION: dict[Indication, Protocol] = {
    Indication.TREATMENT_RESISTANT_DEPRESSION: IV_KETAMINE_DEPRESSION,
    Indication.DEPRESSION_WITH_SUICIDAL_IDEATION: IV_KETAMINE_DEPRESSION,
    Indication.ANXIETY: IV_KETAMINE_DEPRESSION,
    Indication.PTSD: IV_KETAMINE_PTSD,
    Indication.OCD: IV_KETAMINE_PTSD,
    Indication.ALCOHOL_USE_DISORDER: IV_KETAMINE_ALCOHOL_USE,
    Indication.CHRONIC_PAIN: IV_KETAMINE_CHRONIC_PAIN,
}


def intake_get_for_patient(*, patient_id: int) -> Intake | None:
    return (
        Intake.objects.filter(patient_id=patient_id)
        .select_related("patient__clinic", "updated_by", "submitted_by")
        .prefetch_related("diagnoses", "trials", "medications")
        .first()
    )


def intake_medication_report(intake: Intake) -> InteractionReport:
    return check_interactions(MedicationInput(m.name) for m in intake.medications.all())


def eligibility_advice_for_intake(intake: Intake) -> EligibilityAdvice | None:
    """None until the intake names an indication; otherwise every reason, from medicine/."""
    if not intake.indication:
        return None
    indication = Indication(intake.indication)
    patient = intake.patient
    today = patient.clinic.local_today()
    return assess_eligibility(
        EligibilityInput(
            age_years=patient.age_on(today),
            indication=indication,
            trials=tuple(
                AntidepressantTrial(
                    drug=trial.drug,
                    weeks_at_dose=trial.weeks_at_dose,
                    is_dose_adequate=trial.is_dose_adequate,
                    is_adherent=trial.is_adherent,
                    outcome=TrialOutcome(trial.outcome),
                    is_current_episode=trial.is_current_episode,
                )
                for trial in intake.trials.all()
            ),
            history=frozenset(History(value) for value in intake.medical_history),
            is_pregnant=bool(intake.is_pregnant),
            is_breastfeeding=bool(intake.is_breastfeeding),
            resting_systolic_mmhg=intake.baseline_systolic_mmhg,
            resting_diastolic_mmhg=intake.baseline_diastolic_mmhg,
            weight_kg=int(intake.weight_kg) if intake.weight_kg is not None else None,
            medications=tuple(MedicationInput(m.name) for m in intake.medications.all()),
            diagnoses=tuple(d.code for d in intake.diagnoses.all()),
        ),
        protocol=PROTOCOL_FOR_INDICATION[indication],
    )
