"""The session page's forms: a typed number is a plain decimal (spaces around it are trimmed, as
a typed field's are; an exponent, NaN or Infinity is refused), and every form a tablet may resend
carries its own idempotency key, so a resent form is stored once and a key reused for other values
is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django import forms
from django.urls import reverse

from ketaclinic.charting import forms as session_forms
from ketaclinic.charting.models import (
    PrnDose,
    PumpEvent,
    SideEffect,
    VitalSignReading,
)
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    at_appointment,
    booked_infusion,
)
from ketaclinic.charting.tests.support import infusing as _infusing
from ketaclinic.core.forms import PLAIN_NUMBER
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_every_decimal_field_of_the_session_forms_is_plain() -> None:
    decimal_fields = [
        (form.__name__, name)
        for form in vars(session_forms).values()
        if isinstance(form, type) and issubclass(form, forms.Form)
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DecimalField)
    ]
    assert decimal_fields
    loose = [
        (form_name, name)
        for form_name, name in decimal_fields
        if not isinstance(
            getattr(session_forms, form_name).base_fields[name], session_forms.PlainDecimalField
        )
    ]
    assert loose == []


@pytest.mark.parametrize("typed", ["5e1", "5E-1", "NaN", "Infinity", "1,000", "0x10", "4 mg"])
def test_a_typed_number_with_an_exponent_or_words_is_refused(typed: str) -> None:
    form = session_forms.VerifyForm({"verify-dose_mg": typed}, prefix="verify")
    assert not form.is_valid()
    assert form.errors["dose_mg"] == [PLAIN_NUMBER]


def test_spaces_around_a_typed_number_are_trimmed() -> None:
    form = session_forms.VerifyForm(
        {"verify-dose_mg": " 35 ", "verify-rate_ml_per_h": "151.1 "}, prefix="verify"
    )
    assert form.is_valid(), form.errors
    assert str(form.cleaned_data["dose_mg"]) == "35"


def test_each_pump_form_on_the_page_has_its_own_key(personas: Personas, client_for: Any) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        page = client_for(personas.nina).get(reverse("charting:session", args=[session.pk]))
    keys = re.findall(r'name="pump-idempotency_key" value="([0-9a-f]+)"', page.content.decode())
    assert len(keys) >= 3  # pause, stop and a rate change while running
    assert len(set(keys)) == len(keys)


WEB_FORMS = {
    "vitals": (
        VitalSignReading,
        {f"vitals-{name}": value for name, value in GOOD_VITALS.items()},
        {"vitals-heart_rate_bpm": "88"},
    ),
    "side_effect": (
        SideEffect,
        {"effect-kind": "nausea", "effect-severity": "mild", "effect-action": "none"},
        {"effect-severity": "severe"},
    ),
    "prn": (
        PrnDose,
        {"prn-drug": "Ondansetron", "prn-dose": "4", "prn-unit": "mg", "prn-route": "IV"},
        {"prn-route": "ODT"},
    ),
    "pump": (PumpEvent, {"pump-kind": "pause"}, {"pump-reason": "Patient asked"}),
}


@pytest.mark.parametrize("step", WEB_FORMS)
def test_a_resent_form_is_stored_once_and_its_key_reused_for_other_values_is_refused(
    personas: Personas, client_for: Any, step: str
) -> None:
    model, body, other = WEB_FORMS[step]
    prefix = next(iter(body)).split("-")[0]
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        client = client_for(personas.nina)
        url = reverse("charting:session", args=[session.pk])
        rows = model._default_manager.filter(session=session)
        before = rows.count()
        sent = {"step": step, f"{prefix}-idempotency_key": "tablet-1", **body}
        for _ in range(2):
            answer = client.post(url, sent, HTTP_ACCEPT="application/json")
            assert answer.status_code == 200, answer.content
        refused = client.post(url, {**sent, **other}, HTTP_ACCEPT="application/json")
        assert refused.status_code == 400
        assert "already sent with different values" in refused.json()["message"]
    assert rows.count() == before + 1
