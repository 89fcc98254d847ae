"""POST /patients/{id}/eligibility-decisions and /eligibility-decisions/{id}/addenda: only
physicians, signed and locked by the service, refusals in the error shape, clinic scoping."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.models import Credential
from ketaclinic.accounts.roles import PERMISSIONS, Action, CredentialKind, Role
from ketaclinic.api.tests.support import assert_error_shape, get, patch, post, put, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.intake.models import DecisionAddendum, EligibilityDecision, EligibilityOutcome
from ketaclinic.intake.services import eligibility_decide, intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

APPROVE = {
    "outcome": "approved",
    "protocol_key": "iv-ketamine-depression@1",
    "note": "Two adequate failed trials; no contraindications.",
}


@pytest.fixture
def submitted(personas: Personas) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)


def decide(client: Client, personas: Personas, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.bob)
    return post(client, f"patients/{personas.pat.pk}/eligibility-decisions", body, token)


@pytest.mark.usefixtures("submitted")
def test_a_physician_signs_an_approval(client: Client, personas: Personas) -> None:
    response = decide(client, personas, APPROVE)
    assert response.status_code == 201
    body = response.json()
    assert body["outcome"] == "approved"
    assert body["protocol_key"] == "iv-ketamine-depression@1"
    assert body["signed_by"] == personas.bob.full_name
    assert body["signed_at"]
    assert body["advice_snapshot"]["decision"] == "eligible"
    assert body["addenda"] == []
    decision = EligibilityDecision.objects.get(pk=body["id"])
    assert decision.signed_by == personas.bob
    assert Patient.objects.get(pk=personas.pat.pk).journey_stage == JourneyStage.APPROVED
    assert AuditEvent.objects.filter(
        action=AuditAction.ELIGIBILITY_DECIDED, patient_id=personas.pat.pk, actor_id=personas.bob.pk
    ).exists()


@pytest.mark.usefixtures("submitted")
def test_a_signed_decision_is_locked(client: Client, personas: Personas) -> None:
    decision_id = decide(client, personas, APPROVE).json()["id"]
    token = token_for(personas, personas.bob)
    for method in (put, patch):
        path = f"patients/{personas.pat.pk}/eligibility-decisions"
        response = method(client, path, {**APPROVE, "note": "changed"}, token)
        assert response.status_code == 405
        assert_error_shape(response, "method_not_allowed")
    assert EligibilityDecision.objects.get(pk=decision_id).note == APPROVE["note"]


def test_no_decision_before_the_intake_is_submitted(client: Client, personas: Personas) -> None:
    response = decide(client, personas, APPROVE)
    assert response.status_code == 409
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert "intake must be submitted" in message
    assert not EligibilityDecision.objects.exists()


@pytest.mark.usefixtures("submitted")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**APPROVE, "protocol_key": ""}, "protocol_key"),
        ({**APPROVE, "protocol_key": "made-up@9"}, "protocol_key"),
        ({"outcome": "more_information", "note": "Need an ECG."}, "requested_items"),
        ({**APPROVE, "note": "   "}, "note"),
        ({**APPROVE, "outcome": "maybe"}, "outcome"),
        ({**APPROVE, "note": "x" * 8001}, "note"),
        ({**APPROVE, "note": "ok\x00"}, "note"),
        ({**APPROVE, "signed_by": "alice"}, "signed_by"),
        ({"protocol_key": "iv-ketamine-depression@1", "note": "ok"}, "outcome"),
    ],
)
def test_an_incomplete_decision_is_refused_with_field_messages(
    client: Client, personas: Personas, body: dict[str, Any], field: str
) -> None:
    response = decide(client, personas, body)
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not EligibilityDecision.objects.exists()


@pytest.mark.usefixtures("submitted")
def test_a_decline_and_a_request_for_more_information(client: Client, personas: Personas) -> None:
    declined = decide(client, personas, {"outcome": "declined", "note": "Uncontrolled BP."})
    assert declined.status_code == 201
    assert declined.json()["protocol_key"] == ""
    more = decide(
        client,
        personas,
        {"outcome": "more_information", "note": "Need an ECG.", "requested_items": "ECG"},
    )
    assert more.status_code == 201
    assert Patient.objects.get(pk=personas.pat.pk).journey_stage == JourneyStage.ELIGIBILITY_REVIEW


@pytest.mark.usefixtures("submitted")
@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_record_decisions(client: Client, personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.ELIGIBILITY_DECIDE].roles
    assert allowed == (role in {Role.PHYSICIAN, Role.MEDICAL_DIRECTOR})
    # Refused before the body is read.
    assert decide(client, personas, {}, user=user).status_code == (400 if allowed else 403)
    response = decide(client, personas, APPROVE, user=user)
    if allowed:
        assert response.status_code == 201
    else:
        assert response.status_code == 403
        assert_error_shape(response, "permission_refused")
        assert not EligibilityDecision.objects.exists()


@pytest.mark.usefixtures("submitted")
def test_a_physician_whose_licence_has_expired_is_refused(
    client: Client, personas: Personas
) -> None:
    Credential.objects.filter(user=personas.bob, kind=CredentialKind.MEDICAL_LICENSE).update(
        expires_on=datetime.date(2020, 1, 1)
    )
    response = decide(client, personas, APPROVE)
    assert response.status_code == 403
    assert_error_shape(response, "credential_expired")
    assert not EligibilityDecision.objects.exists()


def test_another_clinics_physician_cannot_decide_for_this_clinics_patient(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = post(client, f"patients/{personas.pat.pk}/eligibility-decisions", APPROVE, token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")


# --- addenda -----------------------------------------------------------------------------------


@pytest.fixture
def decision(personas: Personas, submitted: None) -> EligibilityDecision:
    return eligibility_decide(
        acting_user=personas.alice,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="ok",
    )


def add(client: Client, personas: Personas, decision_id: int, body: Any, user: Any = None) -> Any:
    token = token_for(personas, user or personas.bob)
    return post(client, f"eligibility-decisions/{decision_id}/addenda", body, token)


def test_a_physician_adds_an_addendum_and_the_decision_lists_it(
    client: Client, personas: Personas, decision: EligibilityDecision
) -> None:
    response = add(client, personas, decision.pk, {"text": "  ECG reviewed: normal.  "})
    assert response.status_code == 201
    assert response.json()["text"] == "ECG reviewed: normal."
    assert response.json()["author"] == personas.bob.full_name
    listed = get(
        client,
        f"patients/{personas.pat.pk}/eligibility-decisions",
        token_for(personas, personas.nina),
    ).json()
    assert [a["text"] for a in listed[0]["addenda"]] == ["ECG reviewed: normal."]
    assert EligibilityDecision.objects.get(pk=decision.pk).note == "ok"  # the decision is as signed
    assert AuditEvent.objects.filter(action=AuditAction.ELIGIBILITY_ADDENDUM).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": "  "}, "text"), ({}, "text"), ({"text": ["a"]}, "text"), ({"text": None}, "text")],
)
def test_an_empty_addendum_is_refused(
    client: Client, personas: Personas, decision: EligibilityDecision, body: Any, field: str
) -> None:
    response = add(client, personas, decision.pk, body)
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not DecisionAddendum.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_add_addenda(
    client: Client, personas: Personas, decision: EligibilityDecision, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    response = add(client, personas, decision.pk, {"text": "Note."}, user=user)
    allowed = role in PERMISSIONS[Action.ELIGIBILITY_DECIDE].roles
    assert response.status_code == (201 if allowed else 403)
    # A refused caller cannot tell a real decision from a missing one: both are 403.
    assert add(client, personas, 999_999, {"text": "x"}, user=user).status_code == (
        404 if allowed else 403
    )


def test_another_clinics_decision_is_not_found(
    client: Client, personas: Personas, decision: EligibilityDecision
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = post(client, f"eligibility-decisions/{decision.pk}/addenda", {"text": "x"}, token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")
    assert not DecisionAddendum.objects.exists()
