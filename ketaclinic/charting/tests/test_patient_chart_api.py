"""`GET /api/v1/patients/{id}/chart` (issue 15): the patient, the current course and the newest
sessions with their vital signs in one request, one audit event and a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import get, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import (
    SessionAlarm,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.charting.services import alarm_acknowledge, pump_event_record, vitals_record
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    LOW_SPO2,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.patients.access import PATIENT_NOT_FOUND
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

CHART_READERS = PERMISSIONS[Action.PATIENT_CHART_VIEW].roles


def _chart(client: Client, patient_id: int, token: str, query: str = "") -> Any:
    return get(client, f"patients/{patient_id}/chart{query}", token)


def _chart_events(patient_id: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            action=AuditAction.PATIENT_CHART_VIEWED, patient_id=patient_id
        ).order_by("id")
    )


@pytest.fixture
def infusing(personas: Personas) -> Any:
    """Pat's session infusing under the course, a good reading and then a low SpO2 (an alarm),
    with the clock held at the treatment while the test reads."""
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS)
        advance(clock, 5)
        vitals_record(acting_user=personas.nina, session=session, **LOW_SPO2)
        advance(clock, 1)
        yield session


def _past_sessions(
    personas: Personas, course: TreatmentCourse, *, count: int, readings_each: int
) -> list[TreatmentSession]:
    """`count` discharged sessions of pat's on the days before today, newest first, each with
    `readings_each` readings three minutes apart and an alarm on every fifth. Rows made
    directly: what is measured is the read, and booking and charting 50 readings through the
    services would only make the test slow."""
    clinic, nurse = personas.clinic, personas.nina
    template = Appointment.objects.filter(course=course).first()
    assert template is not None
    sessions = []
    for days_ago in range(1, count + 1):
        starts_at = timezone.now().replace(microsecond=0) - datetime.timedelta(days=days_ago)
        appointment = Appointment.objects.create(
            clinic=clinic,
            patient=personas.pat,
            kind=template.kind,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            chair=template.chair,
            course=course,
            status=AppointmentStatus.COMPLETED,
            booked_by=personas.fran,
        )
        session = TreatmentSession.objects.create(
            clinic=clinic,
            appointment=appointment,
            patient=personas.pat,
            course=course,
            route=SessionRoute.INTRAVENOUS,
            protocol_key=course.protocol_key,
            status=SessionStatus.DISCHARGED,
            checked_in_at=starts_at,
            checked_in_by=personas.fran,
            started_at=starts_at + datetime.timedelta(minutes=20),
            stopped_at=starts_at + datetime.timedelta(minutes=60),
            observation_minimum_min=60,
            discharged_at=starts_at + datetime.timedelta(minutes=120),
            discharged_by=nurse,
        )
        for number in range(readings_each):
            measured_at = starts_at + datetime.timedelta(minutes=20 + 3 * number)
            reading = VitalSignReading.objects.create(
                clinic=clinic,
                session=session,
                measured_at=measured_at,
                phase=VitalsPhase.INFUSION,
                recorded_by=nurse,
                **(LOW_SPO2 if number % 5 == 4 else GOOD_VITALS),
            )
            if number % 5 == 4:
                SessionAlarm.objects.create(
                    clinic=clinic,
                    session=session,
                    reading=reading,
                    level=2,
                    parameter="spo2",
                    message="SpO2 88%",
                    suggested_action="Stop the infusion; airway and oxygen.",
                    raised_at=measured_at,
                    acknowledge_by=measured_at + datetime.timedelta(minutes=2),
                    acknowledged_at=measured_at + datetime.timedelta(minutes=1),
                    acknowledged_by=nurse,
                    action_taken="Oxygen 2 L; SpO2 back to 96%.",
                )
        sessions.append(session)
    return sessions


# --- what it answers ----------------------------------------------------------------------------


def test_the_chart_is_the_patient_the_course_and_the_session_with_its_vitals_and_alarms(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    token = token_for(personas, personas.nina)
    response = _chart(client, personas.pat.pk, token)
    assert response.status_code == 200, response.json()
    chart = response.json()

    # The patient as GET /patients/{id} shows it.
    assert chart["patient"] == get(client, f"patients/{personas.pat.pk}", token).json()

    course = chart["course"]
    assert course["id"] == infusing.course_id
    assert course["status"] == infusing.course.status
    assert course["protocol_key"] == infusing.course.protocol_key
    # The treatment is under way: not yet completed, still booked.
    assert (course["infusions_given"], course["infusions_booked"]) == (0, 1)
    assert course["next_checkpoint"] == min(infusing.course.review_checkpoints)
    assert course["signed_by"] == personas.bob.full_name

    [session] = chart["sessions"]
    assert session["id"] == infusing.pk
    assert session["status"] == SessionStatus.INFUSING
    assert session["chair"] == infusing.appointment.chair.name
    assert session["open_alarm_count"] == 1
    # The readings as GET /sessions/{id}/vitals answers them: same shape, order, alarms and
    # instants in the clinic's zone.
    vitals = get(client, f"sessions/{infusing.pk}/vitals", token).json()["results"]
    assert session["vitals"] == vitals
    assert [reading["spo2_percent"] for reading in session["vitals"]][-1] == 88
    [alarm] = session["vitals"][-1]["alarms"]
    assert alarm["level"] >= 1
    assert alarm["acknowledged_at"] is None
    offset = infusing.checked_in_at.astimezone(personas.clinic.zone).isoformat()[-6:]
    assert session["checked_in_at"].endswith(offset)
    assert session["vitals"][0]["measured_at"].endswith(offset)


def test_every_part_reads_as_the_endpoint_that_reads_it_apart(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    # The chart's answer is built from rows, not through the serializers: each part must still
    # equal what its own endpoint answers, field by field, with an acknowledged alarm (who
    # acknowledged it, when), a temperature (a decimal shown as text) and a rhythm.
    alarm = SessionAlarm.objects.get(session=infusing)
    alarm_acknowledge(acting_user=personas.nina, alarm=alarm, action_taken="Oxygen 2 L, chin lift")
    vitals_record(
        acting_user=personas.nina,
        session=infusing,
        **GOOD_VITALS,
        temperature_c=Decimal("36.8"),
        rhythm="sinus",
    )
    token = token_for(personas, personas.bob)
    chart = _chart(client, personas.pat.pk, token).json()

    assert chart["patient"] == get(client, f"patients/{personas.pat.pk}", token).json()
    course = get(client, f"courses/{infusing.course_id}", token).json()
    review = course.pop("review")
    course.pop("status_history")
    assert {key: chart["course"][key] for key in course} == course
    assert chart["course"]["infusions_given"] == review["infusions_given"]
    assert chart["course"]["infusions_booked"] == review["infusions_booked"]
    assert chart["course"]["next_checkpoint"] == review["next_checkpoint"]

    [session] = chart["sessions"]
    vitals = get(client, f"sessions/{infusing.pk}/vitals", token).json()["results"]
    assert session["vitals"] == vitals
    assert session["open_alarm_count"] == 0
    [acknowledged] = [alarm for reading in vitals for alarm in reading["alarms"]]
    assert acknowledged["acknowledged_by"] == personas.nina.full_name
    assert acknowledged["action_taken"] == "Oxygen 2 L, chin lift"
    assert (vitals[-1]["temperature_c"], vitals[-1]["rhythm"]) == ("36.8", "sinus")
    detail = get(client, f"sessions/{infusing.pk}", token).json()
    for name in ("appointment_id", "course_id", "route", "protocol_key", "status"):
        assert session[name] == detail[name], name
    for name in ("checked_in_at", "started_at", "stopped_at", "discharged_at"):
        assert session[name] == detail[name], name


def test_the_chart_shows_no_dose_figures(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    # A dose being checked blind must never leak through the chart: it carries no preparation
    # and no delivered mg at all (the course's prescribed starting dose is not the blinded one).
    chart = _chart(client, personas.pat.pk, token_for(personas, personas.bob)).json()
    [session] = chart["sessions"]
    for figure in ("dose", "dose_mg", "delivered_mg", "rate_ml_per_h", "drug_volume_ml"):
        assert figure not in session


def test_a_patient_without_course_or_session_reads_empty(
    client: Client, personas: Personas
) -> None:
    response = _chart(client, personas.quinn.pk, token_for(personas, personas.bob))
    assert response.status_code == 200, response.json()
    assert response.json()["course"] is None
    assert response.json()["sessions"] == []
    assert response.json()["patient"]["id"] == personas.quinn.pk


def test_the_open_course_is_the_current_one_and_completed_treatments_count_as_given(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    _past_sessions(personas, infusing.course, count=2, readings_each=1)
    course = _chart(client, personas.pat.pk, token_for(personas, personas.bob)).json()["course"]
    assert course["id"] == infusing.course_id
    assert (course["infusions_given"], course["infusions_booked"]) == (2, 1)


# --- how many sessions --------------------------------------------------------------------------


def test_five_newest_sessions_by_default_and_as_many_as_asked_newest_first(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    past = _past_sessions(personas, infusing.course, count=6, readings_each=1)
    newest_first = [infusing.pk, *(session.pk for session in past)]
    token = token_for(personas, personas.nina)

    chart = _chart(client, personas.pat.pk, token).json()
    assert [session["id"] for session in chart["sessions"]] == newest_first[:5]

    chart = _chart(client, personas.pat.pk, token, "?sessions=2").json()
    assert [session["id"] for session in chart["sessions"]] == newest_first[:2]

    chart = _chart(client, personas.pat.pk, token, "?sessions=20").json()
    assert [session["id"] for session in chart["sessions"]] == newest_first


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0", "Ask for at least 1 session."),
        ("21", "A chart shows at most 20 sessions: ask for fewer."),
        ("five", "The number of sessions is a whole number from 1 to 20."),
        ("2.5", "The number of sessions is a whole number from 1 to 20."),
    ],
)
def test_a_number_of_sessions_outside_1_to_20_is_refused_in_words(
    client: Client, personas: Personas, value: str, message: str
) -> None:
    response = _chart(
        client, personas.pat.pk, token_for(personas, personas.nina), f"?sessions={value}"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["fields"] == {"sessions": [message]}
    # Refused before reading: nothing recorded as seen.
    assert _chart_events(personas.pat.pk) == []


# --- the audit trail ----------------------------------------------------------------------------


def test_the_read_is_one_audit_event_naming_the_sessions_shown(
    client: Client, personas: Personas, infusing: TreatmentSession
) -> None:
    past = _past_sessions(personas, infusing.course, count=2, readings_each=3)
    token = token_for(personas, personas.nina)
    before = AuditEvent.objects.count()
    response = _chart(client, personas.pat.pk, token, "?sessions=2")
    assert response.status_code == 200
    new = list(AuditEvent.objects.order_by("id")[before:])
    assert [event.action for event in new] == [AuditAction.PATIENT_CHART_VIEWED]
    [event] = new
    assert event.actor_id == personas.nina.pk
    assert event.patient_id == personas.pat.pk
    assert event.clinic_id == personas.clinic.pk
    assert event.object_id == str(personas.pat.pk)
    assert {key: event.detail[key] for key in ("via", "part", "sessions")} == {
        "via": "api",
        "part": "chart",
        "sessions": [infusing.pk, past[0].pk],
    }


# --- who may read it ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_chart_as_the_matrix_says(
    client: Client, personas: Personas, role: Role
) -> None:
    response = _chart(client, personas.pat.pk, token_for(personas, personas.staff_by_role()[role]))
    if role in CHART_READERS:
        assert response.status_code == 200, response.json()
        assert response.json()["patient"]["id"] == personas.pat.pk
        assert len(_chart_events(personas.pat.pk)) == 1
    else:
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "permission_refused"
        assert _chart_events(personas.pat.pk) == []


def test_a_refused_role_learns_nothing_from_the_query(client: Client, personas: Personas) -> None:
    # Permission before validation: the front desk's bad number is a 403, not a 400.
    response = _chart(client, personas.pat.pk, token_for(personas, personas.fran), "?sessions=99")
    assert response.status_code == 403


def test_another_clinics_patient_and_a_missing_one_are_the_same_404(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.bob)
    for patient_id in (personas.bea.pk, 999_999):
        response = _chart(client, patient_id, token)
        assert response.status_code == 404
        assert response.json()["error"]["message"] == PATIENT_NOT_FOUND
    # Charlie works at the other clinic: its token reads its own patients only.
    charlie = token_for(personas, personas.charlie, personas.other_clinic)
    assert _chart(client, personas.pat.pk, charlie).status_code == 404
    assert _chart(client, personas.bea.pk, charlie).status_code == 200
    assert _chart_events(personas.pat.pk) == []


def test_a_portal_patient_and_an_anonymous_caller_are_refused(
    client_for: Any, personas: Personas
) -> None:
    portal: Client = client_for(personas.pat_user)
    assert portal.get(f"/api/v1/patients/{personas.pat.pk}/chart").status_code == 403
    portal.logout()
    assert portal.get(f"/api/v1/patients/{personas.pat.pk}/chart").status_code == 401
    assert _chart_events(personas.pat.pk) == []


# --- a fixed number of queries ------------------------------------------------------------------

# With the token, its user and membership already known to the worker (its first use, not
# measured): the patient; the course with its treatment counts; the sessions with appointment
# and chair; their readings with who recorded them; the readings' alarms with who acknowledged
# them; the one audit insert. Whatever the number of sessions and readings.
CHART_QUERIES = 6


@pytest.mark.parametrize(("sessions", "readings_each"), [(1, 10), (5, 10)])
def test_the_chart_read_costs_the_same_queries_for_one_or_five_sessions_of_ten_readings(
    client: Client,
    personas: Personas,
    django_assert_num_queries: Any,
    sessions: int,
    readings_each: int,
) -> None:
    course = booked_infusion(personas).course
    assert course is not None
    _past_sessions(personas, course, count=sessions, readings_each=readings_each)
    token = token_for(personas, personas.nina)
    _chart(client, personas.quinn.pk, token)  # the token's first use is not what is measured
    with django_assert_num_queries(CHART_QUERIES):
        response = _chart(client, personas.pat.pk, token)
    assert response.status_code == 200
    chart = response.json()
    assert len(chart["sessions"]) == sessions
    assert all(len(session["vitals"]) == readings_each for session in chart["sessions"])
    assert sum(len(reading["alarms"]) for s in chart["sessions"] for reading in s["vitals"]) == (
        2 * sessions
    )
