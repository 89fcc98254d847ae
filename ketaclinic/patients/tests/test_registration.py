"""Registering patients: field-level refusals, duplicate warnings, MRNs, inquiries, access."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused
from ketaclinic.inquiries.models import InquiryNote
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.patients.services import PatientDetails, PossibleDuplicate, patient_register
from ketaclinic.testing.factories import InquiryFactory, PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

FORM = {
    "legal_first_name": "Maya",
    "legal_last_name": "Torres",
    "date_of_birth": "1988-04-12",
    "sex_at_birth": "female",
    "phone": "(303) 555-0199",
    "email": "maya@mail.test",
    "escort_name": "Luis Torres",
    "escort_phone": "303-555-0198",
    "preferred_language": "Spanish",
}


def details(**changes: Any) -> PatientDetails:
    base: dict[str, Any] = {
        "legal_first_name": "Maya",
        "legal_last_name": "Torres",
        "date_of_birth": datetime.date(1988, 4, 12),
        "sex_at_birth": SexAtBirth.FEMALE,
        "phone": "(303) 555-0199",
    }
    return PatientDetails(**{**base, **changes})


def test_registering_assigns_an_mrn_and_audits(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.fran).post(reverse("patients:register"), FORM)
    assert response.status_code == 302
    patient = Patient.objects.get(legal_last_name="Torres")
    assert patient.medical_record_number == "CLI-00001"
    assert patient.phone_digits == "3035550199"
    assert patient.escort_name == "Luis Torres"
    assert patient.registered_by == personas.fran
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_CREATED, patient_id=patient.pk
    ).exists()
    second = patient_register(
        acting_user=personas.fran,
        clinic=personas.clinic,
        details=details(legal_first_name="Ana", phone="", email="ana@mail.test"),
    )
    assert second.medical_record_number == "CLI-00002"


def test_numbers_go_on_past_99999_without_colliding(personas: Personas) -> None:
    # A busy network passes 99,999 registrations: "CLI-99999" sorts after "CLI-100000" as
    # text, so the next number must come from the number, not the text.
    PatientFactory(clinic=personas.clinic, medical_record_number="CLI-99999")
    PatientFactory(clinic=personas.clinic, medical_record_number="CLI-100000")
    registered = patient_register(
        acting_user=personas.fran,
        clinic=personas.clinic,
        details=details(legal_first_name="Ana", phone="", email="ana@mail.test"),
    )
    assert registered.medical_record_number == "CLI-100001"


@pytest.mark.parametrize(
    ("match", "changes"),
    [
        (
            "same name and birth date",
            {"phone": "", "email": "other@mail.test", "legal_first_name": "MAYA"},
        ),
        (
            "same phone in another format",
            {"legal_first_name": "Someone", "phone": "1 303 555 0199"},
        ),
        ("same email", {"legal_first_name": "Someone", "phone": "", "email": "MAYA@mail.test"}),
    ],
)
def test_a_possible_duplicate_is_shown_before_a_second_record(
    personas: Personas, match: str, changes: dict[str, Any]
) -> None:
    first = patient_register(
        acting_user=personas.fran, clinic=personas.clinic, details=details(email="maya@mail.test")
    )
    with pytest.raises(PossibleDuplicate) as duplicate:
        patient_register(
            acting_user=personas.fran, clinic=personas.clinic, details=details(**changes)
        )
    assert duplicate.value.candidates == [first]
    confirmed = patient_register(
        acting_user=personas.fran,
        clinic=personas.clinic,
        details=details(**changes),
        confirmed_not_duplicate=True,
    )
    assert confirmed.pk != first.pk
    assert (
        AuditEvent.objects.get(patient_id=confirmed.pk, action=AuditAction.PATIENT_CREATED).detail[
            "duplicate_override"
        ]
        is True
    )


def test_a_patient_of_another_clinic_is_not_a_duplicate(personas: Personas) -> None:
    Patient.objects.create(
        clinic=personas.other_clinic,
        medical_record_number="B-1",
        legal_first_name="Maya",
        legal_last_name="Torres",
        date_of_birth=datetime.date(1988, 4, 12),
        sex_at_birth="female",
        phone="(303) 555-0199",
    )
    patient_register(acting_user=personas.fran, clinic=personas.clinic, details=details())


def test_the_page_lists_the_matches_and_registers_after_confirmation(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.fran)
    client.post(reverse("patients:register"), FORM)
    warned = client.post(reverse("patients:register"), {**FORM, "email": ""})
    assert warned.status_code == 200
    assert "Possible matches already registered" in warned.content.decode()
    assert Patient.objects.filter(legal_last_name="Torres").count() == 1
    confirmed = client.post(
        reverse("patients:register"), {**FORM, "email": "", "confirmed_not_duplicate": "on"}
    )
    assert confirmed.status_code == 302
    assert Patient.objects.filter(legal_last_name="Torres").count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"legal_last_name": ""}, "legal_last_name", "required"),
        ({"date_of_birth": "12/04/1988x"}, "date_of_birth", "valid date"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "in the future"),
        ({"date_of_birth": "1800-01-01"}, "date_of_birth", "120 years"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth", "aged 18 and over"),
        ({"phone": "", "email": ""}, "phone", "phone number or an email"),
        ({"phone": "555"}, "phone", "area code"),
        ({"escort_phone": "call Luis"}, "escort_phone", "area code"),
        ({"email": "maya@"}, "email", "valid email"),
        ({"state": "Colorado"}, "state", "two-letter"),
        ({"postal_code": "8020"}, "postal_code", "12345"),
        ({"sex_at_birth": "unicorn"}, "sex_at_birth", "valid choice"),
    ],
)
def test_bad_registration_input_gets_a_field_message_and_saves_nothing(
    client_for: Any, personas: Personas, changes: dict[str, str], field: str, message: str
) -> None:
    response = client_for(personas.fran).post(reverse("patients:register"), {**FORM, **changes})
    assert response.status_code == 200
    assert message.lower() in " ".join(response.context["form"].errors[field]).lower()
    assert not Patient.objects.filter(legal_last_name="Torres").exists()


def test_the_minimum_age_is_the_clinics_eligibility_rule(personas: Personas) -> None:
    """One minimum age (clinic rules `eligibility.minimum_age`, CLINICAL.md §1.2), the one the
    eligibility advice uses, not a second one in the server's environment."""
    personas.clinic.rule_overrides = {"eligibility": {"minimum_age": 21}}
    personas.clinic.save(update_fields=["rule_overrides"])
    today = personas.clinic.local_today()
    aged_19 = today.replace(year=today.year - 20, day=1) + datetime.timedelta(days=180)
    with pytest.raises(InvalidInput) as refusal:
        patient_register(
            acting_user=personas.fran,
            clinic=personas.clinic,
            details=details(date_of_birth=aged_19),
        )
    assert "aged 21 and over" in refusal.value.fields["date_of_birth"][0]
    assert not Patient.objects.filter(legal_last_name="Torres").exists()


def test_the_service_refuses_bad_details_naming_the_fields(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as refusal:
        patient_register(
            acting_user=personas.fran,
            clinic=personas.clinic,
            details=details(legal_first_name=" ", phone=""),
        )
    assert set(refusal.value.fields) == {"legal_first_name", "phone"}


@pytest.mark.parametrize("role", list(Role))
def test_registration_follows_the_matrix_for_every_role(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(reverse("patients:register"))
    assert response.status_code == (
        200 if role in PERMISSIONS[Action.PATIENT_REGISTER].roles else 403
    )


def test_staff_of_another_clinic_cannot_register_here(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        patient_register(acting_user=personas.charlie, clinic=personas.clinic, details=details())


def test_an_inquiry_becomes_a_patient_and_is_linked(client_for: Any, personas: Personas) -> None:
    inquiry = InquiryFactory(
        clinic=personas.clinic, full_name="Rachel Simmons", email="rachel@mail.test"
    )
    client = client_for(personas.fran)
    page = client.get(reverse("patients:register"), {"inquiry": inquiry.pk})
    assert page.context["form"].initial["legal_first_name"] == "Rachel"
    response = client.post(
        reverse("patients:register") + f"?inquiry={inquiry.pk}",
        {
            **FORM,
            "legal_first_name": "Rachel",
            "legal_last_name": "Simmons",
            "email": "rachel@mail.test",
            "phone": "",
            "inquiry": inquiry.pk,
        },
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.patient is not None
    assert inquiry.patient.legal_last_name == "Simmons"
    assert InquiryNote.objects.filter(
        inquiry=inquiry, text__startswith="Registered as patient"
    ).exists()


def test_another_clinics_inquiry_cannot_be_registered_here(
    client_for: Any, personas: Personas
) -> None:
    elsewhere = InquiryFactory(clinic=personas.other_clinic)
    assert (
        client_for(personas.fran)
        .get(reverse("patients:register"), {"inquiry": elsewhere.pk})
        .status_code
        == 404
    )


def test_an_inquiry_is_registered_once(personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic, full_name="Rachel Simmons")
    rachel = details(legal_first_name="Rachel")
    patient_register(
        acting_user=personas.fran, clinic=personas.clinic, details=rachel, from_inquiry=inquiry
    )
    inquiry.refresh_from_db()
    count = Patient.objects.count()
    with pytest.raises(Conflict, match="already been registered"):
        patient_register(
            acting_user=personas.fran,
            clinic=personas.clinic,
            details=rachel,
            confirmed_not_duplicate=True,
            from_inquiry=inquiry,
        )
    # A stale copy of the inquiry (another desk's) is refused too, and makes no second patient.
    inquiry.patient = None
    with pytest.raises(Conflict, match="already been registered"):
        patient_register(
            acting_user=personas.fran,
            clinic=personas.clinic,
            details=rachel,
            confirmed_not_duplicate=True,
            from_inquiry=inquiry,
        )
    assert Patient.objects.count() == count
