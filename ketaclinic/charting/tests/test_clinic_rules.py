"""Clinical rules the chart reads from the clinic's rules (medicine/, CLINICAL.md), not from
constants of its own."""

from __future__ import annotations

import datetime

import pytest

from ketaclinic.charting.models import TreatmentSession
from ketaclinic.charting.selectors import pregnancy_test_applies
from ketaclinic.charting.services import session_check_in
from ketaclinic.charting.tests.support import at_appointment, booked_infusion
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_pregnancy_test_age_band_is_the_clinics_rule(personas: Personas) -> None:
    """A woman of 57 is outside the default band (12–55, CLINICAL.md §4) but inside a clinic's
    band widened to 58."""
    appointment = booked_infusion(personas)
    today = personas.clinic.local_today()
    personas.pat.date_of_birth = today.replace(year=today.year - 58, day=1) + datetime.timedelta(
        days=200
    )
    personas.pat.save(update_fields=["date_of_birth"])
    with at_appointment(appointment):
        session = session_check_in(acting_user=personas.fran, appointment=appointment)
    assert personas.pat.age_on(today) == 57
    assert not pregnancy_test_applies(session)
    personas.clinic.rule_overrides = {"pregnancy_test": {"maximum_age_years": 58}}
    personas.clinic.save(update_fields=["rule_overrides"])
    assert pregnancy_test_applies(TreatmentSession.objects.get(pk=session.pk))
