"""Every time of day the API answers with is one format, `HH:MM:SS` (RFC 3339 partial-time, the
schema's `format: time`), and each answer validates against the committed OpenAPI document
(issue 13 item 11d): a clinic's opening hours, a day's availability, a proposed series."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from ketaclinic.api.tests.openapi_responses import assert_matches_schema, response_schema
from ketaclinic.api.tests.scheduling_support import chairs_at, course_with_order, next_weekday
from ketaclinic.api.tests.support import get, post, token_for
from ketaclinic.clinics.models import OpeningHours
from ketaclinic.courses.tests.support import open_weekdays
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_clinics_opening_hours_are_hh_mm_ss(client: Client, personas: Personas) -> None:
    OpeningHours.objects.create(
        clinic=personas.clinic,
        weekday=0,
        opens_at=datetime.time(7, 30),
        closes_at=datetime.time(18, 0),
    )
    response = get(client, "clinics", token_for(personas, personas.fran))
    assert response.status_code == 200
    [clinic] = assert_matches_schema(response, "/api/v1/clinics")["results"]
    assert clinic["opening_hours"] == [
        {"weekday": 0, "opens_at": "07:30:00", "closes_at": "18:00:00"}
    ]


def test_availability_answers_its_opening_hours_as_hh_mm_ss(
    client: Client, personas: Personas
) -> None:
    open_weekdays(personas.clinic)  # 07:00–19:00
    chairs_at(personas)
    day = next_weekday(personas, 0)
    response = get(
        client,
        f"availability?day={day.isoformat()}&kind=consult",
        token_for(personas, personas.fran),
    )
    assert response.status_code == 200, response.json()
    body = assert_matches_schema(response, "/api/v1/availability")
    assert body["opening_hours"] == [{"opens_at": "07:00:00", "closes_at": "19:00:00"}]


def test_a_proposed_series_answers_its_times_as_hh_mm_ss(
    client: Client, personas: Personas
) -> None:
    open_weekdays(personas.clinic)
    chairs_at(personas)
    course = course_with_order(personas)
    response = post(
        client,
        f"courses/{course.pk}/series/proposal",
        {
            "first_day": next_weekday(personas, 0).isoformat(),
            "weekdays": [0, 2, 4],
            "preferred_time": "09:30",
            "count": 3,
        },
        token_for(personas, personas.fran),
    )
    assert response.status_code == 200, response.json()
    body = assert_matches_schema(response, "/api/v1/courses/{course_id}/series/proposal", "post")
    assert {slot["time"] for slot in body["slots"]} == {"09:30:00"}


def test_every_time_of_day_in_the_document_is_one_format() -> None:
    """Each `format: time` the API answers with says `HH:MM:SS` in a pattern as well, so that a
    client's validator checks it whichever RFC 3339 production it reads `time` as."""
    for path, method in (
        ("/api/v1/clinics", "get"),
        ("/api/v1/availability", "get"),
        ("/api/v1/courses/{course_id}/series/proposal", "post"),
    ):
        schemas = response_schema(path, method, 200)["components"]["schemas"]
        for name in ("OpeningHours", "Period", "ProposedSlot"):
            for field in schemas[name]["properties"].values():
                if field.get("format") == "time":
                    assert field["pattern"] == "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$"
