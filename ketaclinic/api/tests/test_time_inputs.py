"""A time of day sent to the API is what the document says it takes: the clinic's wall clock as
`HH:MM`, or `HH:MM:SS` with :00 seconds (the shape every time the API answers with, so a time
read can be sent back). The document states it with a pattern, not `format: time` (RFC 3339's
partial-time, which has no `HH:MM`). Anything else is a 400 naming the field."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from ketaclinic.api.tests.openapi_responses import COMMITTED
from ketaclinic.api.tests.scheduling_support import chairs_at, course_with_order, next_weekday
from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.courses.tests.support import open_weekdays
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.personas import Personas

TIME_INPUTS = [
    ("AppointmentInputRequest", "time"),
    ("RescheduleInputRequest", "time"),
    ("SeriesProposalInputRequest", "preferred_time"),
    ("SeriesSlotInputRequest", "time"),
]
ACCEPTED = ["09:30", "09:30:00", "00:00", "23:59:00"]
REFUSED = ["9:30", "24:00", "09:60", "09:30:15", "09:30:00.000", "09:30Z", "09:30+01:00", "0930"]


def _input_schema(component: str, field: str) -> dict[str, Any]:
    document = json.loads(COMMITTED.read_text())
    schema: dict[str, Any] = document["components"]["schemas"][component]["properties"][field]
    return schema


@pytest.mark.parametrize(("component", "field"), TIME_INPUTS)
def test_each_time_input_is_documented_as_what_it_takes(component: str, field: str) -> None:
    schema = _input_schema(component, field)
    assert "format" not in schema  # `format: time` would promise RFC 3339 HH:MM:SS only
    pattern = re.compile(schema["pattern"])
    assert all(pattern.search(sent) for sent in ACCEPTED)
    assert not any(pattern.search(sent) for sent in REFUSED)
    assert "HH:MM:SS" in schema["description"]


@pytest.fixture
def booking(personas: Personas) -> tuple[Personas, str]:
    open_weekdays(personas.clinic)  # 07:00–19:00
    return personas, token_for(personas, personas.fran)


def _consult(personas: Personas, time: Any) -> dict[str, Any]:
    return {
        "patient_id": personas.pat.pk,
        "kind": "consult",
        "day": next_weekday(personas, 0).isoformat(),
        "time": time,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("sent", ["10:15", "10:15:00"])
def test_a_booking_takes_hh_mm_or_hh_mm_ss(
    client: Client, booking: tuple[Personas, str], sent: str
) -> None:
    personas, token = booking
    response = post(client, "appointments", _consult(personas, sent), token)
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"].startswith(f"{next_weekday(personas, 0).isoformat()}T10:15")


@pytest.mark.django_db
@pytest.mark.parametrize("sent", [*REFUSED, 930, None])
def test_any_other_time_is_a_400_naming_the_field(
    client: Client, booking: tuple[Personas, str], sent: Any
) -> None:
    personas, token = booking
    response = post(client, "appointments", _consult(personas, sent), token)
    assert response.status_code == 400
    fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert list(fields) == ["time"]
    if sent is not None:
        assert "HH:MM" in fields["time"][0]
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_a_proposed_series_is_booked_with_the_times_it_was_answered_with(
    client: Client, personas: Personas
) -> None:
    open_weekdays(personas.clinic)
    chairs_at(personas)
    course = course_with_order(personas)
    token = token_for(personas, personas.fran)
    proposal = post(
        client,
        f"courses/{course.pk}/series/proposal",
        {
            "first_day": next_weekday(personas, 0).isoformat(),
            "weekdays": [0, 2, 4],
            "preferred_time": "09:30:00",
            "count": 3,
        },
        token,
    )
    assert proposal.status_code == 200, proposal.json()
    slots = [
        {"day": slot["day"], "time": slot["time"], "chair_id": slot["chair_id"]}
        for slot in proposal.json()["slots"]
    ]
    assert {slot["time"] for slot in slots} == {"09:30:00"}
    booked = post(client, f"courses/{course.pk}/series", {"slots": slots}, token)
    assert booked.status_code == 201, booked.json()
    assert Appointment.objects.count() == 3
