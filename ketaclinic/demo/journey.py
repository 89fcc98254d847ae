"""The demo patients' journey before treatment, made through the same services staff use: the
consent documents, intakes with their screening scores, the physician's decisions and the signed
consents.
"""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from django.utils import timezone
from PIL import Image, ImageDraw

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent import texts
from ketaclinic.consent.models import ConsentDocument, Treatment
from ketaclinic.consent.services import consent_current, consent_document_latest, consent_sign
from ketaclinic.intake.models import EligibilityOutcome, Intake
from ketaclinic.intake.services import (
    IntakeEntry,
    MedicationEntry,
    TrialEntry,
    eligibility_decide,
    intake_save,
)
from ketaclinic.medicine.eligibility import History, TrialOutcome
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.patients.models import Patient, SexAtBirth


def _demo_consents(clinic: Clinic, *, director: User) -> None:
    for treatment, title, body in (
        (Treatment.IV_KETAMINE, "Consent to IV ketamine treatment (off-label)", texts.IV_KETAMINE),
        (Treatment.ESKETAMINE, "Consent to esketamine (SPRAVATO) treatment", texts.ESKETAMINE),
        (
            Treatment.KETAMINE_ASSISTED_PSYCHOTHERAPY,
            "Consent to ketamine-assisted psychotherapy",
            texts.KAP,
        ),
    ):
        ConsentDocument.objects.get_or_create(
            clinic=clinic,
            treatment=treatment,
            version=1,
            defaults={
                "title": title,
                "body": body,
                "published_at": timezone.now(),
                "published_by": director,
            },
        )


def _demo_baseline_scores(patient: Patient, *, nurse: User, severe: bool) -> None:
    """Screening scores entered by the nurse: PHQ-9 (no item-9 answer), GAD-7 and AUDIT-C."""
    phq9 = {f"phq9.{n}": (2 if severe else 1) if n < 9 else 0 for n in range(1, 10)}
    for code, answers in (
        ("phq9", phq9),
        ("gad7", {f"gad7.{n}": 1 for n in range(1, 8)}),
        ("audit_c", {"audit_c.1": 1, "audit_c.2": 0, "audit_c.3": 0}),
    ):
        questionnaire_record(
            acting_user=nurse,
            patient=patient,
            instrument_code=code,
            answers=answers,
            context=ResponseContext.SCREENING,
        )


def _signature_png_data_url() -> str:
    """A drawn-looking demo signature (a zigzag), as the tablet would send it."""
    image = Image.new("RGBA", (320, 90), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(10, 70), (60, 20), (90, 70), (140, 25), (170, 65), (230, 30), (300, 60)],
        fill=(20, 20, 20, 255),
        width=3,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _demo_journey(clinic: Clinic, *, nurse: User, physician: User) -> None:
    """Patients at each step of issue 4's journey, made through the same services staff use:
    Sam has a draft intake, Maria awaits review, Tom is approved without consent, Jordan and Wei
    are approved and consented, and Bea was declined."""
    trials = (
        TrialEntry("sertraline", Decimal("150"), 8, True, True, TrialOutcome.NO_RESPONSE, True),
        TrialEntry(
            "bupropion", Decimal("300"), 10, True, True, TrialOutcome.PARTIAL_RESPONSE, True
        ),
    )
    plan = {
        "CAT-00002": ("draft", None),
        "CAT-00003": ("submitted", None),
        "CAT-00004": ("submitted", EligibilityOutcome.APPROVED),
        "CAT-00001": ("submitted", EligibilityOutcome.APPROVED),
        "CAT-00006": ("submitted", EligibilityOutcome.APPROVED),
        "CAT-00005": ("submitted", EligibilityOutcome.APPROVED),
        "CAT-00009": ("submitted", EligibilityOutcome.DECLINED),
    }
    for mrn, (state, outcome) in plan.items():
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or Intake.objects.filter(patient=patient).exists():
            continue
        stage = patient.journey_stage
        female = patient.sex_at_birth == SexAtBirth.FEMALE
        entry = IntakeEntry(
            indication="trd",
            psychiatric_history="Recurrent major depression since early adulthood; two hospitalisations.",
            medical_history=(History.PSYCHOSIS,) if outcome == EligibilityOutcome.DECLINED else (),
            allergies="None known",
            substance_use="Alcohol: 2–3 drinks a week. No drugs.",
            is_pregnant=False if female else None,
            is_breastfeeding=False if female else None,
            height_cm=Decimal("168"),
            weight_kg=Decimal("74.5"),
            baseline_systolic_mmhg=124,
            baseline_diastolic_mmhg=79,
            baseline_heart_rate_bpm=72,
            baseline_spo2_percent=98,
            diagnoses=("F33.2", "F20.9") if outcome == EligibilityOutcome.DECLINED else ("F33.2",),
            trials=trials,
            medications=(
                MedicationEntry("escitalopram", Decimal("20"), "daily"),
                MedicationEntry("lorazepam", Decimal("0.5"), "as needed"),
            ),
        )
        intake_save(acting_user=nurse, patient=patient, entry=entry, submit=state == "submitted")
        if state == "submitted":
            _demo_baseline_scores(patient, nurse=nurse, severe=outcome is not None)
        if outcome is not None:
            eligibility_decide(
                acting_user=physician,
                patient=patient,
                outcome=outcome,
                protocol_key="iv-ketamine-depression@1"
                if outcome == EligibilityOutcome.APPROVED
                else "",
                note=(
                    "Treatment-resistant depression with two adequate failed trials; no contraindication."
                    if outcome == EligibilityOutcome.APPROVED
                    else "Schizophrenia in the history: ketamine is not appropriate; referred back with options."
                ),
            )
        if outcome == EligibilityOutcome.APPROVED and mrn in {
            "CAT-00001",
            "CAT-00005",
            "CAT-00006",
        }:
            document = consent_document_latest(clinic=clinic, treatment=Treatment.IV_KETAMINE)
            if (
                document is not None
                and consent_current(patient=patient, treatment=Treatment.IV_KETAMINE) is None
            ):
                consent_sign(
                    witness=nurse,
                    patient=patient,
                    document=document,
                    typed_name=f"{patient.legal_first_name} {patient.legal_last_name}",
                    drawn_signature_data_url=_signature_png_data_url(),
                )
        # The story's stage stands (induction, maintenance…): decisions set "approved".
        Patient.objects.filter(pk=patient.pk).update(journey_stage=stage)
