"""Clinical steps tests share: a drawn signature as the signing pad sends it, a complete intake,
and a patient approved for treatment through the real services (not rows written by hand)."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

from PIL import Image

from ketaclinic.intake.models import EligibilityOutcome
from ketaclinic.intake.services import IntakeEntry, eligibility_decide, intake_save
from ketaclinic.medicine.protocols import IV_KETAMINE_DEPRESSION
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import Personas

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


def drawn_signature() -> str:
    """A small drawn signature as the signing pad sends it: a PNG data URL."""
    image = Image.new("RGBA", (300, 100), (255, 255, 255, 0))
    for x in range(20, 280):
        image.putpixel((x, 50 + (x % 20) - 10), (0, 0, 0, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def approve(
    personas: Personas, patient: Patient, *, protocol_key: str = IV_KETAMINE_DEPRESSION.key
) -> None:
    """The nurse submits a complete intake and the physician approves the patient."""
    intake_save(acting_user=personas.nina, patient=patient, entry=COMPLETE_INTAKE, submit=True)
    eligibility_decide(
        acting_user=personas.alice,
        patient=patient,
        outcome=EligibilityOutcome.APPROVED,
        note="Two adequate failed trials; no contraindication.",
        protocol_key=protocol_key,
    )
