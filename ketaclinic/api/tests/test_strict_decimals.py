"""A number that becomes a dose or a quantity is strict in the API: a JSON number, or a string
that is exactly a plain decimal — no spaces, no exponent, no NaN or Infinity, no thousands
separators — else a 400 naming the field. One field class, used by every input serializer."""

from __future__ import annotations

import importlib
import inspect
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from rest_framework import serializers

import ketaclinic
from ketaclinic.api.fields import InputSerializer, StrictDecimalField
from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.charting.models import PrnDose
from ketaclinic.charting.services import pump_event_record
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.testing.personas import Personas

REFUSED = [
    " 0.5 ",
    "0.5 ",
    "5e1",
    "5E-1",
    "NaN",
    "Infinity",
    "-Infinity",
    "1,000",
    "0x10",
    "",
    True,
]
PLAIN = "A number, e.g. 4 or 0.5: digits with an optional decimal point, no spaces or exponent."


@pytest.mark.parametrize("sent", REFUSED)
def test_the_strict_field_refuses_anything_but_a_plain_decimal(sent: Any) -> None:
    field = StrictDecimalField(max_digits=7, decimal_places=3)
    with pytest.raises(serializers.ValidationError) as refused:
        field.run_validation(sent)
    assert refused.value.detail == [PLAIN]


@pytest.mark.parametrize(
    ("sent", "value"),
    [(4, "4"), (0.5, "0.5"), ("0.5", "0.5"), ("4", "4"), ("-1.25", "-1.25"), ("12.000", "12")],
)
def test_the_strict_field_takes_a_json_number_or_a_plain_decimal_string(
    sent: Any, value: str
) -> None:
    field = StrictDecimalField(max_digits=7, decimal_places=3)
    assert field.run_validation(sent) == Decimal(value)


def _decimal_fields(module: Any) -> list[tuple[str, serializers.Field]]:
    found: list[tuple[str, serializers.Field]] = []
    for name, member in inspect.getmembers(module, inspect.isclass):
        if issubclass(member, InputSerializer) and member.__module__ == module.__name__:
            for field_name, field in member().fields.items():
                child = getattr(field, "child", None)
                nested = getattr(child, "fields", {}) if child is not None else {}
                for inner, inner_field in [(field_name, field), *nested.items()]:
                    if isinstance(inner_field, serializers.DecimalField):
                        found.append((f"{name}.{inner}", inner_field))
    return found


def _app_input_modules() -> list[Any]:
    """Every app's API request bodies: `<app>/api/inputs.py`, or `<app>/api.py` for a small API."""
    found = []
    for app in sorted(Path(ketaclinic.__file__).parent.iterdir()):
        if (app / "api" / "inputs.py").exists():
            found.append(importlib.import_module(f"ketaclinic.{app.name}.api.inputs"))
        elif (app / "api.py").exists():
            found.append(importlib.import_module(f"ketaclinic.{app.name}.api"))
    return found


APP_INPUTS = _app_input_modules()


def test_the_apis_take_decimals() -> None:
    """The check below is not vacuous: the session, stock and intake APIs take decimals."""
    assert {module.__name__ for module in APP_INPUTS if _decimal_fields(module)} >= {
        "ketaclinic.charting.api.inputs",
        "ketaclinic.inventory.api.inputs",
        "ketaclinic.intake.api.inputs",
    }


@pytest.mark.parametrize("module", APP_INPUTS, ids=[module.__name__ for module in APP_INPUTS])
def test_every_decimal_input_is_strict(module: Any) -> None:
    loose = [
        name for name, field in _decimal_fields(module) if not isinstance(field, StrictDecimalField)
    ]
    assert loose == []


@pytest.mark.django_db
def test_a_prn_dose_with_spaces_or_an_exponent_is_a_400_on_the_dose(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        nina = token_for(personas, personas.nina)
        path = f"sessions/{session.pk}"
        body = {"drug": "Ondansetron", "unit": "mg", "route": "IV"}
        for sent in (" 0.5 ", "4e0", "NaN"):
            refused = post(client, f"{path}/prns", {**body, "dose": sent}, nina)
            assert refused.status_code == 400, sent
            assert assert_error_shape(refused, "invalid_input")["error"]["fields"] == {
                "dose": [PLAIN]
            }
        for wrong in ({"rate_ml_per_h": "1.5e2", "kind": "rate_change", "reason": "x"},):
            answer = post(client, f"{path}/events", wrong, nina)
            assert answer.status_code == 400
            assert answer.json()["error"]["fields"] == {"rate_ml_per_h": [PLAIN]}
        assert not PrnDose.objects.filter(session=session).exists()
        given = post(client, f"{path}/prns", {**body, "dose": 4}, nina)
    assert given.status_code == 201, given.json()
