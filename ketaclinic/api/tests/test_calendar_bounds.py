"""Every endpoint that takes a day answers 400 with the calendar's refusal for a day far outside
it (9999-12-31 has no midnight after it), never a 500 (`scheduling.selectors.day_bounds`)."""

from __future__ import annotations

import pytest
from django.test import Client

from ketaclinic.api.tests.support import assert_error_shape, token_for
from ketaclinic.scheduling.tests.test_calendar_bounds import OUTSIDE, REFUSAL
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "availability?day={day}&kind=iv_infusion",
    "appointments?day={day}",
    "dashboard?date_from={day}&date_to={day}",
    "dashboard?date_to={day}",
    "inventory/movements?since={day}&until={day}",
    "inventory/reports/dispensing?start={day}&end={day}",
]


@pytest.mark.parametrize("day", OUTSIDE)
def test_an_endpoint_answers_400_for_a_day_outside_the_calendar(
    personas: Personas, day: str
) -> None:
    client = Client(raise_request_exception=False)
    headers = {"HTTP_AUTHORIZATION": f"Token {token_for(personas, personas.alice)}"}
    for endpoint in ENDPOINTS:
        response = client.get(f"/api/v1/{endpoint.format(day=day)}", **headers)
        assert response.status_code == 400, endpoint
        body = assert_error_shape(response, "invalid_input")
        assert body["error"]["message"].startswith(REFUSAL), endpoint
