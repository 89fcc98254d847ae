"""Who sees today's patients (issue 13 item 9): the clinical board for the clinicians who run the
chairs, the arrivals list (no clinical detail) for front desk and clinic admin, each look audited
once per page view and at most once a quarter hour while the page refreshes itself."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import SessionAlarm, TreatmentSession
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    ready_session,
)
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

BOARD = ("charting:board", "charting:board_body")
ARRIVALS = ("charting:arrivals", "charting:arrivals_body")


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def _alarm(session: TreatmentSession) -> None:
    reading = session.readings.get()
    SessionAlarm.objects.create(
        clinic=session.clinic,
        session=session,
        reading=reading,
        level=1,
        parameter="spo2",
        message="SpO2 93% is below 94%.",
        suggested_action="Check the probe.",
        raised_at=reading.measured_at,
        acknowledge_by=reading.measured_at + datetime.timedelta(minutes=5),
    )


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_its_own_view_of_the_day(personas: Personas, role: Role) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        client = _client(personas.staff_by_role()[role])
        board = role in PERMISSIONS[Action.SESSION_BOARD_VIEW].roles
        arrivals = role in PERMISSIONS[Action.ARRIVALS_VIEW].roles
        for name in BOARD:
            assert client.get(reverse(name)).status_code == (200 if board else 403), name
        for name in ARRIVALS:
            assert client.get(reverse(name)).status_code == (200 if arrivals else 403), name
        home = client.get(reverse("home")).content.decode()
        assert (f'href="{reverse("charting:board")}"' in home) is board
        assert (f'href="{reverse("charting:arrivals")}"' in home) is arrivals


def test_the_matrix_gives_the_board_to_clinicians_and_arrivals_to_the_desk() -> None:
    roles = PERMISSIONS[Action.SESSION_BOARD_VIEW].roles
    assert roles == {Role.PHYSICIAN, Role.MEDICAL_DIRECTOR, Role.NURSE}
    assert PERMISSIONS[Action.ARRIVALS_VIEW].roles == {Role.FRONT_DESK, Role.CLINIC_ADMIN}


def test_the_arrivals_list_shows_no_clinical_detail(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        _alarm(session)
        board = _client(personas.nina).get(reverse("charting:board_body")).content.decode()
        assert "SpO2 93% is below 94%." in board
        page = _client(personas.fran).get(reverse("charting:arrivals")).content.decode()
    assert appointment.patient.display_name in page
    assert "Arrived" in page
    for clinical in ("SpO2", "Checklist", "vitals", "Open session", "Critical", "Warning"):
        assert clinical not in page, clinical


def test_front_desk_checks_a_patient_in_from_the_arrivals_list(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        desk = _client(personas.fran)
        page = desk.get(reverse("charting:arrivals")).content.decode()
        assert "Expected" in page
        assert reverse("charting:check_in", args=[appointment.pk]) in page
        response = desk.post(reverse("charting:check_in", args=[appointment.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("charting:arrivals")
        assert "Arrived" in desk.get(reverse("charting:arrivals")).content.decode()


def test_a_look_is_audited_once_per_page_view_and_once_a_quarter_hour_while_it_refreshes(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    cases = (
        (personas.nina, BOARD, AuditAction.SESSION_BOARD_VIEWED),
        (personas.fran, ARRIVALS, AuditAction.ARRIVALS_VIEWED),
    )
    with at_appointment(appointment) as clock:
        for user, (page, body), action in cases:
            client = _client(user)

            def events(action: AuditAction = action, user: User = user) -> int:
                return AuditEvent.objects.filter(action=action, actor_id=user.pk).count()

            client.get(reverse(page))
            client.get(reverse(page))  # opening the page again is another look
            assert events() == 2
            for _ in range(3):  # the page refreshing itself (every 15 s; sampled here)
                client.get(reverse(body))
                advance(clock, 5)
            assert events() == 2
            advance(clock, 0.5)  # over a quarter hour since the last event
            client.get(reverse(body))
            assert events() == 3
            latest = AuditEvent.objects.filter(action=action).latest("id")
            assert latest.detail["refresh"] is True
            assert latest.clinic_id == personas.clinic.pk


@pytest.mark.parametrize(("user", "names"), [("nina", BOARD), ("fran", ARRIVALS)])
def test_the_day_views_take_the_same_queries_for_one_visit_and_four(
    personas: Personas, user: str, names: tuple[str, str]
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        client = _client(getattr(personas, user))
        counts: dict[str, list[int]] = {name: [] for name in names}
        for name in names:
            client.get(reverse(name))
            with CaptureQueriesContext(connection) as one:
                assert client.get(reverse(name)).status_code == 200
            counts[name].append(len(one))
        for number, patient in enumerate((personas.quinn, personas.pat, personas.quinn)):
            other = Appointment.objects.create(
                clinic=personas.clinic,
                patient=patient,
                kind=appointment.kind,
                starts_at=appointment.starts_at + datetime.timedelta(minutes=number + 1),
                ends_at=appointment.ends_at,
                chair=ChairFactory(room__clinic=personas.clinic),
                course=appointment.course,
                booked_by=personas.fran,
            )
            if number == 0:  # one more checked in
                copy = TreatmentSession.objects.get(pk=session.pk)
                copy.pk, copy.appointment, copy.patient = None, other, patient
                copy.save()
        for name in names:
            with CaptureQueriesContext(connection) as four:
                response: Any = client.get(reverse(name))
            assert response.status_code == 200
            counts[name].append(len(four))
    for name, (with_one, with_four) in counts.items():
        assert with_one == with_four, name
        assert with_four <= 22, name


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_a_day_outside_the_calendar_is_refused_not_a_500(personas: Personas, day: str) -> None:
    """`?day=9999-12-31` has no midnight after it: the page says so (400), never a 500."""
    for user, names in ((personas.nina, BOARD), (personas.fran, ARRIVALS)):
        client = _client(user)
        for name in names:
            response = client.get(reverse(name), {"day": day})
            assert response.status_code == 400, name
            assert "That day is outside the calendar" in response.content.decode(), name
