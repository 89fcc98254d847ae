"""Clinic admins manage staff and credentials; staff at two clinics switch between them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.roles import CredentialKind, NurseType, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.services import credential_record, staff_membership_set
from ketaclinic.core.errors import PermissionRefused
from ketaclinic.testing.factories import CredentialFactory, MembershipFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_only_clinic_admins_reach_the_staff_pages(
    client_for: Any, personas: Personas, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    expected = 200 if role == Role.CLINIC_ADMIN else 403
    assert client.get(reverse("staff_list")).status_code == expected
    assert client.get(reverse("staff_add")).status_code == expected


def test_adding_a_new_person_creates_an_account_without_a_password_and_emails_a_link(
    client_for: Any, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(personas.ada)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("staff_add"),
            {
                "staff-full_name": "Rosa Night",
                "staff-email": "Rosa.Night@Clinic.test",
                "staff-role": Role.NURSE,
                "staff-nurse_type": "rn",
                "staff-title": "RN",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(email="rosa.night@clinic.test")
    assert not user.has_usable_password()
    membership = StaffMembership.objects.get(user=user, clinic=personas.clinic)
    assert membership.role == Role.NURSE
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body
    assert AuditEvent.objects.filter(
        action=AuditAction.MEMBERSHIP_CREATED, clinic_id=personas.clinic.pk
    ).exists()


def test_someone_from_another_clinic_is_added_without_a_new_account(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.ada).post(
        reverse("staff_add"),
        {
            "staff-full_name": "Charlie",
            "staff-email": personas.charlie.email,
            "staff-role": Role.PHYSICIAN,
        },
    )
    assert response.status_code == 302
    assert personas.charlie.memberships.count() == 2
    assert User.objects.filter(email=personas.charlie.email).count() == 1


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {
                "staff-email": "not-an-email",
                "staff-full_name": "X",
                "staff-role": "nurse",
                "staff-nurse_type": "rn",
            },
            "email",
            "valid email",
        ),
        (
            {
                "staff-email": "a@b.test",
                "staff-full_name": "",
                "staff-role": "nurse",
                "staff-nurse_type": "rn",
            },
            "full_name",
            "required",
        ),
        (
            {"staff-email": "a@b.test", "staff-full_name": "X", "staff-role": "wizard"},
            "role",
            "valid choice",
        ),
        (
            {"staff-email": "a@b.test", "staff-full_name": "X", "staff-role": "nurse"},
            "nurse_type",
            "RN, CRNA or NP",
        ),
        (
            {
                "staff-email": "a@b.test",
                "staff-full_name": "X",
                "staff-role": "physician",
                "staff-nurse_type": "rn",
            },
            "nurse_type",
            "Only nurses",
        ),
        (
            {
                "staff-email": "nina@clinic.test",
                "staff-full_name": "Nina",
                "staff-role": "physician",
            },
            "email",
            "Already on the staff",
        ),
        (
            {"staff-email": "pat@mail.test", "staff-full_name": "Pat", "staff-role": "physician"},
            "email",
            "patient portal",
        ),
    ],
)
def test_bad_staff_input_gets_a_field_message_and_saves_nothing(
    client_for: Any, personas: Personas, form: dict[str, str], field: str, message: str
) -> None:
    before = StaffMembership.objects.count()
    response = client_for(personas.ada).post(reverse("staff_add"), form)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message.lower() in errors.lower()
    assert StaffMembership.objects.count() == before


def test_recording_a_credential_is_audited_and_shown(client_for: Any, personas: Personas) -> None:
    membership = personas.fran.memberships.get()
    client = client_for(personas.ada)
    response = client.post(
        reverse("staff_detail", args=[membership.pk]),
        {
            "credential-kind": CredentialKind.BLS,
            "credential-number": "BLS-1",
            "credential-issuing_state": "",
            "credential-expires_on": "2028-01-31",
        },
    )
    assert response.status_code == 302
    assert Credential.objects.filter(
        user=personas.fran, kind=CredentialKind.BLS, verified_by=personas.ada
    ).exists()
    assert AuditEvent.objects.filter(action=AuditAction.CREDENTIAL_RECORDED).exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"credential-expires_on": "not a date"}, "expires_on"),
        (
            {"credential-issued_on": "2027-01-01", "credential-expires_on": "2026-01-01"},
            "expires_on",
        ),
        ({"credential-issuing_state": "Colorado"}, "issuing_state"),
        ({"credential-number": ""}, "number"),
        (
            {"credential-kind": CredentialKind.DEA_REGISTRATION, "credential-number": "BR1234564"},
            "number",
        ),
    ],
)
def test_bad_credential_input_gets_a_field_message(
    client_for: Any, personas: Personas, fields: dict[str, str], field: str
) -> None:
    membership = personas.fran.memberships.get()
    form = {
        "credential-kind": CredentialKind.BLS,
        "credential-number": "BLS-1",
        "credential-expires_on": "2028-01-31",
        **fields,
    }
    response = client_for(personas.ada).post(reverse("staff_detail", args=[membership.pk]), form)
    assert response.status_code == 200
    assert response.context["credential_form"].errors[field]
    assert not Credential.objects.filter(user=personas.fran).exists()


def test_a_role_change_is_a_permission_change_in_the_audit_trail(personas: Personas) -> None:
    staff_membership_set(
        acting_user=personas.ada,
        clinic=personas.clinic,
        user=personas.fran,
        role=Role.NURSE,
        nurse_type=NurseType.RN,
    )
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CHANGED)
    assert event.detail["before"]["role"] == Role.FRONT_DESK
    assert event.detail["role"] == Role.NURSE


def test_a_nurse_cannot_record_credentials(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        credential_record(
            acting_user=personas.nina,
            clinic=personas.clinic,
            user=personas.nina,
            kind=CredentialKind.ACLS,
            number="X",
            expires_on=datetime.date(2030, 1, 1),
        )


def test_admins_see_credentials_expiring_within_sixty_days(
    client_for: Any, personas: Personas
) -> None:
    soon = personas.clinic.local_today() + datetime.timedelta(days=20)
    CredentialFactory(
        user=personas.nina,
        kind=CredentialKind.BLS,
        number="BLS-SOON",
        issuing_state="",
        expires_on=soon,
    )
    CredentialFactory(
        user=personas.nina,
        kind=CredentialKind.BLS,
        number="BLS-LATER",
        issuing_state="",
        expires_on=soon + datetime.timedelta(days=200),
    )
    CredentialFactory(
        user=personas.charlie,
        kind=CredentialKind.BLS,
        number="BLS-ELSEWHERE",
        issuing_state="",
        expires_on=soon,
    )
    page = client_for(personas.ada).get(reverse("home")).content.decode()
    assert "BLS-SOON" in page
    assert "BLS-LATER" not in page
    assert "BLS-ELSEWHERE" not in page


def test_a_nurse_sees_her_own_expiring_credential_on_her_home_page(
    client_for: Any, personas: Personas
) -> None:
    personas.nina.credentials.filter(kind=CredentialKind.ACLS).update(
        expires_on=personas.clinic.local_today() + datetime.timedelta(days=10)
    )
    page = client_for(personas.nina).get(reverse("home")).content.decode()
    assert "Your credentials:" in page
    assert "ACLS certification expires" in page


def test_a_physician_at_two_clinics_switches_and_sees_the_other_clinic(
    client_for: Any, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    client = client_for(personas.bob)
    assert "Clinic A" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("clinic_switch"), {"clinic": personas.other_clinic.pk})
    assert response.status_code == 302
    home = client.get(reverse("home")).content.decode()
    assert "<h1>Clinic B</h1>" in home
    listing = client.get(reverse("patients:list")).content.decode()
    assert "Bea" in listing
    assert "Quinn" not in listing
    assert AuditEvent.objects.filter(
        action=AuditAction.CLINIC_SWITCHED, clinic_id=personas.other_clinic.pk
    ).exists()


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_switching_to_a_clinic_you_do_not_work_at_is_refused(
    client_for: Any, personas: Personas, value: str
) -> None:
    client = client_for(personas.bob)
    if value == "999999":
        value = str(personas.other_clinic.pk)
    response = client.post(reverse("clinic_switch"), {"clinic": value}, follow=True)
    assert response.status_code in (200, 404)
    assert "Clinic A" in client.get(reverse("home")).content.decode()


def test_the_home_page_query_count_is_fixed(
    client_for: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    import datetime

    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.testing.factories import PatientFactory

    noon = datetime.datetime.combine(personas.clinic.local_today(), datetime.time(12)).replace(
        tzinfo=personas.clinic.zone
    )
    for n in range(4):  # today's visits: listed with their drivers, not a query each
        Appointment.objects.create(
            clinic=personas.clinic,
            patient=PatientFactory(clinic=personas.clinic),
            kind="iv_infusion" if n % 2 else "consult",
            starts_at=noon + datetime.timedelta(hours=n),
            ends_at=noon + datetime.timedelta(hours=n, minutes=50),
            booked_by=personas.fran,
        )
    client = client_for(personas.ada)
    client.get(reverse("home"))
    # session, user, memberships, MFA check, chairs, patients by stage, today's visits and their
    # drivers, new inquiries, expiring credentials, my credentials, and the session save
    # (savepoint, update, release)
    with django_assert_num_queries(14):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Today's visits (4)" in response.content.decode()
