"""The patient's sent intake writes doses and measurements as a clinician writes them: "12.5 mg"
and "170 cm", not "12.50 mg" or "170.0 cm" (a trailing zero is an error-prone notation, ISMP;
medicine.medications.plain_decimal)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.intake.models import AntidepressantTrialRecord, CurrentMedication, Intake
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_sent_intake_writes_numbers_without_trailing_zeros(
    client_for: Any, personas: Personas
) -> None:
    intake = Intake.objects.create(
        clinic=personas.clinic,
        patient=personas.pat,
        updated_by=personas.pat_user,
        height_cm=Decimal("170.0"),
        weight_kg=Decimal("72.5"),
        patient_submitted_at=timezone.now(),
    )
    CurrentMedication.objects.create(intake=intake, name="bupropion", dose_mg=Decimal("12.5"))
    AntidepressantTrialRecord.objects.create(
        intake=intake,
        drug="escitalopram",
        highest_dose_mg=Decimal("20.00"),
        weeks_at_dose=8,
        is_dose_adequate=True,
        is_adherent=True,
        outcome="no_response",
        is_current_episode=True,
    )
    text = client_for(personas.pat_user).get(reverse("portal:intake")).content.decode()
    assert "170 cm · 72.5 kg" in text
    assert "bupropion 12.5 mg" in text
    assert "up to 20 mg a day" in text
