"""The eligibility advice medicine/ gives on a patient's intake (the physician decides)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.intake.models import EligibilityDecision, Intake, IntakeVersion
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
ELIGIBILITY_DECISION_NOT_FOUND = "No such eligibility decision at this clinic."


def intake_get_for_patient(*, patient_id: int) -> Intake | None:
    return (
        Intake.objects.filter(patient_id=patient_id)
        .select_related("patient__clinic", "updated_by", "submitted_by")
        .prefetch_related("diagnoses", "trials", "medications")
        .first()
    )


def intake_versions_for_intake(*, intake: Intake) -> QuerySet[IntakeVersion]:
    """Every version of a submitted intake, newest first, with who made it."""
    return intake.versions.select_related("created_by").order_by("-number")


def intake_versions_for_patient(*, patient_id: int) -> QuerySet[IntakeVersion] | None:
    """The patient's intake versions, newest first; None when there is no intake yet."""
    intake = Intake.objects.filter(patient_id=patient_id).first()
    return None if intake is None else intake_versions_for_intake(intake=intake)


def intake_version_number(*, patient_id: int) -> int:
    """The intake's current version: 0 for a draft or no intake yet."""
    version = Intake.objects.filter(patient_id=patient_id).values_list("version", flat=True).first()
    return version or 0


def eligibility_decisions_for_patient(*, patient_id: int) -> QuerySet[EligibilityDecision]:
    """A patient's signed decisions, newest first, each with its addenda and the intake
    versions they were signed on (for `reviewed_intake_version`), in a fixed number of queries."""
    return (
        EligibilityDecision.objects.filter(patient_id=patient_id)
        .select_related("signed_by", "intake_version")
        .prefetch_related("addenda__author", "addenda__intake_version")
    )


def eligibility_decision_get_for_clinic(
    *, user: User | AnonymousUser, clinic: Clinic, decision_id: int, action: Action
) -> EligibilityDecision:
    """One signed decision of the acting clinic, for a caller allowed `action` there; missing and
    another clinic's are alike."""
    require_permission(user=user, action=action, clinic=clinic)
    decision = (
        EligibilityDecision.objects.filter(clinic=clinic, pk=decision_id)
        .select_related("clinic", "signed_by")
        .first()
    )
    if decision is None:
        raise NotFound(ELIGIBILITY_DECISION_NOT_FOUND)
    return decision


def decision_unreviewed_amendment(
    decision: EligibilityDecision, *, current_version: int | None = None
) -> tuple[int, int] | None:
    """(the version the decision was signed or last reviewed on, the intake's version now) when
    the intake was amended after it and no physician has reviewed that yet; otherwise None.
    `current_version` is the intake's version when the caller has it (no query then; 0 for no
    intake, as `intake_version_number`)."""
    current = (
        intake_version_number(patient_id=decision.patient_id)
        if current_version is None
        else current_version
    )
    reviewed = decision.reviewed_intake_version
    if current <= reviewed:
        return None
    return reviewed, current


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
