"""The independent double check is blind: the verifier types the label's dose and the pump's
rate, and neither a mismatch (its message, the page it comes back on) nor the session page before
the check shows them what was prepared. (The API's side: api/tests/test_session_blind_check.py.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.charting.models import DosePreparation, TreatmentSession
from ketaclinic.charting.services import dose_prepare, dose_verify
from ketaclinic.charting.tests.support import at_appointment, booked_infusion, ready_session, vial
from ketaclinic.core.errors import InvalidInput
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

# 0.5 mg/kg × 70 kg = 35 mg; 100.7 mL over 40 min = 151.1 mL/h.
PREPARED = ("35.00", "35 mg", "151.1", "100.7")


def prepared_unverified(
    personas: Personas, appointment: Any
) -> tuple[TreatmentSession, DosePreparation]:
    session = ready_session(personas, appointment)
    preparation = dose_prepare(acting_user=personas.nina, session=session, container=vial(personas))
    assert preparation.dose_mg == Decimal("35.00")
    assert preparation.rate_ml_per_h == Decimal("151.1")
    return session, preparation


def assert_shows_nothing_prepared(text: str) -> None:
    for figure in PREPARED:
        assert figure not in text, figure


def test_a_mismatch_names_the_fields_but_not_the_prepared_values(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        _, preparation = prepared_unverified(personas, appointment)
        with pytest.raises(InvalidInput) as refused:
            dose_verify(
                acting_user=personas.bob,
                preparation=preparation,
                dose_mg=Decimal("40"),
                rate_ml_per_h=Decimal("150"),
            )
    assert set(refused.value.fields) == {"dose_mg", "rate_ml_per_h"}
    assert_shows_nothing_prepared(str(refused.value.message) + str(refused.value.fields))


def test_the_verifiers_page_shows_no_prepared_figures_before_or_after_a_mismatch(
    personas: Personas, client_for: Any
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session, _ = prepared_unverified(personas, appointment)
        url = reverse("charting:session", args=[session.pk])
        verifier = client_for(personas.bob)
        before = verifier.get(url).content.decode()
        assert "Awaiting the independent check" in before
        assert_shows_nothing_prepared(before)
        mismatch = verifier.post(
            url,
            {"step": "verify", "verify-dose_mg": "40", "verify-rate_ml_per_h": "150"},
        )
        assert mismatch.status_code == 200
        text = mismatch.content.decode()
        assert "Does not match the prepared dose." in text
        assert_shows_nothing_prepared(text)
        preparer = client_for(personas.nina).get(url).content.decode()
        assert "35 mg" in preparer
        assert "151.1 mL/h" in preparer


# A warning can carry the prepared figure (medicine.dosing: "Total 35 mg is below 200 mg, ...").
WARNING = "Total 35 mg is below 200 mg, under the dose–response threshold for pain."


def with_warning(preparation: DosePreparation) -> None:
    DosePreparation.objects.filter(pk=preparation.pk).update(warnings=[WARNING])


def test_the_verifiers_page_shows_no_warning_while_blinded(
    personas: Personas, client_for: Any
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session, preparation = prepared_unverified(personas, appointment)
        with_warning(preparation)
        url = reverse("charting:session", args=[session.pk])
        blind = client_for(personas.bob).get(url).content.decode()
        assert "Awaiting the independent check" in blind
        assert "Total 35 mg" not in blind
        assert_shows_nothing_prepared(blind)
        assert "Total 35 mg" in client_for(personas.nina).get(url).content.decode()
        dose_verify(
            acting_user=personas.bob,
            preparation=preparation,
            dose_mg=Decimal("35"),
            rate_ml_per_h=Decimal("151.1"),
        )
        assert "Total 35 mg" in client_for(personas.bob).get(url).content.decode()


def test_blinded_is_for_everyone_but_the_preparer_until_verified(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        _, preparation = prepared_unverified(personas, appointment)
        assert preparation.is_blinded_for(personas.bob)
        assert not preparation.is_blinded_for(personas.nina)
        verified = dose_verify(
            acting_user=personas.bob,
            preparation=preparation,
            dose_mg=Decimal("35"),
            rate_ml_per_h=Decimal("151.1"),
        )
        assert not verified.is_blinded_for(personas.bob)
