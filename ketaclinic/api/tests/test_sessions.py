"""The staff app's session on the API: CSRF on unsafe methods, MFA required, staff only."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.api.permissions import NO_SECOND_FACTOR, NOT_STAFF
from ketaclinic.api.tests.support import assert_error_shape, get, patch
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.selectors import ACTIVE_CLINIC_SESSION_KEY
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.testing.factories import InquiryFactory, MembershipFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def csrf_client(personas: Personas) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.fran, backend=BACKEND)
    return client


def test_a_staff_session_reads_without_a_csrf_token(personas: Personas) -> None:
    response = get(csrf_client(personas), "patients")
    assert response.status_code == 200


def test_a_staff_session_cannot_write_without_the_csrf_token(personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    refused = patch(csrf_client(personas), f"inquiries/{inquiry.pk}", {"status": "closed"})
    assert refused.status_code == 403
    message = assert_error_shape(refused, "permission_denied")["error"]["message"]
    assert "CSRF" in message
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.NEW


def test_a_staff_session_writes_with_the_csrf_token(personas: Personas) -> None:
    client = csrf_client(personas)
    client.get("/staff/")  # any page sets the CSRF cookie
    inquiry = InquiryFactory(clinic=personas.clinic)
    csrf = client.cookies["csrftoken"].value
    response = patch(client, f"inquiries/{inquiry.pk}", {"status": "closed"}, HTTP_X_CSRFTOKEN=csrf)
    assert response.status_code == 200
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.CLOSED


@pytest.mark.parametrize("role", list(Role))
def test_a_staff_session_without_an_authenticator_app_is_refused(
    client_for: Any, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    Authenticator.objects.filter(user=user).delete()
    for path in ["me", "patients", "clinics"]:
        response = get(client_for(user), path)
        assert response.status_code == 403
        body = assert_error_shape(response, "permission_refused")
        assert body["error"]["message"] == NO_SECOND_FACTOR
    assert AuditEvent.objects.filter(
        action=AuditAction.PERMISSION_REFUSED, actor_id=user.pk
    ).exists()


def test_a_patients_portal_session_is_not_a_way_in(client_for: Any, personas: Personas) -> None:
    response = get(client_for(personas.pat_user), "me")
    assert response.status_code == 403
    assert assert_error_shape(response, "permission_refused")["error"]["message"] == NOT_STAFF


def test_a_session_acts_at_the_clinic_chosen_in_the_staff_app(
    client_for: Any, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    client = client_for(personas.bob)
    names = {row["legal_first_name"] for row in get(client, "patients").json()["results"]}
    assert names == {"Pat", "Quinn"}
    session = client.session
    session[ACTIVE_CLINIC_SESSION_KEY] = personas.other_clinic.pk
    session.save()
    names = {row["legal_first_name"] for row in get(client, "patients").json()["results"]}
    assert names == {"Bea"}
    assert get(client, f"patients/{personas.pat.pk}").status_code == 404
