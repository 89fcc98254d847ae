"""POST /patients and POST /inquiries/{id}/register: the staff form's checks, duplicate
detection, the matrix for every role, and clinic scoping."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.permissions import NOT_STAFF
from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.inquiries.models import Inquiry, InquiryNote
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.testing.factories import InquiryFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

NEW_PATIENT: dict[str, Any] = {
    "legal_first_name": "Rosa",
    "legal_last_name": "Delgado",
    "preferred_name": "Ro",
    "date_of_birth": "1979-03-08",
    "sex_at_birth": "female",
    "gender_identity": "woman",
    "phone": "(303) 555-0199",
    "email": "rosa.delgado@mail.test",
    "address_line1": "12 Elm St",
    "city": "Denver",
    "state": "co",
    "postal_code": "80202",
    "preferred_language": "Spanish",
    "emergency_contact_name": "Luis Delgado",
    "emergency_contact_relationship": "brother",
    "emergency_contact_phone": "303-555-0111",
    "escort_name": "Luis Delgado",
    "escort_phone": "303-555-0111",
    "referring_clinician": "Dr. Okafor",
    "primary_care_clinician": "Dr. Lee",
    "payment_note": "Self-pay",
}
TODAY = datetime.datetime.now(tz=datetime.UTC).date()
CANDIDATE_KEYS = {
    "id",
    "medical_record_number",
    "legal_first_name",
    "legal_last_name",
    "date_of_birth",
}


def register(client: Client, personas: Personas, body: Any, user: Any = None) -> Any:
    return post(client, "patients", body, token_for(personas, user or personas.fran))


def test_the_front_desk_registers_a_patient_with_every_field(
    client: Client, personas: Personas
) -> None:
    response = register(client, personas, NEW_PATIENT)
    assert response.status_code == 201
    body = response.json()
    patient = Patient.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/patients/{patient.pk}"
    assert body["medical_record_number"] == patient.medical_record_number
    assert patient.clinic == personas.clinic
    assert patient.journey_stage == JourneyStage.REGISTERED
    assert patient.registered_by == personas.fran
    assert patient.state == "CO"  # normalised by the staff form
    for name in ("escort_name", "referring_clinician", "primary_care_clinician", "payment_note"):
        assert getattr(patient, name) == NEW_PATIENT[name]
    assert patient.preferred_language == "Spanish"
    created = AuditEvent.objects.get(action=AuditAction.PATIENT_CREATED, patient_id=patient.pk)
    assert created.actor_id == personas.fran.pk
    assert created.detail["duplicate_override"] is False


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"email": "", "phone": "(720) 555-0100"}, id="same phone as pat"),
        pytest.param({"phone": "", "email": "PAT-TWIN@mail.test"}, id="same email"),
        pytest.param(
            {
                "legal_first_name": "pat",
                "legal_last_name": "EXAMPLE",
                "date_of_birth": "1985-06-15",
            },
            id="same name and date of birth",
        ),
    ],
)
def test_a_possible_duplicate_is_refused_until_confirmed(
    client: Client, personas: Personas, changes: dict[str, str]
) -> None:
    Patient.objects.filter(pk=personas.pat.pk).update(email="pat-twin@mail.test")
    before = Patient.objects.count()
    refused = register(client, personas, {**NEW_PATIENT, **changes})
    assert refused.status_code == 409
    body = refused.json()
    assert set(body) == {"error", "request_id", "possible_duplicates"}
    assert body["error"]["code"] == "conflict"
    assert "confirm" in body["error"]["message"]
    candidates = body["possible_duplicates"]
    assert personas.pat.pk in {candidate["id"] for candidate in candidates}
    assert all(set(candidate) == CANDIDATE_KEYS for candidate in candidates)
    assert Patient.objects.count() == before

    confirmed = register(
        client, personas, {**NEW_PATIENT, **changes, "confirmed_not_duplicate": True}
    )
    assert confirmed.status_code == 201
    created = AuditEvent.objects.get(action=AuditAction.PATIENT_CREATED)
    assert created.detail["duplicate_override"] is True


def test_another_clinics_patients_are_not_duplicates_and_not_listed(
    client: Client, personas: Personas
) -> None:
    """charlie's token registers at clinic B; clinic A's pat (same phone) is not offered."""
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = post(client, "patients", {**NEW_PATIENT, "phone": "(720) 555-0100"}, token)
    # bea at clinic B has that phone too (the factory's), so she is the only candidate.
    assert response.status_code == 409
    assert [c["id"] for c in response.json()["possible_duplicates"]] == [personas.bea.pk]
    created = post(client, "patients", {**NEW_PATIENT, "phone": "(720) 555-0142"}, token).json()
    assert Patient.objects.get(pk=created["id"]).clinic == personas.other_clinic


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        pytest.param(datetime.date(TODAY.year - 17, 1, 1).isoformat(), "aged 18", id="17"),
        pytest.param(
            (TODAY + datetime.timedelta(days=400)).isoformat(),
            "in the future",
            id="future",
        ),
        pytest.param("1890-01-01", "120 years", id="too old"),
    ],
)
def test_a_minor_or_an_impossible_birth_date_is_refused(
    client: Client, personas: Personas, date_of_birth: str, message: str
) -> None:
    response = register(client, personas, {**NEW_PATIENT, "date_of_birth": date_of_birth})
    assert response.status_code == 400
    fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert message in fields["date_of_birth"][0]
    assert not Patient.objects.filter(legal_last_name="Delgado").exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "555"}, "phone", "area code"),
        ({"emergency_contact_phone": "call me"}, "emergency_contact_phone", "area code"),
        ({"state": "Colorado"}, "state", "two-letter"),
        ({"postal_code": "8020"}, "postal_code", "12345"),
        ({"email": "rosa-at-mail"}, "email", "valid email"),
        ({"phone": "", "email": ""}, "phone", "phone number or an email"),
        ({"sex_at_birth": "robot"}, "sex_at_birth", "not a valid choice"),
        ({"date_of_birth": "08/03/1979"}, "date_of_birth", "format"),
        ({"date_of_birth": 19790308}, "date_of_birth", "format"),
        ({"legal_first_name": ""}, "legal_first_name", "blank"),
        ({"legal_first_name": ["Rosa"]}, "legal_first_name", "valid string"),
        ({"legal_last_name": "Del\x00gado"}, "legal_last_name", "Null characters"),
        ({"legal_last_name": "D" * 100_000}, "legal_last_name", "no more than 100"),
        ({"payment_note": "x" * 501}, "payment_note", "no more than 500"),
        ({"confirmed_not_duplicate": "yes"}, "confirmed_not_duplicate", "true or false"),
        ({"mrn": "X-1"}, "mrn", "Unknown field"),
    ],
)
def test_bad_registration_input_gets_field_messages(
    client: Client, personas: Personas, changes: dict[str, Any], field: str, message: str
) -> None:
    response = register(client, personas, {**NEW_PATIENT, **changes})
    assert response.status_code == 400
    fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert message in " ".join(fields[field])
    assert not Patient.objects.filter(legal_first_name="Rosa").exists()


def test_a_missing_field_is_named(client: Client, personas: Personas) -> None:
    body = {key: value for key, value in NEW_PATIENT.items() if key != "date_of_birth"}
    fields = register(client, personas, body).json()["error"]["fields"]
    assert fields == {"date_of_birth": ["This field is required."]}


@pytest.mark.parametrize(
    ("body", "code", "status"),
    [
        ('{"legal_first_name": "Rosa",', "parse_error", 400),
        ("[1, 2]", "invalid_input", 400),
        ('"Rosa"', "invalid_input", 400),
        ("", "invalid_input", 400),
        ("[" * 100_000 + "]" * 100_000, "parse_error", 400),
        ('{"legal_first_name": "' + "x" * 3_000_000 + '"}', "bad_request", 400),
    ],
    ids=["truncated", "a list", "a string", "empty", "nested too deep", "over the size limit"],
)
def test_a_body_that_is_not_an_object_is_refused(
    client: Client, personas: Personas, body: str, code: str, status: int
) -> None:
    response = register(client, personas, body)
    assert response.status_code == status
    assert_error_shape(response, code)


def test_a_body_that_is_not_json_is_refused(client: Client, personas: Personas) -> None:
    response = client.post(
        "/api/v1/patients",
        data="legal_first_name=Rosa",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.fran)}",
    )
    assert response.status_code == 415
    assert_error_shape(response, "unsupported_media_type")


@pytest.mark.parametrize("role", list(Role))
def test_registration_follows_the_matrix_for_every_role(
    client: Client, personas: Personas, role: Role
) -> None:
    token = token_for(personas, personas.staff_by_role()[role])
    allowed = role in PERMISSIONS[Action.PATIENT_REGISTER].roles
    # A refused caller is refused before its input is looked at.
    empty = post(client, "patients", {}, token)
    assert empty.status_code == (400 if allowed else 403)
    response = post(client, "patients", NEW_PATIENT, token)
    if allowed:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
        assert_error_shape(response, "permission_refused")
        assert not Patient.objects.filter(legal_first_name="Rosa").exists()


def test_a_patients_portal_session_cannot_register(client_for: Any, personas: Personas) -> None:
    response = post(client_for(personas.pat_user), "patients", NEW_PATIENT)
    assert response.status_code == 403
    assert assert_error_shape(response, "permission_refused")["error"]["message"] == NOT_STAFF


def test_a_staff_session_registers_only_with_the_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.fran, backend="allauth.account.auth_backends.AuthenticationBackend")
    refused = post(client, "patients", NEW_PATIENT)
    assert refused.status_code == 403
    assert "CSRF" in assert_error_shape(refused, "permission_denied")["error"]["message"]
    client.get("/staff/")  # any page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    assert post(client, "patients", NEW_PATIENT, HTTP_X_CSRFTOKEN=csrf).status_code == 201


def test_no_credentials_no_registration(client: Client, personas: Personas) -> None:
    response = post(client, "patients", NEW_PATIENT)
    assert response.status_code == 401
    assert_error_shape(response, "not_authenticated")


# --- from an inquiry ---------------------------------------------------------------------------


def test_an_inquiry_becomes_a_patient_with_its_name_and_contact_details(
    client: Client, personas: Personas
) -> None:
    inquiry = InquiryFactory(
        clinic=personas.clinic,
        full_name="Mara van der Berg",
        email="mara@mail.test",
        phone="(303) 555-0177",
    )
    response = post(
        client,
        f"inquiries/{inquiry.pk}/register",
        {"date_of_birth": "1990-02-01", "sex_at_birth": "female", "escort_name": "Tom"},
        token_for(personas, personas.fran),
    )
    assert response.status_code == 201
    patient = Patient.objects.get(pk=response.json()["id"])
    assert (patient.legal_first_name, patient.legal_last_name) == ("Mara", "van der Berg")
    assert (patient.email, patient.phone) == ("mara@mail.test", "(303) 555-0177")
    assert Inquiry.objects.get(pk=inquiry.pk).patient == patient
    note = InquiryNote.objects.get(inquiry=inquiry)
    assert patient.medical_record_number in note.text
    created = AuditEvent.objects.get(action=AuditAction.PATIENT_CREATED)
    assert created.detail["inquiry_id"] == inquiry.pk


def test_an_inquiry_is_registered_once(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic, full_name="Mara Berg")
    token = token_for(personas, personas.fran)
    body = {"date_of_birth": "1990-02-01", "sex_at_birth": "female"}
    assert post(client, f"inquiries/{inquiry.pk}/register", body, token).status_code == 201
    again = post(
        client,
        f"inquiries/{inquiry.pk}/register",
        {**body, "confirmed_not_duplicate": True},
        token,
    )
    assert again.status_code == 409
    assert "already been registered" in again.json()["error"]["message"]


def test_the_request_overrides_what_the_inquiry_says(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic, full_name="Mo")
    response = post(
        client,
        f"inquiries/{inquiry.pk}/register",
        {
            "legal_first_name": "Maurice",
            "legal_last_name": "Okoye",
            "date_of_birth": "1970-05-05",
            "sex_at_birth": "male",
        },
        token_for(personas, personas.fran),
    )
    assert response.status_code == 201
    assert response.json()["legal_last_name"] == "Okoye"


def test_an_inquiry_with_one_name_needs_the_last_name(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic, full_name="Mo")
    response = post(
        client,
        f"inquiries/{inquiry.pk}/register",
        {"date_of_birth": "1970-05-05", "sex_at_birth": "male"},
        token_for(personas, personas.fran),
    )
    assert response.status_code == 400
    assert "legal_last_name" in response.json()["error"]["fields"]


@pytest.mark.parametrize("role", list(Role))
def test_registering_an_inquiry_needs_both_permissions(
    client: Client, personas: Personas, role: Role
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = post(
        client,
        f"inquiries/{inquiry.pk}/register",
        {"date_of_birth": "1990-02-01", "sex_at_birth": "female", "legal_last_name": "Berg"},
        token_for(personas, personas.staff_by_role()[role]),
    )
    allowed = (
        role in PERMISSIONS[Action.PATIENT_REGISTER].roles
        and role in PERMISSIONS[Action.INQUIRY_MANAGE].roles
    )
    assert response.status_code == (201 if allowed else 403)


def test_another_clinics_inquiry_is_not_found(client: Client, personas: Personas) -> None:
    theirs = InquiryFactory(clinic=personas.other_clinic)
    response = post(
        client,
        f"inquiries/{theirs.pk}/register",
        {"date_of_birth": "1990-02-01", "sex_at_birth": "female"},
        token_for(personas, personas.fran),
    )
    assert response.status_code == 404
    assert_error_shape(response, "not_found")
    assert Inquiry.objects.get(pk=theirs.pk).patient is None
