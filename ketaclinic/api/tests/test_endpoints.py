"""The endpoints: the matrix by role, clinic scoping, validation, pagination, query counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, patch, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.clinics.models import OpeningHours
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.testing.factories import (
    ChairFactory,
    InquiryFactory,
    MembershipFactory,
    PatientFactory,
    RoomFactory,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


# --- who may call what -------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_what_the_matrix_allows(
    client: Client, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    inquiry = InquiryFactory(clinic=personas.clinic)
    token = token_for(personas, user)
    expected = {
        "patients": PERMISSIONS[Action.PATIENT_LIST].roles,
        f"patients/{personas.pat.pk}": PERMISSIONS[Action.PATIENT_CHART_VIEW].roles,
        "inquiries": PERMISSIONS[Action.INQUIRY_MANAGE].roles,
        f"inquiries/{inquiry.pk}": PERMISSIONS[Action.INQUIRY_MANAGE].roles,
        "me": frozenset(Role),
        "clinics": frozenset(Role),
    }
    for path, roles in expected.items():
        response = get(client, path, token)
        if role in roles:
            assert response.status_code == 200, path
        else:
            assert response.status_code == 403, path
            message = assert_error_shape(response, "permission_refused")["error"]["message"]
            assert "does not allow you to" in message
    update = patch(client, f"inquiries/{inquiry.pk}", {"note": "Called back."}, token)
    assert update.status_code == (200 if role in PERMISSIONS[Action.INQUIRY_MANAGE].roles else 403)


def test_a_refusal_is_recorded_in_the_audit_trail(client: Client, personas: Personas) -> None:
    assert get(client, "inquiries", token_for(personas, personas.theo)).status_code == 403
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert refusal.actor_id == personas.theo.pk
    assert refusal.outcome == AuditOutcome.REFUSED
    assert refusal.detail["path"] == "/api/v1/inquiries"


# --- /me and /clinics -------------------------------------------------------------------------


def test_me_describes_the_caller_and_the_acting_clinic(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.nina)
    body = get(client, "me", token).json()
    assert body["email"] == personas.nina.email
    assert body["acting_clinic_id"] == personas.clinic.pk
    assert body["authentication"] == "token"
    assert body["token"]["prefix"] == token.split(".")[0]
    assert body["token"]["clinic_id"] == personas.clinic.pk
    assert token.split(".")[1] not in str(body)
    [membership] = body["memberships"]
    assert membership["role"] == Role.NURSE
    assert membership["role_label"] == "Nurse (RN)"
    assert membership["clinic_name"] == "Clinic A"


def test_clinics_lists_hours_rooms_and_chairs(client: Client, personas: Personas) -> None:
    OpeningHours.objects.create(
        clinic=personas.clinic,
        weekday=0,
        opens_at=datetime.time(8, 0),
        closes_at=datetime.time(17, 0),
    )
    room = RoomFactory(clinic=personas.clinic, name="Suite 1")
    ChairFactory(room=room, name="Chair 2")
    ChairFactory(room=room, name="Chair 1")
    [clinic] = get(client, "clinics", token_for(personas, personas.fran)).json()["results"]
    assert clinic["name"] == "Clinic A"
    assert clinic["timezone"] == "America/Denver"
    assert clinic["phone"] == personas.clinic.phone
    assert clinic["address_line1"] == personas.clinic.address_line1
    assert clinic["opening_hours"] == [
        {"weekday": 0, "opens_at": "08:00:00", "closes_at": "17:00:00"}
    ]
    assert [chair["name"] for chair in clinic["rooms"][0]["chairs"]] == ["Chair 1", "Chair 2"]


def test_the_clinic_list_costs_the_same_queries_however_many_rooms_and_chairs(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    token = token_for(personas, personas.fran)
    get(client, "clinics", token)  # records the token's first use
    for clinic in (personas.clinic, personas.other_clinic):
        for _ in range(5):
            room = RoomFactory(clinic=clinic)
            ChairFactory.create_batch(4, room=room)
    # count, clinics, opening hours, rooms, chairs (the token is this worker's, cached)
    with django_assert_num_queries(5):
        assert get(client, "clinics", token).status_code == 200


# --- patients -------------------------------------------------------------------------------


def test_the_patient_list_holds_only_the_acting_clinics_patients(
    client: Client, personas: Personas
) -> None:
    body = get(client, "patients", token_for(personas, personas.bob)).json()
    assert {row["legal_first_name"] for row in body["results"]} == {"Pat", "Quinn"}
    assert body["count"] == 2


def test_the_patient_list_searches_and_validates_its_query(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.fran)
    found = get(client, "patients?q=quinn", token).json()["results"]
    assert [row["id"] for row in found] == [personas.quinn.pk]
    too_long = get(client, "patients?q=" + "x" * 101, token)
    assert too_long.status_code == 400
    assert "q" in assert_error_shape(too_long, "invalid_input")["error"]["fields"]
    nul = get(client, "patients?q=a%00b", token)
    assert nul.status_code == 400
    assert "q" in assert_error_shape(nul, "invalid_input")["error"]["fields"]


def test_another_clinics_patient_looks_exactly_like_a_missing_one(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.bob)
    other = get(client, f"patients/{personas.bea.pk}", token)
    missing = get(client, "patients/999999", token)
    assert other.status_code == missing.status_code == 404
    assert assert_error_shape(other, "not_found")["error"] == missing.json()["error"]


def test_reading_a_patient_is_audited_as_a_chart_view(client: Client, personas: Personas) -> None:
    body = get(client, f"patients/{personas.pat.pk}", token_for(personas, personas.nina)).json()
    assert body["medical_record_number"] == personas.pat.medical_record_number
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_CHART_VIEWED)
    assert (event.actor_id, event.patient_id) == (personas.nina.pk, personas.pat.pk)
    assert event.clinic_id == personas.clinic.pk


def test_lists_paginate_in_one_shape(client: Client, personas: Personas) -> None:
    PatientFactory.create_batch(60, clinic=personas.clinic)
    token = token_for(personas, personas.fran)
    first = get(client, "patients", token).json()
    assert set(first) == {"count", "next", "previous", "results"}
    assert (first["count"], len(first["results"]), first["previous"]) == (62, 50, None)
    assert first["next"].endswith("/api/v1/patients?page=2")
    second = get(client, "patients?page=2", token).json()
    assert len(second["results"]) == 12
    assert second["next"] is None
    ids = {row["id"] for row in first["results"]} | {row["id"] for row in second["results"]}
    assert len(ids) == 62
    assert len(get(client, "patients?page_size=5", token).json()["results"]) == 5
    assert len(get(client, "patients?page_size=1000", token).json()["results"]) == 62
    beyond = get(client, "patients?page=9", token)
    assert beyond.status_code == 404
    assert_error_shape(beyond, "not_found")


def test_the_patient_list_query_count_is_fixed(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    PatientFactory.create_batch(40, clinic=personas.clinic)
    token = token_for(personas, personas.fran)
    get(client, "patients", token)  # records the token's first use
    # list-viewed audit row, count, one page (the token is known to this worker: no query)
    with django_assert_num_queries(3):
        response = get(client, "patients", token)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 42


# --- inquiries ------------------------------------------------------------------------------


def test_the_inquiry_queue_filters_by_status(client: Client, personas: Personas) -> None:
    new = InquiryFactory(clinic=personas.clinic, status=InquiryStatus.NEW)
    booked = InquiryFactory(clinic=personas.clinic, status=InquiryStatus.CONSULT_BOOKED)
    closed = InquiryFactory(clinic=personas.clinic, status=InquiryStatus.CLOSED)
    InquiryFactory(clinic=personas.other_clinic, status=InquiryStatus.NEW)
    token = token_for(personas, personas.fran)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in get(client, f"inquiries{query}", token).json()["results"]}

    assert ids("") == ids("?status=open") == {new.pk, booked.pk}
    assert ids("?status=all") == {new.pk, booked.pk, closed.pk}
    assert ids("?status=closed") == {closed.pk}
    assert ids(f"?q={new.full_name}") == {new.pk}


def test_a_bad_status_filter_is_a_400_with_the_field(client: Client, personas: Personas) -> None:
    response = get(client, "inquiries?status=teleported", token_for(personas, personas.fran))
    assert response.status_code == 400
    fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert "status" in fields


def test_reading_an_inquiry_shows_its_notes_and_is_audited(
    client: Client, personas: Personas
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    InquiryNote.objects.create(
        inquiry=inquiry, clinic=personas.clinic, author=personas.fran, text="Left a voicemail."
    )
    body = get(client, f"inquiries/{inquiry.pk}", token_for(personas, personas.fran)).json()
    assert [(n["text"], n["author"]) for n in body["notes"]] == [("Left a voicemail.", "Fran Desk")]
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_VIEWED)
    assert event.object_id == str(inquiry.pk)


def test_another_clinics_inquiry_looks_exactly_like_a_missing_one(
    client: Client, personas: Personas
) -> None:
    theirs = InquiryFactory(clinic=personas.other_clinic)
    token = token_for(personas, personas.fran)
    for response_other, response_missing in [
        (get(client, f"inquiries/{theirs.pk}", token), get(client, "inquiries/999999", token)),
        (
            patch(client, f"inquiries/{theirs.pk}", {"status": "closed"}, token),
            patch(client, "inquiries/999999", {"status": "closed"}, token),
        ),
    ]:
        assert response_other.status_code == response_missing.status_code == 404
        other_error = assert_error_shape(response_other, "not_found")["error"]
        assert other_error == response_missing.json()["error"]
    assert Inquiry.objects.get(pk=theirs.pk).status == InquiryStatus.NEW


def test_updating_an_inquiry_keeps_a_note_and_audits_the_change(
    client: Client, personas: Personas
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    token = token_for(personas, personas.fran)
    body = patch(
        client, f"inquiries/{inquiry.pk}", {"status": "contacted", "note": "Voicemail."}, token
    ).json()
    assert body["status"] == InquiryStatus.CONTACTED
    assert [note["text"] for note in body["notes"]] == ["Voicemail."]
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.CONTACTED
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_UPDATED)
    assert event.actor_id == personas.fran.pk
    assert event.detail["status_after"] == InquiryStatus.CONTACTED
    # The change is the record of this call; it is not also logged as a read.
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_VIEWED).exists()

    status_only = patch(client, f"inquiries/{inquiry.pk}", {"status": "closed"}, token).json()
    assert status_only["notes"][-1]["text"] == "Status changed to Closed."


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "teleported"}, "status"),
        ({"status": None}, "status"),
        ({"status": 3}, "status"),
        ({"note": "x" * 4001}, "note"),
        ({"note": "a\u0000b"}, "note"),
        ({"note": ["a list"]}, "note"),
        ({}, "note"),
        ({"note": "   "}, "note"),
        ({"status": "new"}, "note"),  # already new, and no note: nothing to save
    ],
)
def test_bad_inquiry_updates_get_field_messages_and_change_nothing(
    client: Client, personas: Personas, payload: dict[str, Any], field: str
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = patch(client, f"inquiries/{inquiry.pk}", payload, token_for(personas, personas.fran))
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not InquiryNote.objects.exists()
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.NEW


def test_an_update_that_changes_nothing_says_so(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = patch(client, f"inquiries/{inquiry.pk}", {}, token_for(personas, personas.fran))
    message = assert_error_shape(response, "invalid_input")["error"]["message"]
    assert message.startswith("Nothing to save")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{not json", "application/json", 400, "parse_error"),
        ('["a", "list"]', "application/json", 400, "invalid_input"),
        ("status=closed", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused_clearly(
    client: Client, personas: Personas, body: str, content_type: str, status: int, code: str
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}",
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.fran)}",
    )
    assert response.status_code == status
    assert_error_shape(response, code)


def test_a_method_an_endpoint_lacks_is_405_in_the_error_shape(
    client: Client, personas: Personas
) -> None:
    response = client.delete(
        f"/api/v1/patients/{personas.pat.pk}",
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.bob)}",
    )
    assert response.status_code == 405
    assert_error_shape(response, "method_not_allowed")


@pytest.mark.parametrize("path", ["patients/", "nothing-here", "patients/abc"])
def test_an_unknown_address_is_a_404_in_the_error_shape(client: Client, path: str) -> None:
    response = client.get(f"/api/v1/{path}")
    assert response.status_code == 404
    message = assert_error_shape(response, "not_found")["error"]["message"]
    assert ("no trailing slash" in message) is path.endswith("/")


def test_a_staff_member_with_two_clinics_sees_both_in_me_over_a_session(
    client_for: Any, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    body = get(client_for(personas.bob), "me").json()
    assert body["authentication"] == "session"
    assert body["token"] is None
    assert [(m["clinic_name"], m["role"]) for m in body["memberships"]] == [
        ("Clinic A", Role.PHYSICIAN),
        ("Clinic B", Role.PHYSICIAN),
    ]
    clinics = get(client_for(personas.bob), "clinics").json()["results"]
    assert [clinic["name"] for clinic in clinics] == ["Clinic A", "Clinic B"]
