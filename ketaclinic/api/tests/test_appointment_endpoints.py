"""Appointments over the API: booking at the clinic's wall clock with every refusal of the
scheduling service, moving, cancelling, missed visits, the day and patient lists, free chair
time; every role against the matrix; other clinics' rows are 404."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.scheduling_support import chairs_at, course_with_order, next_weekday
from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import Chair, OpeningHours
from ketaclinic.courses.tests.support import course_for, open_weekdays
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.factories import ChairFactory, PatientFactory, staff_member
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

BOOKERS = PERMISSIONS[Action.APPOINTMENT_BOOK].roles
READERS = BOOKERS | PERMISSIONS[Action.PATIENT_CHART_VIEW].roles


@pytest.fixture
def setup(personas: Personas) -> Personas:
    open_weekdays(personas.clinic)  # 07:00–19:00 every day
    return personas


@pytest.fixture
def chairs(setup: Personas) -> list[Chair]:
    return chairs_at(setup)


def monday(personas: Personas, weeks: int = 1) -> datetime.date:
    return next_weekday(personas, 0, weeks)


def consult(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "patient_id": personas.pat.pk,
        "kind": "consult",
        "day": monday(personas).isoformat(),
        "time": "10:00",
    }
    body.update(changes)
    return body


def book(client: Client, personas: Personas, body: Any, user: Any = None) -> Any:
    return post(client, "appointments", body, token_for(personas, user or personas.fran))


def booked(personas: Personas, day: datetime.date, hour: int, **changes: Any) -> Appointment:
    values: dict[str, Any] = {
        "acting_user": personas.fran,
        "patient": personas.pat,
        "kind": VisitKind.CONSULT,
        "starts_at": local_moment(clinic=personas.clinic, day=day, time=datetime.time(hour)),
    }
    values.update(changes)
    return appointment_book(**values)


# --- booking -----------------------------------------------------------------------------------


def test_the_front_desk_books_a_consult_at_the_clinics_wall_clock(
    client: Client, setup: Personas
) -> None:
    response = book(client, setup, consult(setup, note="First visit.", clinician_id=setup.bob.pk))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/appointments/{body['id']}"
    local = datetime.datetime.fromisoformat(body["starts_at"])
    assert (local.date(), local.time()) == (monday(setup), datetime.time(10))
    assert (
        local.utcoffset()
        == datetime.datetime.now(setup.clinic.zone)
        .replace(year=local.year, month=local.month, day=local.day)
        .utcoffset()
    )
    assert datetime.datetime.fromisoformat(body["ends_at"]) - local == datetime.timedelta(hours=1)
    assert body["kind"] == VisitKind.CONSULT
    assert body["status"] == AppointmentStatus.BOOKED
    assert (body["patient_id"], body["patient_name"]) == (setup.pat.pk, setup.pat.display_name)
    assert (body["clinician_id"], body["clinician_name"]) == (setup.bob.pk, setup.bob.full_name)
    assert (body["chair_id"], body["course_id"], body["note"]) == (None, None, "First visit.")
    event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_BOOKED)
    assert (event.actor_id, event.patient_id) == (setup.fran.pk, setup.pat.pk)
    assert get(client, f"appointments/{body['id']}", token_for(setup, setup.fran)).json() == body


@pytest.mark.parametrize(
    ("day", "offset"),
    [(datetime.date(2027, 3, 12), "-07:00"), (datetime.date(2027, 3, 15), "-06:00")],
)
def test_nine_oclock_stays_nine_oclock_across_the_clock_change(
    client: Client, setup: Personas, day: datetime.date, offset: str
) -> None:
    response = book(client, setup, consult(setup, day=day.isoformat(), time="09:00"))
    assert response.status_code == 201
    assert response.json()["starts_at"] == f"{day.isoformat()}T09:00:00{offset}"


def test_a_time_the_clocks_skip_is_refused(client: Client, setup: Personas) -> None:
    # US clocks go from 02:00 to 03:00 on 14 March 2027.
    response = book(client, setup, consult(setup, day="2027-03-14", time="02:30"))
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert "does not exist at the clinic" in body["error"]["message"]
    assert set(body["error"]["fields"]) == {"time"}
    assert not Appointment.objects.exists()


def test_a_treatment_is_booked_under_the_patients_open_course(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    course = course_with_order(setup)
    body = consult(setup, kind="iv_infusion", time="09:00", chair_id=chairs[0].pk)
    response = book(client, setup, body)
    assert response.status_code == 201, response.json()
    assert (response.json()["course_id"], response.json()["chair_name"]) == (course.pk, "Chair 1")
    review = get(client, f"courses/{course.pk}", token_for(setup, setup.nina)).json()["review"]
    assert review["infusions_booked"] == 1


def test_a_treatment_without_a_course_is_refused(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    response = book(client, setup, consult(setup, kind="iv_infusion", chair_id=chairs[0].pk))
    assert response.status_code == 409
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert "booked under the patient's signed treatment course" in message
    assert not Appointment.objects.exists()


def test_a_treatment_without_a_dose_order_is_refused(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    course_for(setup)
    response = book(client, setup, consult(setup, kind="iv_infusion", chair_id=chairs[0].pk))
    assert response.status_code == 409
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert "No signed dose order covers" in message
    assert not Appointment.objects.exists()


def test_a_treatment_without_a_chair_is_refused_on_the_chair_field(
    client: Client, setup: Personas
) -> None:
    course_with_order(setup)
    response = book(client, setup, consult(setup, kind="iv_infusion"))
    assert response.status_code == 400
    assert "chair_id" in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_treatments_closer_than_the_minimum_interval_are_refused(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    course_with_order(setup)
    first = consult(setup, kind="iv_infusion", time="09:00", chair_id=chairs[0].pk)
    assert book(client, setup, first).status_code == 201
    tuesday = (monday(setup) + datetime.timedelta(days=1)).isoformat()
    response = book(client, setup, {**first, "day": tuesday})
    assert response.status_code == 409
    assert "48" in assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert Appointment.objects.count() == 1


def test_the_patient_and_the_chair_cannot_be_double_booked(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    assert book(client, setup, consult(setup, chair_id=chairs[0].pk)).status_code == 201
    again = book(client, setup, consult(setup, kind="therapy", time="10:30"))
    assert again.status_code == 409
    assert "already has consultation" in assert_error_shape(again, "conflict")["error"]["message"]
    other = book(client, setup, consult(setup, patient_id=setup.quinn.pk, chair_id=chairs[0].pk))
    assert other.status_code == 409
    assert "Chair 1 is booked" in assert_error_shape(other, "conflict")["error"]["message"]
    assert Appointment.objects.count() == 1


def test_a_visit_outside_the_opening_hours_is_refused(client: Client, setup: Personas) -> None:
    response = book(client, setup, consult(setup, time="06:30"))
    assert response.status_code == 409
    assert (
        "outside the clinic's hours"
        in assert_error_shape(response, "precondition_failed")["error"]["message"]
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"day": "2027-02-30"}, "day"),
        ({"day": "next monday"}, "day"),
        ({"day": "2027-03-15T09:00:00"}, "day"),
        ({"time": "25:00"}, "time"),
        ({"time": "09:00+02:00"}, "time"),
        ({"time": 900}, "time"),
        ({"kind": "massage"}, "kind"),
        ({"patient_id": "pat"}, "patient_id"),
        ({"note": "x" * 501}, "note"),
        ({"starts_at": "2027-03-15T09:00:00-06:00"}, "starts_at"),
        ({"chair_id": 999_999}, "chair_id"),
        ({"clinician_id": 999_999}, "clinician_id"),
    ],
)
def test_a_bad_field_is_400_naming_it(
    client: Client, setup: Personas, changes: dict[str, Any], field: str
) -> None:
    response = book(client, setup, consult(setup, **changes))
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not Appointment.objects.exists()


def test_a_day_in_the_past_or_over_a_year_ahead_is_refused(client: Client, setup: Personas) -> None:
    yesterday = setup.clinic.local_today() - datetime.timedelta(days=1)
    past = book(client, setup, consult(setup, day=yesterday.isoformat()))
    assert past.status_code == 400
    assert "has passed" in assert_error_shape(past, "invalid_input")["error"]["message"]
    far = setup.clinic.local_today() + datetime.timedelta(days=400)
    ahead = book(client, setup, consult(setup, day=far.isoformat()))
    assert ahead.status_code == 400
    assert "day" in assert_error_shape(ahead, "invalid_input")["error"]["fields"]


def test_only_the_clinics_chairs_and_clinicians_can_be_named(
    client: Client, setup: Personas
) -> None:
    elsewhere = ChairFactory(room__clinic=setup.other_clinic)
    response = book(client, setup, consult(setup, chair_id=elsewhere.pk))
    assert response.status_code == 400
    assert "chair_id" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    for clinician in (setup.charlie, setup.fran):  # another clinic's; not a clinician
        response = book(client, setup, consult(setup, clinician_id=clinician.pk))
        assert response.status_code == 400
        assert "clinician_id" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not Appointment.objects.exists()


def test_a_chair_out_of_service_is_refused(client: Client, setup: Personas) -> None:
    broken = ChairFactory(room__clinic=setup.clinic, name="Chair 9", is_active=False)
    response = book(client, setup, consult(setup, chair_id=broken.pk))
    assert response.status_code == 409
    assert (
        "out of service" in assert_error_shape(response, "precondition_failed")["error"]["message"]
    )


# --- moving, cancelling, missed ----------------------------------------------------------------


def act(client: Client, personas: Personas, appointment: Any, verb: str, body: Any) -> Any:
    path = f"appointments/{appointment.pk}/{verb}"
    return post(client, path, body, token_for(personas, personas.fran))


def test_moving_keeps_the_chair_and_frees_the_old_time(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    appointment = booked(setup, monday(setup), 10, chair=chairs[1])
    body = {"day": monday(setup).isoformat(), "time": "14:30", "reason": "Patient asked"}
    response = act(client, setup, appointment, "reschedule", body)
    assert response.status_code == 200, response.json()
    assert response.json()["starts_at"].startswith(f"{monday(setup).isoformat()}T14:30:00")
    assert response.json()["chair_id"] == chairs[1].pk
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).count() == 1
    # The old time is free; a chair can be changed or dropped.
    assert book(client, setup, consult(setup, patient_id=setup.quinn.pk)).status_code == 201
    dropped = act(client, setup, appointment, "reschedule", {**body, "chair_id": None})
    assert dropped.json()["chair_id"] is None


def test_moving_onto_another_booking_or_a_skipped_time_is_refused(
    client: Client, setup: Personas
) -> None:
    appointment = booked(setup, monday(setup), 10)
    booked(setup, monday(setup), 14, kind=VisitKind.FOLLOW_UP)
    clash = act(
        client,
        setup,
        appointment,
        "reschedule",
        {"day": monday(setup).isoformat(), "time": "14:15", "reason": "Later"},
    )
    assert clash.status_code == 409
    assert_error_shape(clash, "conflict")
    skipped = act(
        client,
        setup,
        appointment,
        "reschedule",
        {"day": "2027-03-14", "time": "02:15", "reason": "Earlier"},
    )
    assert skipped.status_code == 400
    assert set(assert_error_shape(skipped, "invalid_input")["error"]["fields"]) == {"time"}
    missing = act(client, setup, appointment, "reschedule", {"time": "11:00"})
    assert missing.status_code == 400
    assert {"day", "reason"} <= set(assert_error_shape(missing, "invalid_input")["error"]["fields"])
    no_reason = act(
        client,
        setup,
        appointment,
        "reschedule",
        {"day": monday(setup).isoformat(), "time": "16:00", "reason": " "},
    )
    assert no_reason.status_code == 400
    assert "reason" in assert_error_shape(no_reason, "invalid_input")["error"]["fields"]
    appointment.refresh_from_db()
    assert appointment.starts_at.astimezone(setup.clinic.zone).hour == 10


def test_cancelling_needs_a_reason_and_happens_once(client: Client, setup: Personas) -> None:
    appointment = booked(setup, monday(setup), 10)
    blank = act(client, setup, appointment, "cancel", {"reason": "  "})
    assert blank.status_code == 400
    assert "reason" in assert_error_shape(blank, "invalid_input")["error"]["fields"]
    response = act(client, setup, appointment, "cancel", {"reason": "Patient unwell."})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["status_reason"]) == (
        AppointmentStatus.CANCELLED,
        "Patient unwell.",
    )
    again = act(client, setup, appointment, "cancel", {"reason": "Again."})
    assert again.status_code == 409
    assert (
        "already cancelled" in assert_error_shape(again, "precondition_failed")["error"]["message"]
    )
    moved = act(
        client,
        setup,
        appointment,
        "reschedule",
        {"day": monday(setup).isoformat(), "time": "11:00", "reason": "Unwell"},
    )
    assert moved.status_code == 409


def test_a_no_show_is_marked_only_once_the_visit_has_started(
    client: Client, setup: Personas
) -> None:
    appointment = booked(setup, monday(setup), 10)
    early = act(client, setup, appointment, "no-show", {"reason": "Not here."})
    assert early.status_code == 409
    assert_error_shape(early, "precondition_failed")
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=20),
        ends_at=timezone.now() + datetime.timedelta(minutes=40),
    )
    response = act(client, setup, appointment, "no-show", {"reason": "No answer by phone."})
    assert response.status_code == 200
    assert response.json()["status"] == AppointmentStatus.NO_SHOW
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_NO_SHOW).count() == 1


# --- lists -------------------------------------------------------------------------------------


def test_the_day_list_is_the_clinics_day_whatever_the_status(
    client: Client, setup: Personas
) -> None:
    day = monday(setup)
    first = booked(setup, day, 9)
    cancelled = booked(setup, day, 11)
    cancelled.status = AppointmentStatus.CANCELLED
    cancelled.save()
    booked(setup, day + datetime.timedelta(days=1), 9)
    booked(setup, day, 8, patient=setup.quinn)
    response = get(client, f"appointments?day={day.isoformat()}", token_for(setup, setup.fran))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]][1:] == [first.pk, cancelled.pk]
    assert body["results"][0]["patient_name"] == setup.quinn.display_name
    paged = get(
        client, f"appointments?day={day.isoformat()}&page_size=2", token_for(setup, setup.fran)
    )
    assert paged.json()["next"] is not None
    today = get(client, "appointments", token_for(setup, setup.fran))
    assert today.json()["count"] == 0


def test_the_day_list_costs_the_same_queries_for_many_rows(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    day = monday(setup)
    token = token_for(setup, setup.fran)
    booked(setup, day, 9, chair=chairs[0], clinician=setup.nina)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert get(client, f"appointments?day={day.isoformat()}", token).status_code == 200
        return len(queries)

    count()  # the token's first use is recorded once
    few = count()
    for hour in (10, 12, 14, 16):
        booked(setup, day, hour, patient=PatientFactory(clinic=setup.clinic), chair=chairs[1])
    assert count() == few


@pytest.mark.parametrize("query", ["day=2027-13-01", "day=monday", "day=2027-03-15T00:00"])
def test_a_bad_day_is_400(client: Client, setup: Personas, query: str) -> None:
    response = get(client, f"appointments?{query}", token_for(setup, setup.fran))
    assert response.status_code == 400
    assert "day" in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_a_patients_appointments_latest_first(client: Client, setup: Personas) -> None:
    early = booked(setup, monday(setup), 9)
    late = booked(setup, monday(setup, weeks=2), 9)
    booked(setup, monday(setup), 11, patient=setup.quinn)
    response = get(client, f"patients/{setup.pat.pk}/appointments", token_for(setup, setup.theo))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [late.pk, early.pk]


# --- availability ------------------------------------------------------------------------------


def test_free_chair_time_is_the_opening_hours_less_the_bookings(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    day = monday(setup)
    booked(setup, day, 8, chair=chairs[0])  # a consult in Chair 1, 08:00–09:00
    response = get(
        client, f"availability?day={day.isoformat()}&kind=iv_infusion", token_for(setup, setup.fran)
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["day"], body["kind"], body["duration_minutes"]) == (
        day.isoformat(),
        "iv_infusion",
        100,
    )
    assert body["opening_hours"] == [{"opens_at": "07:00:00", "closes_at": "19:00:00"}]
    one, two = body["chairs"]
    assert (one["chair_name"], two["chair_name"]) == ("Chair 1", "Chair 2")

    def clock(value: str) -> str:
        return datetime.datetime.fromisoformat(value).strftime("%H:%M")

    assert [
        (clock(p["starts_at"]), clock(p["ends_at"]), clock(p["latest_start"])) for p in one["free"]
    ] == [("09:00", "19:00", "17:20")]  # 07:00–08:00 is too short for a 100-minute infusion
    assert [(clock(p["starts_at"]), clock(p["ends_at"])) for p in two["free"]] == [
        ("07:00", "19:00")
    ]


def test_a_closed_day_has_no_free_time(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    day = monday(setup)
    OpeningHours.objects.filter(clinic=setup.clinic, weekday=day.weekday()).delete()
    body = get(
        client, f"availability?day={day.isoformat()}&kind=consult", token_for(setup, setup.fran)
    ).json()
    assert body["opening_hours"] == []
    assert [chair["free"] for chair in body["chairs"]] == [[], []]


def test_a_closure_has_no_free_time(client: Client, setup: Personas, chairs: list[Chair]) -> None:
    from ketaclinic.scheduling.staffing import closure_add

    day = monday(setup)
    closure_add(acting_user=setup.ada, clinic=setup.clinic, day=day, reason="Staff training")
    body = get(
        client, f"availability?day={day.isoformat()}&kind=consult", token_for(setup, setup.fran)
    ).json()
    assert body["opening_hours"] == []
    assert [chair["free"] for chair in body["chairs"]] == [[], []]


def test_time_already_past_today_is_not_free(
    client: Client, setup: Personas, chairs: list[Chair]
) -> None:
    today = setup.clinic.local_today()
    body = get(
        client, f"availability?day={today.isoformat()}&kind=follow_up", token_for(setup, setup.fran)
    ).json()
    now = timezone.now()
    for chair in body["chairs"]:
        for period in chair["free"]:
            assert datetime.datetime.fromisoformat(period["starts_at"]) >= now


@pytest.mark.parametrize(
    "query", ["day=2027-03-15", "day=2027-03-15&kind=massage", "kind=consult&day=x"]
)
def test_availability_needs_a_kind_and_a_day(client: Client, setup: Personas, query: str) -> None:
    response = get(client, f"availability?{query}", token_for(setup, setup.fran))
    assert response.status_code == 400
    assert_error_shape(response, "invalid_input")


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_what_the_matrix_allows(
    client: Client, setup: Personas, chairs: list[Chair], role: Role
) -> None:
    user = setup.staff_by_role()[role]
    token = token_for(setup, user)
    books = role in BOOKERS
    appointment = booked(setup, monday(setup), 9)
    day = monday(setup).isoformat()
    reads = {
        f"appointments?day={day}": books,
        f"appointments/{appointment.pk}": books,
        f"availability?day={day}&kind=consult": books,
        f"patients/{setup.pat.pk}/appointments": role in READERS,
    }
    for path, allowed in reads.items():
        response = get(client, path, token)
        assert response.status_code == (200 if allowed else 403), path
        if not allowed:
            assert_error_shape(response, "permission_refused")
    # Writes: refused before the body is read.
    writes = [
        ("appointments", consult(setup, time="12:00"), 201),
        (
            f"appointments/{appointment.pk}/reschedule",
            {"day": day, "time": "15:00", "reason": "Later"},
            200,
        ),
        (f"appointments/{appointment.pk}/no-show", {"reason": "x"}, 409),  # not started yet
        (f"appointments/{appointment.pk}/cancel", {"reason": "Unwell."}, 200),
    ]
    for path, body, allowed_status in writes:
        assert post(client, path, {}, token).status_code == (400 if books else 403), path
        response = post(client, path, body, token)
        assert response.status_code == (allowed_status if books else 403), path
    if not books:
        assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED
        assert Appointment.objects.count() == 1


def test_another_clinic_sees_none_of_these_appointments(client: Client, setup: Personas) -> None:
    appointment = booked(setup, monday(setup), 9)
    front_desk = staff_member(setup.other_clinic, Role.FRONT_DESK)
    token = token_for(setup, front_desk, setup.other_clinic)
    day = monday(setup).isoformat()
    for path in (f"appointments/{appointment.pk}", f"patients/{setup.pat.pk}/appointments"):
        response = get(client, path, token)
        assert response.status_code == 404, path
        assert_error_shape(response, "not_found")
    for verb, body in [
        ("reschedule", {"day": day, "time": "15:00", "reason": "Later"}),
        ("cancel", {"reason": "x"}),
        ("no-show", {"reason": "x"}),
    ]:
        response = post(client, f"appointments/{appointment.pk}/{verb}", body, token)
        assert response.status_code == 404, verb
    response = post(client, "appointments", consult(setup, time="12:00"), token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")
    assert get(client, f"appointments?day={day}", token).json()["count"] == 0
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert Appointment.objects.count() == 1
