"""GET /sessions (the clinical board) and GET /sessions/arrivals (the front desk's list) for
every role, what the arrivals list leaves out, their audit events and pinned query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.tests.support import at_appointment, booked_infusion, ready_session
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_its_own_view_of_the_day(
    client: Client, personas: Personas, role: Role
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        token = token_for(personas, personas.staff_by_role()[role])
        board = get(client, "sessions", token)
        arrivals = get(client, "sessions/arrivals", token)
    assert board.status_code == (
        200 if role in PERMISSIONS[Action.SESSION_BOARD_VIEW].roles else 403
    )
    assert arrivals.status_code == (200 if role in PERMISSIONS[Action.ARRIVALS_VIEW].roles else 403)


def test_the_arrivals_list_has_no_clinical_detail_and_each_call_is_audited(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        ready_session(personas, appointment)
        token = token_for(personas, personas.fran)
        body = get(client, "sessions/arrivals", token).json()
        get(client, "sessions/arrivals", token)
    (row,) = body["results"]
    assert set(row) == {
        "appointment_id",
        "starts_at",
        "patient_id",
        "patient_name",
        "chair",
        "status",
        "status_label",
        "arrived_at",
        "escort_confirmed",
        "can_check_in",
    }
    assert (row["appointment_id"], row["status"], row["can_check_in"]) == (
        appointment.pk,
        "arrived",
        False,
    )
    events = AuditEvent.objects.filter(action=AuditAction.ARRIVALS_VIEWED)
    assert events.count() == 2
    assert {event.detail["via"] for event in events} == {"api"}


def test_the_board_call_is_audited_as_a_board_view(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        assert get(client, "sessions", token_for(personas, personas.nina)).status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.SESSION_BOARD_VIEWED)
    assert (event.actor_id, event.detail["via"]) == (personas.nina.pk, "api")


@pytest.mark.parametrize(("who", "path"), [("nina", "sessions"), ("fran", "sessions/arrivals")])
def test_the_day_lists_take_a_fixed_number_of_queries(
    client: Client, personas: Personas, who: str, path: str
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        ready_session(personas, appointment)
        token = token_for(personas, getattr(personas, who))
        get(client, path, token)
        with CaptureQueriesContext(connection) as queries:
            assert get(client, path, token).status_code == 200
    assert len(queries) <= 20


@pytest.mark.parametrize(("who", "path"), [("nina", "sessions"), ("fran", "sessions/arrivals")])
@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_a_date_outside_the_calendar_is_a_400_not_a_500(
    client: Client, personas: Personas, who: str, path: str, date: str
) -> None:
    token = token_for(personas, getattr(personas, who))
    response = get(client, f"{path}?date={date}", token)
    body = assert_error_shape(response, "invalid_input")
    assert response.status_code == 400
    assert body["error"]["message"].startswith("That day is outside the calendar")
