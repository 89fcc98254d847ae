"""Courses and dose orders over the API: physicians sign, clinical staff read them whole, the
front desk reads what scheduling needs, refusals in the error shape, other clinics see nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.scheduling_support import course_with_order
from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.models import Treatment
from ketaclinic.courses.models import CourseStatus, DoseOrder, TreatmentCourse
from ketaclinic.courses.tests.support import consent, course_for
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

COURSE = {
    "target_infusions": 6,
    "starting_dose": "0.5",
    "titration_plan": "0.5 → 0.75 mg/kg at infusion 3 if under 20% better and tolerated.",
    "booster_plan": "Single boosters when PHQ-9 rises 5 points.",
}
CLINICAL_READERS = PERMISSIONS[Action.PATIENT_CHART_VIEW].roles
BOOKERS = PERMISSIONS[Action.APPOINTMENT_BOOK].roles


@pytest.fixture
def ready(personas: Personas) -> Personas:
    """pat approved for IV ketamine with current consent: a course can be signed."""
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    return personas


def create(client: Client, personas: Personas, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.bob)
    return post(client, f"patients/{personas.pat.pk}/courses", body, token)


# --- creating and signing ----------------------------------------------------------------------


def test_a_physician_creates_and_signs_a_course(client: Client, ready: Personas) -> None:
    response = create(client, ready, {**COURSE, "note": "Driver: her brother."})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["Location"] == f"/api/v1/courses/{body['id']}"
    assert body["status"] == CourseStatus.PLANNED
    assert body["protocol_key"] == "iv-ketamine-depression@1"
    assert body["signed_by"] == ready.bob.full_name
    assert (body["target_infusions"], body["minimum_interval_hours"]) == (6, 48)
    assert body["clinical"]["starting_dose"] == "0.500"
    assert body["clinical"]["note"] == "Driver: her brother."
    assert body["review"] == {
        "infusions_given": 0,
        "infusions_booked": 0,
        "next_checkpoint": 4,
        "recommendation": "",
    }
    assert body["signed_at"].endswith(("-07:00", "-06:00"))  # the clinic's offset (Denver)
    course = TreatmentCourse.objects.get(pk=body["id"])
    assert course.signed_by == ready.bob
    assert AuditEvent.objects.filter(
        action=AuditAction.COURSE_SIGNED, object_id=str(course.pk)
    ).exists()


def test_no_course_without_an_approval(client: Client, personas: Personas) -> None:
    response = create(client, personas, COURSE)
    assert response.status_code == 409
    assert (
        "signed approval" in assert_error_shape(response, "precondition_failed")["error"]["message"]
    )
    assert not TreatmentCourse.objects.exists()


def test_no_course_without_current_consent(client: Client, personas: Personas) -> None:
    approve(personas, personas.pat)
    response = create(client, personas, COURSE)
    assert response.status_code == 409
    assert_error_shape(response, "precondition_failed")
    assert not TreatmentCourse.objects.exists()


def test_a_second_open_course_is_a_conflict(client: Client, ready: Personas) -> None:
    assert create(client, ready, COURSE).status_code == 201
    response = create(client, ready, COURSE)
    assert response.status_code == 409
    assert (
        "already has an open course" in assert_error_shape(response, "conflict")["error"]["message"]
    )
    assert TreatmentCourse.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**COURSE, "target_infusions": 13}, "target_infusions"),
        ({**COURSE, "target_infusions": "six"}, "target_infusions"),
        ({**COURSE, "starting_dose": "0"}, "starting_dose"),
        ({**COURSE, "starting_dose": "5"}, "starting_dose"),  # above the protocol's cap
        ({**COURSE, "titration_plan": "  "}, "titration_plan"),
        ({**COURSE, "booster_plan": "x" * 501}, "booster_plan"),
        ({**COURSE, "protocol_key": "esketamine@1"}, "protocol_key"),
        ({k: v for k, v in COURSE.items() if k != "starting_dose"}, "starting_dose"),
    ],
)
def test_a_plan_the_rules_do_not_allow_is_refused_with_field_messages(
    client: Client, ready: Personas, body: dict[str, Any], field: str
) -> None:
    response = create(client, ready, body)
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not TreatmentCourse.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_sign_courses(client: Client, ready: Personas, role: Role) -> None:
    user = ready.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.COURSE_SIGN].roles
    # Refused before the body is read.
    assert create(client, ready, {}, user=user).status_code == (400 if allowed else 403)
    response = create(client, ready, COURSE, user=user)
    assert response.status_code == (201 if allowed else 403)
    if not allowed:
        assert_error_shape(response, "permission_refused")
        assert not TreatmentCourse.objects.exists()


# --- reading -----------------------------------------------------------------------------------


@pytest.fixture
def course(personas: Personas) -> TreatmentCourse:
    return course_for(personas)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reads_the_course_as_the_staff_page_shows_it(
    client: Client, personas: Personas, course: TreatmentCourse, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    token = token_for(personas, user)
    detail = get(client, f"courses/{course.pk}", token)
    listed = get(client, f"patients/{personas.pat.pk}/courses", token)
    if role in CLINICAL_READERS:
        assert detail.status_code == listed.status_code == 200
        assert detail.json()["clinical"]["titration_plan"].startswith("0.5 →")
        assert detail.json()["review"]["recommendation"] == ""
        assert listed.json()[0]["clinical"]["starting_dose"] == "0.500"
    elif role in BOOKERS:  # front desk, clinic admin: the schedule, not the doses
        assert detail.status_code == listed.status_code == 200
        body = detail.json()
        assert body["clinical"] is None
        assert body["review"]["recommendation"] is None
        assert body["review"]["next_checkpoint"] == 4
        assert (body["minimum_interval_hours"], body["maximum_per_week"]) == (48, 3)
        assert "starting_dose" not in str(body)
        assert "0.75 mg/kg at infusion 3" not in str(body)  # the titration plan
        assert listed.json()[0]["clinical"] is None
    else:
        for response in (detail, listed):
            assert response.status_code == 403
            assert_error_shape(response, "permission_refused")


def test_reading_a_course_is_recorded_as_a_chart_view(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    AuditEvent.objects.filter(action=AuditAction.PATIENT_CHART_VIEWED).delete()
    assert (
        get(client, f"courses/{course.pk}", token_for(personas, personas.fran)).status_code == 200
    )
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_CHART_VIEWED)
    assert (event.actor_id, event.patient_id) == (personas.fran.pk, personas.pat.pk)


def test_a_patient_without_courses_has_an_empty_list(client: Client, personas: Personas) -> None:
    response = get(
        client, f"patients/{personas.quinn.pk}/courses", token_for(personas, personas.bob)
    )
    assert response.status_code == 200
    assert response.json() == []


# --- status ------------------------------------------------------------------------------------


def move(client: Client, personas: Personas, course_id: int, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.bob)
    return post(client, f"courses/{course_id}/status", body, token)


def test_a_course_moves_along_its_lifecycle(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    response = move(client, personas, course.pk, {"to_status": "induction"})
    assert response.status_code == 200
    assert response.json()["status"] == CourseStatus.INDUCTION
    stopped = move(
        client, personas, course.pk, {"to_status": "stopped", "reason": "Patient moved away."}
    )
    assert stopped.json()["status_reason"] == "Patient moved away."
    assert AuditEvent.objects.filter(action=AuditAction.COURSE_STATUS_CHANGED).count() == 2
    # Every earlier move is kept with its reason, not only the current one (issue 13 item 2).
    history = get(client, f"courses/{course.pk}", token_for(personas, personas.bob)).json()
    assert [
        (change["from_status"], change["to_status"], change["reason"])
        for change in history["status_history"]
    ] == [("planned", "induction", ""), ("induction", "stopped", "Patient moved away.")]
    desk = get(client, f"courses/{course.pk}", token_for(personas, personas.fran)).json()
    assert desk["status_history"] is None


def test_a_move_the_lifecycle_does_not_allow_is_409(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    response = move(client, personas, course.pk, {"to_status": "maintenance"})
    assert response.status_code == 409
    assert (
        "cannot become" in assert_error_shape(response, "precondition_failed")["error"]["message"]
    )
    assert TreatmentCourse.objects.get(pk=course.pk).status == CourseStatus.PLANNED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to_status": "stopped"}, "reason"),
        ({"to_status": "paused"}, "to_status"),
        ({}, "to_status"),
        ({"to_status": "induction", "because": "x"}, "because"),
    ],
)
def test_a_status_change_without_what_it_needs_is_400(
    client: Client, personas: Personas, course: TreatmentCourse, body: Any, field: str
) -> None:
    response = move(client, personas, course.pk, body)
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]


@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_move_courses(
    client: Client, personas: Personas, course: TreatmentCourse, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.COURSE_SIGN].roles
    assert move(client, personas, course.pk, {}, user=user).status_code == (400 if allowed else 403)
    # A refused caller cannot tell a real course from a missing one.
    assert move(client, personas, 999_999, {}, user=user).status_code == (404 if allowed else 403)


# --- dose orders -------------------------------------------------------------------------------


def order(client: Client, personas: Personas, course_id: int, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.bob)
    return post(client, f"courses/{course_id}/dose-orders", body, token)


def test_a_physician_signs_a_dose_order_and_clinical_staff_read_it(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    response = order(client, personas, course.pk, {"dose": "0.5", "valid_days": 14})
    assert response.status_code == 201
    body = response.json()
    assert (body["dose"], body["dose_unit"], body["is_current"]) == ("0.500", "mg/kg", True)
    assert body["signed_by"] == personas.bob.full_name
    signed = DoseOrder.objects.get(pk=body["id"])
    assert (signed.expires_at - signed.signed_at).days == 14
    listed = get(client, f"courses/{course.pk}/dose-orders", token_for(personas, personas.nina))
    assert [row["id"] for row in listed.json()] == [body["id"]]


def test_a_dose_above_the_cap_needs_a_reason(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    response = order(client, personas, course.pk, {"dose": "1.5"})
    assert response.status_code == 400
    assert "dose" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not DoseOrder.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"dose": "0"}, "dose"),
        ({"dose": "abc"}, "dose"),
        ({"dose": "0.5", "valid_days": 0}, "valid_days"),
        ({"dose": "0.5", "valid_days": 90}, "valid_days"),  # beyond the clinic's maximum
        ({"dose": "0.5", "valid_days": True}, "valid_days"),
        ({"dose": "0.5", "signed_by": 3}, "signed_by"),
    ],
)
def test_a_dose_order_with_a_bad_field_is_400(
    client: Client, personas: Personas, course: TreatmentCourse, body: Any, field: str
) -> None:
    response = order(client, personas, course.pk, body)
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not DoseOrder.objects.exists()


def test_no_dose_order_on_a_closed_course(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    move(client, personas, course.pk, {"to_status": "stopped", "reason": "Declined further."})
    response = order(client, personas, course.pk, {"dose": "0.5"})
    assert response.status_code == 409
    assert_error_shape(response, "precondition_failed")


@pytest.mark.parametrize("role", list(Role))
def test_dose_orders_by_role(
    client: Client, personas: Personas, course: TreatmentCourse, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    signs = role in PERMISSIONS[Action.DOSE_ORDER_SIGN].roles
    assert order(client, personas, course.pk, {}, user=user).status_code == (400 if signs else 403)
    assert order(client, personas, course.pk, {"dose": "0.5"}, user=user).status_code == (
        201 if signs else 403
    )
    listed = get(client, f"courses/{course.pk}/dose-orders", token_for(personas, user))
    assert listed.status_code == (200 if role in CLINICAL_READERS else 403)


def test_a_physician_whose_dea_registration_is_missing_cannot_order(
    client: Client, personas: Personas, course: TreatmentCourse
) -> None:
    personas.bob.credentials.filter(kind="dea_registration").delete()
    response = order(client, personas, course.pk, {"dose": "0.5"})
    assert response.status_code == 403
    assert_error_shape(response, "credential_missing")


# --- other clinics -----------------------------------------------------------------------------


def test_another_clinics_physician_finds_none_of_it(client: Client, personas: Personas) -> None:
    course = course_with_order(personas)
    token = token_for(personas, personas.charlie, personas.other_clinic)
    for method, path, body in [
        ("GET", f"patients/{personas.pat.pk}/courses", None),
        ("POST", f"patients/{personas.pat.pk}/courses", COURSE),
        ("GET", f"courses/{course.pk}", None),
        ("POST", f"courses/{course.pk}/status", {"to_status": "induction"}),
        ("GET", f"courses/{course.pk}/dose-orders", None),
        ("POST", f"courses/{course.pk}/dose-orders", {"dose": "0.5"}),
        ("POST", f"courses/{course.pk}/series/proposal", {}),
        ("POST", f"courses/{course.pk}/series", {}),
    ]:
        response = get(client, path, token) if method == "GET" else post(client, path, body, token)
        assert response.status_code == 404, path
        assert_error_shape(response, "not_found")
    assert TreatmentCourse.objects.get(pk=course.pk).status == CourseStatus.PLANNED
    assert DoseOrder.objects.count() == 1
