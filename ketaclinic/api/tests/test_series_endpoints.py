"""'Book the induction series' over the API: a proposal in free chairs, then the rows as proposed
or adjusted, booked whole or not at all; a refused row is named."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.scheduling_support import chairs_at, course_with_order, next_weekday
from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.clinics.models import Chair
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.tests.support import course_for, open_weekdays
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def chairs(personas: Personas) -> list[Chair]:
    open_weekdays(personas.clinic)
    return chairs_at(personas)


@pytest.fixture
def course(personas: Personas, chairs: list[Chair]) -> TreatmentCourse:
    return course_with_order(personas)


def proposal_body(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "first_day": next_weekday(personas, 0).isoformat(),
        "weekdays": [0, 2, 4],
        "preferred_time": "09:00",
        "count": 6,
    }
    body.update(changes)
    return body


def propose(client: Client, personas: Personas, course_id: int, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.fran)
    return post(client, f"courses/{course_id}/series/proposal", body, token)


def book_series(
    client: Client, personas: Personas, course_id: int, body: Any, user: Any = None
) -> Any:
    token = token_for(personas, user or personas.fran)
    return post(client, f"courses/{course_id}/series", body, token)


def test_the_proposal_is_the_preferred_days_at_the_preferred_time(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    response = propose(client, personas, course.pk, proposal_body(personas))
    assert response.status_code == 200, response.json()
    slots = response.json()["slots"]
    monday = next_weekday(personas, 0)
    assert [slot["day"] for slot in slots] == [
        (monday + datetime.timedelta(days=n)).isoformat() for n in (0, 2, 4, 7, 9, 11)
    ]
    assert {(slot["time"], slot["chair_name"]) for slot in slots} == {("09:00:00", "Chair 1")}
    assert slots[0]["starts_at"].startswith(f"{monday.isoformat()}T09:00:00")
    assert not Appointment.objects.exists()  # nothing is booked by a proposal


def test_the_proposal_booked_as_it_is(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    slots = propose(client, personas, course.pk, proposal_body(personas)).json()["slots"]
    rows = [{key: slot[key] for key in ("day", "time", "chair_id")} for slot in slots]
    response = book_series(client, personas, course.pk, {"slots": rows})
    assert response.status_code == 201, response.json()
    assert len(response.json()) == 6
    assert {row["course_id"] for row in response.json()} == {course.pk}
    assert Appointment.objects.filter(course=course, kind=VisitKind.IV_INFUSION).count() == 6


def test_a_refused_row_is_named_and_nothing_is_booked(
    client: Client, personas: Personas, course: TreatmentCourse, chairs: list[Chair]
) -> None:
    slots = propose(client, personas, course.pk, proposal_body(personas, count=3)).json()["slots"]
    # Someone else takes Chair 1 at the third treatment's time.
    third = slots[2]
    appointment_book(
        acting_user=personas.fran,
        patient=personas.quinn,
        kind=VisitKind.CONSULT,
        starts_at=local_moment(
            clinic=personas.clinic,
            day=datetime.date.fromisoformat(third["day"]),
            time=datetime.time(9),
        ),
        chair=chairs[0],
    )
    rows = [{key: slot[key] for key in ("day", "time", "chair_id")} for slot in slots]
    response = book_series(client, personas, course.pk, {"slots": rows})
    assert response.status_code == 409
    message = assert_error_shape(response, "conflict")["error"]["message"]
    assert message.startswith("Treatment 3 (")
    assert "Chair 1 is booked" in message
    assert "Nothing in the series was booked." in message
    assert not Appointment.objects.filter(course=course).exists()


def test_rows_too_close_together_are_refused_by_the_course_rules(
    client: Client, personas: Personas, course: TreatmentCourse, chairs: list[Chair]
) -> None:
    monday = next_weekday(personas, 0)
    rows = [
        {
            "day": (monday + datetime.timedelta(days=n)).isoformat(),
            "time": "09:00",
            "chair_id": chairs[0].pk,
        }
        for n in (0, 1)
    ]
    response = book_series(client, personas, course.pk, {"slots": rows})
    assert response.status_code == 409
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert message.startswith("Treatment 2 (")
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ({"day": "2027-03-14", "time": "02:30"}, "slots[1].time"),  # skipped by the clocks
        ({"time": "9am"}, "slots[1].time"),
        ({"day": "2027-02-29"}, "slots[1].day"),
        ({"chair_id": 999_999}, "slots[1].chair_id"),
        ({"nurse": "Nina"}, "slots[1].nurse"),
    ],
)
def test_a_bad_row_is_400_naming_its_field(
    client: Client,
    personas: Personas,
    course: TreatmentCourse,
    chairs: list[Chair],
    row: dict[str, Any],
    field: str,
) -> None:
    monday = next_weekday(personas, 0)
    good = {"day": monday.isoformat(), "time": "09:00", "chair_id": chairs[0].pk}
    later = {**good, "day": (monday + datetime.timedelta(days=2)).isoformat(), **row}
    response = book_series(client, personas, course.pk, {"slots": [good, later]})
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not Appointment.objects.exists()


def test_another_clinics_chair_is_not_a_chair_here(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    elsewhere = ChairFactory(room__clinic=personas.other_clinic)
    row = {"day": next_weekday(personas, 0).isoformat(), "time": "09:00", "chair_id": elsewhere.pk}
    response = book_series(client, personas, course.pk, {"slots": [row]})
    assert response.status_code == 400
    assert "slots[0].chair_id" in assert_error_shape(response, "invalid_input")["error"]["fields"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays[0]"),
        ({"count": 0}, "count"),
        ({"count": 13}, "count"),
        ({"preferred_time": "09:00Z"}, "preferred_time"),
        ({"first_day": "soon"}, "first_day"),
    ],
)
def test_a_bad_proposal_request_is_400(
    client: Client, personas: Personas, course: TreatmentCourse, changes: Any, field: str
) -> None:
    response = propose(client, personas, course.pk, proposal_body(personas, **changes))
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_no_proposal_without_a_dose_order(
    client: Client, personas: Personas, chairs: list[Chair]
) -> None:
    course = course_for(personas)
    response = propose(client, personas, course.pk, proposal_body(personas))
    assert response.status_code == 409
    assert (
        "No signed dose order"
        in assert_error_shape(response, "precondition_failed")["error"]["message"]
    )


def test_an_empty_series_is_refused(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    bodies: list[dict[str, Any]] = [{"slots": []}, {}, {"slots": "all"}]
    for body in bodies:
        response = book_series(client, personas, course.pk, body)
        assert response.status_code == 400
        assert "slots" in assert_error_shape(response, "invalid_input")["error"]["fields"]


@pytest.mark.parametrize("role", list(Role))
def test_those_who_book_propose_and_book_series(
    client: Client, personas: Personas, course: TreatmentCourse, chairs: list[Chair], role: Role
) -> None:
    user = personas.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.APPOINTMENT_BOOK].roles
    # Refused before the body is read.
    assert propose(client, personas, course.pk, {}, user=user).status_code == (
        400 if allowed else 403
    )
    assert book_series(client, personas, course.pk, {}, user=user).status_code == (
        400 if allowed else 403
    )
    row = {"day": next_weekday(personas, 0).isoformat(), "time": "09:00", "chair_id": chairs[0].pk}
    response = book_series(client, personas, course.pk, {"slots": [row]}, user=user)
    assert response.status_code == (201 if allowed else 403)
    if not allowed:
        assert_error_shape(response, "permission_refused")
        assert not Appointment.objects.exists()
