"""Helpers for consent tests here and in the portal: a drawn signature, a published consent,
and a patient approved for IV ketamine through the real services."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from PIL import Image

from ketaclinic.consent import texts
from ketaclinic.consent.models import ConsentDocument, Treatment
from ketaclinic.consent.services import consent_document_publish
from ketaclinic.intake.models import EligibilityOutcome
from ketaclinic.intake.services import IntakeEntry, eligibility_decide, intake_save
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import Personas


def drawn() -> str:
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 20) - 10), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def publish_iv_consent(
    personas: Personas, *, title: str = "Consent to IV ketamine"
) -> ConsentDocument:
    return consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title=title,
        body=texts.IV_KETAMINE,
        valid_for_days=180,
    )


COMPLETE_INTAKE = IntakeEntry(
    indication="trd",
    height_cm=Decimal("165"),
    weight_kg=Decimal("70"),
    allergies="none known",
    is_pregnant=False,
    is_breastfeeding=False,
    baseline_systolic_mmhg=122,
    baseline_diastolic_mmhg=78,
    baseline_heart_rate_bpm=72,
    baseline_spo2_percent=98,
    diagnoses=("F33.2",),
)


def approve_for_iv_ketamine(personas: Personas, patient: Patient) -> None:
    intake_save(acting_user=personas.nina, patient=patient, entry=COMPLETE_INTAKE, submit=True)
    eligibility_decide(
        acting_user=personas.alice,
        patient=patient,
        outcome=EligibilityOutcome.APPROVED,
        note="Two adequate failed trials; no contraindication.",
        protocol_key=IV_KETAMINE_DEPRESSION.key,
    )
