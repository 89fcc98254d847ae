"""Every journey write, for callers who are not clinic A's staff: no credentials, a patient's
portal session, and a token from clinic B."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.api.permissions import NOT_STAFF
from ketaclinic.api.tests.support import assert_error_shape, get, send, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.testing.factories import InquiryFactory, staff_member
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

WRITES = [
    ("POST", "patients/{pat}/eligibility-decisions"),
    ("POST", "patients/{pat}/consents"),
    ("PUT", "patients/{pat}/intake"),
    ("POST", "inquiries/{inquiry}/register"),
    ("POST", "eligibility-decisions/1/addenda"),
]
WRITTEN = (
    AuditAction.PATIENT_CREATED,
    AuditAction.INTAKE_SAVED,
    AuditAction.ELIGIBILITY_DECIDED,
    AuditAction.ELIGIBILITY_ADDENDUM,
    AuditAction.CONSENT_SIGNED,
)


def paths(personas: Personas) -> list[tuple[str, str]]:
    inquiry = InquiryFactory(clinic=personas.clinic)
    return [
        (method, path.format(pat=personas.pat.pk, inquiry=inquiry.pk))
        for method, path in [*WRITES, ("POST", "patients")]
    ]


def test_without_credentials_every_write_is_401(client: Client, personas: Personas) -> None:
    for method, path in paths(personas):
        response = send(client, method, path, {})
        assert response.status_code == 401, path
        assert_error_shape(response, "not_authenticated")
    assert get(client, "consents/1/pdf").status_code == 401


def test_a_patients_portal_session_writes_nothing(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.pat_user)
    for method, path in paths(personas):
        response = send(client, method, path, {})
        assert response.status_code == 403, path
        assert assert_error_shape(response, "permission_refused")["error"]["message"] == NOT_STAFF
    assert not AuditEvent.objects.filter(action__in=WRITTEN).exists()


def test_a_clinic_b_token_finds_none_of_clinic_as_records(
    client: Client, personas: Personas
) -> None:
    """charlie (a physician) may do all of these at clinic B, and a front desk there may register
    inquiries; at clinic A's records they find nothing."""
    physician = token_for(personas, personas.charlie, personas.other_clinic)
    front_desk = token_for(
        personas, staff_member(personas.other_clinic, Role.FRONT_DESK), personas.other_clinic
    )
    for method, path in paths(personas):
        if path == "patients":
            continue  # registers at clinic B: see test_registration
        token = front_desk if path.startswith("inquiries/") else physician
        response = send(client, method, path, {}, token)
        assert response.status_code == 404, path
        assert_error_shape(response, "not_found")
    assert not AuditEvent.objects.filter(action__in=WRITTEN).exists()
