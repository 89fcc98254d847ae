"""The REST API: token authentication, one error shape, clinic scoping and the matrix by role."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_issue, api_token_revoke
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import PermissionRefused
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.testing.factories import InquiryFactory, MembershipFactory, PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def token_for(personas: Personas, user: Any, clinic: Any = None) -> str:
    _, plaintext = api_token_issue(
        acting_user=personas.ada, clinic=clinic or personas.clinic, user=user, name="EHR sync"
    )
    return plaintext


def call(client: Client, path: str, token: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
    return client.get(f"/api/v1/{path}", **headers, **extra)


def assert_error_shape(response: Any, code: str) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error", "request_id"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["request_id"] == response["X-Request-ID"]
    return body


def test_a_missing_token_is_401_in_the_error_shape(client: Client, db: None) -> None:
    response = call(client, "patients")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Token realm="ketaclinic"'
    assert_error_shape(response, "not_authenticated")


@pytest.mark.parametrize(
    "header", ["Token", "Token a b", "Token nodot", "Token .", "Token \u00e9.x"]
)
def test_malformed_authorization_headers_get_a_clear_401(
    client: Client, db: None, header: str
) -> None:
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert_error_shape(response, "authentication_failed")


def test_another_scheme_is_not_ours_to_judge(client: Client, db: None) -> None:
    response = client.get("/api/v1/patients", HTTP_AUTHORIZATION="Bearer abc")
    assert response.status_code == 401
    assert_error_shape(response, "not_authenticated")


def test_the_secret_is_stored_only_as_a_hash(personas: Personas) -> None:
    plaintext = token_for(personas, personas.fran)
    prefix, secret = plaintext.split(".")
    token = ApiToken.objects.get(prefix=prefix)
    assert secret not in token.secret_hash
    assert len(token.secret_hash) == 64
    assert AuditEvent.objects.filter(action=AuditAction.API_TOKEN_ISSUED).exists()


@pytest.mark.parametrize("problem", ["wrong_secret", "revoked", "expired", "inactive_user"])
def test_a_bad_token_is_refused_and_audited(
    client: Client, personas: Personas, problem: str
) -> None:
    plaintext = token_for(personas, personas.fran)
    token = ApiToken.objects.get(prefix=plaintext.split(".")[0])
    if problem == "wrong_secret":
        plaintext = plaintext.split(".")[0] + ".not-the-secret"
    elif problem == "revoked":
        api_token_revoke(acting_user=personas.ada, token=token)
    elif problem == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - datetime.timedelta(minutes=1)
        )
    else:
        personas.fran.is_active = False
        personas.fran.save()
    response = call(client, "patients", plaintext)
    assert response.status_code == 401
    body = assert_error_shape(response, "authentication_failed")
    assert "not valid" in body["error"]["message"]
    refused = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REFUSED)
    assert refused.detail["prefix"] == token.prefix
    assert "not-the-secret" not in json.dumps(refused.detail)


def test_a_token_acts_at_its_own_clinic_even_for_someone_at_two(
    client: Client, personas: Personas
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    token_b = token_for(personas, personas.bob, clinic=personas.other_clinic) if False else None
    _, token_b = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.bob, name="A"
    )
    names = {row["legal_first_name"] for row in call(client, "patients", token_b).json()["results"]}
    assert names == {"Pat", "Quinn"}
    assert call(client, "me", token_b).json()["acting_clinic_id"] == personas.clinic.pk
    assert [clinic["id"] for clinic in call(client, "clinics", token_b).json()["results"]] == [
        personas.clinic.pk
    ]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_what_the_matrix_allows(
    client: Client, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    token = token_for(personas, user)
    patients = call(client, "patients", token)
    inquiries = call(client, "inquiries", token)
    chart = call(client, f"patients/{personas.pat.pk}", token)
    assert patients.status_code == (200 if role in PERMISSIONS[Action.PATIENT_LIST].roles else 403)
    assert inquiries.status_code == (
        200 if role in PERMISSIONS[Action.INQUIRY_MANAGE].roles else 403
    )
    assert chart.status_code == (
        200 if role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles else 403
    )
    if chart.status_code == 403:
        assert_error_shape(chart, "permission_refused")
    assert call(client, "me", token).status_code == 200


def test_another_clinics_patient_looks_exactly_like_a_missing_one(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.bob)
    other = call(client, f"patients/{personas.bea.pk}", token)
    missing = call(client, "patients/999999", token)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == missing.json()["error"]


def test_reading_a_chart_through_the_api_is_audited(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.nina)
    assert call(client, f"patients/{personas.pat.pk}", token).status_code == 200
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_CHART_VIEWED,
        actor_id=personas.nina.pk,
        patient_id=personas.pat.pk,
    ).exists()


def test_lists_paginate_in_one_shape(client: Client, personas: Personas) -> None:
    PatientFactory.create_batch(60, clinic=personas.clinic)
    body = call(client, "patients", token_for(personas, personas.fran)).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 62
    assert len(body["results"]) == 50
    assert "page=2" in body["next"]


def test_updating_an_inquiry_writes_a_note(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    token = token_for(personas, personas.fran)
    response = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}",
        data=json.dumps({"status": "contacted", "note": "Voicemail left."}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200
    assert response.json()["status"] == "contacted"
    assert response.json()["notes"][0]["text"] == "Voicemail left."
    assert Inquiry.objects.get(pk=inquiry.pk).status == InquiryStatus.CONTACTED


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"status": "teleported"}, "status"), ({"note": "x" * 4001}, "note")],
)
def test_bad_inquiry_updates_get_field_messages(
    client: Client, personas: Personas, payload: dict[str, str], field: str
) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}",
        data=json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.fran)}",
    )
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_an_empty_update_is_refused_with_a_sentence(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}",
        data="{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.fran)}",
    )
    assert response.status_code == 400
    assert "Nothing to save" in assert_error_shape(response, "invalid_input")["error"]["message"]


def test_malformed_json_is_a_400_not_a_crash(client: Client, personas: Personas) -> None:
    inquiry = InquiryFactory(clinic=personas.clinic)
    response = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}",
        data="{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token_for(personas, personas.fran)}",
    )
    assert response.status_code == 400
    assert_error_shape(response, "parse_error")


def test_the_session_works_for_staff_with_mfa_and_enforces_csrf(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.fran, backend="allauth.account.auth_backends.AuthenticationBackend")
    assert client.get("/api/v1/patients").status_code == 200
    inquiry = InquiryFactory(clinic=personas.clinic)
    refused = client.patch(
        f"/api/v1/inquiries/{inquiry.pk}", data='{"note": "x"}', content_type="application/json"
    )
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]


def test_a_staff_session_without_an_authenticator_is_refused(
    client_for: Any, personas: Personas
) -> None:
    Authenticator.objects.filter(user=personas.fran).delete()
    response = client_for(personas.fran).get("/api/v1/patients")
    assert response.status_code == 403
    assert (
        "two-step sign-in" in assert_error_shape(response, "permission_refused")["error"]["message"]
    )


@pytest.mark.parametrize("role", list(Role))
def test_only_clinic_admins_issue_tokens(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role == Role.CLINIC_ADMIN:
        api_token_issue(acting_user=user, clinic=personas.clinic, user=personas.fran, name="X")
    else:
        with pytest.raises(PermissionRefused):
            api_token_issue(acting_user=user, clinic=personas.clinic, user=personas.fran, name="X")


@pytest.mark.parametrize("role", list(Role))
def test_the_token_page_is_for_clinic_admins(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get("/staff/api-tokens/")
    assert response.status_code == (200 if role == Role.CLINIC_ADMIN else 403)


def test_issuing_on_the_page_shows_the_token_once(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.ada)
    response = client.post(
        "/staff/api-tokens/", {"name": "EHR", "user": personas.fran.pk}, follow=True
    )
    token = ApiToken.objects.get(name="EHR")
    assert token.prefix in response.content.decode()
    assert "will not be shown again" in response.content.decode()
    assert "will not be shown again" not in client.get("/staff/api-tokens/").content.decode()
    for url in [r[0] for r in response.redirect_chain]:
        assert token.prefix not in url


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"name": "", "user": "1"}, "name"),
        ({"name": "X", "user": "999999"}, "user"),
        ({"name": "X", "expires_on": "2001-01-01"}, "expires_on"),
    ],
)
def test_bad_token_requests_get_field_messages(
    client_for: Any, personas: Personas, form: dict[str, str], field: str
) -> None:
    form = {"user": str(personas.fran.pk), **form}
    response = client_for(personas.ada).post("/staff/api-tokens/", form)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ApiToken.objects.exists()


def test_charlie_cannot_issue_a_token_for_clinic_a(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        api_token_issue(
            acting_user=personas.charlie, clinic=personas.clinic, user=personas.fran, name="X"
        )


def test_the_served_openapi_document_is_the_committed_one(client: Client, db: None) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    committed = json.loads((Path(settings.BASE_DIR) / "docs" / "openapi.json").read_text())
    assert served.json() == committed


def test_the_patient_list_query_count_is_fixed(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    PatientFactory.create_batch(40, clinic=personas.clinic)
    token = token_for(personas, personas.fran)
    call(client, "patients", token)
    # token (with user and clinic), membership, audit insert, count, one page of patients
    with django_assert_num_queries(5):
        assert call(client, "patients", token).status_code == 200
