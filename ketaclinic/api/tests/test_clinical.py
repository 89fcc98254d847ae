"""The journey endpoints: intake with advice, questionnaire responses, decisions and consents."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import get, token_for
from ketaclinic.intake.models import EligibilityOutcome
from ketaclinic.intake.services import eligibility_decide, intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PHQ9 = {f"phq9.{n}": 1 for n in range(1, 10)}


def post(client: Client, path: str, body: object, token: str) -> object:
    return client.post(
        f"/api/v1/{path}",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )


def test_intake_with_the_rules_advice(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.bob)
    assert get(client, f"patients/{personas.pat.pk}/intake", token).status_code == 404
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)
    body = get(client, f"patients/{personas.pat.pk}/intake", token).json()
    assert body["status"] == "submitted"
    assert body["diagnoses"] == ["F33.2"]
    assert body["advice"]["decision"] == "eligible"


def test_recording_a_questionnaire_scores_it_and_raises_the_task(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.nina)
    response = post(
        client,
        f"patients/{personas.pat.pk}/questionnaire-responses",
        {"instrument": "phq9", "answers": PHQ9},
        token,
    )
    assert response.status_code == 201
    assert response.json()["total"] == 9
    assert response.json()["flags"] == ["suicide_risk"]
    assert ClinicalTask.objects.filter(patient=personas.pat, priority="urgent").exists()
    listed = get(client, f"patients/{personas.pat.pk}/questionnaire-responses", token).json()
    assert [row["instrument"] for row in listed] == ["phq9"]


@pytest.mark.parametrize(
    ("body", "field_or_message"),
    [
        ({"instrument": "phq9", "answers": {"phq9.1": 1}}, "incomplete"),
        ({"instrument": "hamd", "answers": {}}, "No instrument"),
        ({"instrument": "phq9", "answers": "lots"}, "answers"),
        ({"answers": PHQ9}, "instrument"),
    ],
)
def test_bad_questionnaires_are_refused_in_the_error_shape(
    client: Client, personas: Personas, body: dict[str, object], field_or_message: str
) -> None:
    response = post(
        client,
        f"patients/{personas.pat.pk}/questionnaire-responses",
        body,
        token_for(personas, personas.nina),
    )
    assert response.status_code == 400
    assert field_or_message in json.dumps(response.json())


def test_decisions_and_consents_are_listed(client: Client, personas: Personas) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)
    eligibility_decide(
        acting_user=personas.bob,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="ok",
    )
    token = token_for(personas, personas.bob)
    decisions = get(client, f"patients/{personas.pat.pk}/eligibility-decisions", token).json()
    assert decisions[0]["outcome"] == "approved"
    assert decisions[0]["signed_by"] == personas.bob.full_name
    assert get(client, f"patients/{personas.pat.pk}/consents", token).json() == []


@pytest.mark.parametrize("role", list(Role))
def test_journey_endpoints_follow_the_matrix(
    client: Client, personas: Personas, role: Role
) -> None:
    token = token_for(personas, personas.staff_by_role()[role])
    decisions = get(client, f"patients/{personas.pat.pk}/eligibility-decisions", token)
    assert decisions.status_code == (
        200 if role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles else 403
    )
    consents = get(client, f"patients/{personas.pat.pk}/consents", token)
    assert consents.status_code == (200 if role in PERMISSIONS[Action.PATIENT_LIST].roles else 403)


def test_another_clinics_patient_is_not_found(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.bob)
    assert (
        get(client, f"patients/{personas.bea.pk}/questionnaire-responses", token).status_code == 404
    )
