"""Every PRN dose has a bound (CLINICAL.md §5.4): above the drug's usual dose a physician gives
the reason, above its single-dose maximum it is refused, a route the table does not list is
refused, a drug it does not list needs a physician; and every dose is written "4 mg", never
"4E+3 mg" — on the page, the timeline, the note and the flash message."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.charting.models import PrnDose, TreatmentSession
from ketaclinic.charting.selectors import session_note_text, session_timeline
from ketaclinic.charting.services import active_preparation, prn_record
from ketaclinic.charting.tests.support import (
    at_appointment,
    booked_infusion,
)
from ketaclinic.charting.tests.support import infusing as _infusing
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _give(personas: Personas, session: TreatmentSession, **changes: Any) -> PrnDose:
    values: dict[str, Any] = {
        "drug": "Ondansetron",
        "dose": Decimal("4"),
        "unit": "mg",
        "route": "IV",
        **changes,
    }
    acting_user = values.pop("acting_user", personas.nina)
    return prn_record(acting_user=acting_user, session=session, **values)


@pytest.mark.parametrize(
    ("drug", "dose", "maximum"),
    [("Ondansetron", "4000", "16 mg"), ("midazolam", "50", "2.5 mg")],
)
def test_refuses_a_prn_above_the_drugs_single_dose_maximum(
    personas: Personas, drug: str, dose: str, maximum: str
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        for user in (personas.nina, personas.bob):  # whoever asks, with a reason or not
            with pytest.raises(InvalidInput) as refused:
                _give(
                    personas,
                    session,
                    acting_user=user,
                    drug=drug,
                    dose=Decimal(dose),
                    dose_override_reason="Severe symptoms",
                )
            assert f"single-dose maximum of {maximum}" in refused.value.message
            assert "E+" not in refused.value.message
            assert "dose" in refused.value.fields
    assert not PrnDose.objects.filter(session=session).exists()


def test_above_the_usual_dose_needs_a_physicians_reason(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        with pytest.raises(InvalidInput) as missing:
            _give(personas, session, dose=Decimal("8"))
        assert "above the usual 4 mg" in missing.value.message
        assert "dose_override_reason" in missing.value.fields
        with pytest.raises(PermissionRefused):
            _give(personas, session, dose=Decimal("8"), dose_override_reason="Still vomiting")
        assert not PrnDose.objects.filter(session=session).exists()
        given = _give(
            personas,
            session,
            acting_user=personas.bob,
            dose=Decimal("8"),
            dose_override_reason="Still vomiting after 4 mg",
        )
        assert given.dose_overridden_by == personas.bob
        assert given.dose_override_reason == "Still vomiting after 4 mg"
        usual = _give(personas, session)
        assert usual.dose_overridden_by is None
        assert usual.dose_override_reason == ""
        note = session_note_text(session=session)
    assert "Ondansetron 8 mg IV" in note
    assert "Still vomiting after 4 mg" in note


def test_refuses_a_route_the_table_does_not_list_and_a_unit_not_in_the_enum(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        with pytest.raises(InvalidInput) as route:
            _give(personas, session, drug="Midazolam", dose=Decimal("1"), route="PO")
        assert "not given PO" in route.value.message
        assert "route" in route.value.fields
        with pytest.raises(InvalidInput) as unit:
            _give(personas, session, unit="tablets")
        assert "unit" in unit.value.fields
    assert not PrnDose.objects.filter(session=session).exists()


def test_an_unlisted_drug_needs_a_physician_a_unit_and_a_sane_dose(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        with pytest.raises(InvalidInput, match="not in the clinic's PRN table"):
            _give(personas, session, drug="Diphenhydramine", dose=Decimal("25"))
        with pytest.raises(PermissionRefused):
            _give(
                personas,
                session,
                drug="Diphenhydramine",
                dose=Decimal("25"),
                dose_override_reason="Itching",
            )
        with pytest.raises(InvalidInput, match="check the dose and its unit"):
            _give(
                personas,
                session,
                acting_user=personas.bob,
                drug="Diphenhydramine",
                dose=Decimal("2500"),
                dose_override_reason="Itching",
            )
        given = _give(
            personas,
            session,
            acting_user=personas.bob,
            drug="Diphenhydramine",
            dose=Decimal("25"),
            dose_override_reason="Itching after the start",
        )
    assert given.dose_overridden_by == personas.bob


def test_a_dose_above_the_maximum_stored_before_the_bounds_still_displays(
    personas: Personas, client_for: Any
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        PrnDose.objects.create(  # charted before the bounds existed
            clinic=session.clinic,
            session=session,
            drug="Ondansetron",
            dose=Decimal("4E+3"),
            unit="mg",
            route="IV",
            given_at=timezone.now() - datetime.timedelta(minutes=1),
            given_by=personas.nina,
        )
        stored = PrnDose.objects.get(session=session)
        assert str(stored) == "Ondansetron 4000 mg IV"
        timeline = [
            entry.text
            for entry in session_timeline(session=session, preparation=active_preparation(session))
        ]
        assert "PRN Ondansetron 4000 mg IV" in timeline
        assert "Ondansetron 4000 mg IV" in session_note_text(session=session)
        page = client_for(personas.nina).get(reverse("charting:session", args=[session.pk]))
    assert page.status_code == 200
    assert "Ondansetron 4000 mg IV" in page.content.decode()
    assert "E+3" not in page.content.decode()


def test_the_pages_flash_and_list_a_prn_as_a_clinician_writes_it(
    personas: Personas, client_for: Any
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        client: Client = client_for(personas.nina)
        url = reverse("charting:session", args=[session.pk])
        body = {
            "step": "prn",
            "prn-drug": "Clonidine",
            "prn-dose": "0.100",
            "prn-unit": "mg",
            "prn-route": "PO",
            "prn-idempotency_key": "prn-1",
        }
        response = client.post(url, body, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        assert response.json()["message"] == "PRN recorded: Clonidine 0.1 mg PO."
        refused = client.post(
            url,
            {
                **body,
                "prn-drug": "Ondansetron",
                "prn-dose": "4000",
                "prn-route": "IV",
                "prn-idempotency_key": "prn-2",
            },
            HTTP_ACCEPT="application/json",
        )
        assert refused.status_code == 400
        assert "single-dose maximum of 16 mg" in refused.json()["message"]
        assert "dose" in refused.json()["fields"]
        page = client.get(url).content.decode()
    assert "Clonidine 0.1 mg PO" in page
