"""The REMS tracker states the Patient Monitoring Form deadline from medicine/rems.py, the one
place the 7-day rule lives (CLINICAL.md §10.5), not a number typed into the page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.medicine.rems import PMF_SUBMISSION_DAYS
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_tracker_states_the_submission_rule_from_medicine(
    client_for: Any, personas: Personas
) -> None:
    page = client_for(personas.nina).get(reverse("charting:rems_tracker"))
    assert page.status_code == 200
    assert page.context["submission_days"] == PMF_SUBMISSION_DAYS
    assert f"due within {PMF_SUBMISSION_DAYS} days" in page.content.decode()
