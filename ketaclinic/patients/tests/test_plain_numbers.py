"""The chart writes a medication's dose as a clinician writes it: "100 mg", never "1E+2 mg" nor
"100.00 mg" (medicine.medications.plain_decimal, issue 13 item 3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.intake.models import CurrentMedication, Intake
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_medication_dose_on_the_chart_is_written_in_plain_digits(
    client_for: Any, personas: Personas
) -> None:
    intake = Intake.objects.create(
        clinic=personas.clinic, patient=personas.pat, updated_by=personas.bob
    )
    CurrentMedication.objects.create(intake=intake, name="sertraline", dose_mg=Decimal("100"))
    CurrentMedication.objects.create(intake=intake, name="lorazepam", dose_mg=Decimal("0.5"))
    page = client_for(personas.bob).get(reverse("patients:detail", args=[personas.pat.pk]))
    text = page.content.decode()
    assert "sertraline 100 mg" in text
    assert "lorazepam 0.5 mg" in text
    assert "E+" not in text
