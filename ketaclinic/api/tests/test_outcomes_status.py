"""The outcome endpoints: a patient's responses (paginated) and outcome status per course."""

from __future__ import annotations

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, token_for
from ketaclinic.care.tests.support import course_with_history
from ketaclinic.courses.tests.support import course_for
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def remitter(personas: Personas) -> Personas:
    course_with_history(personas, course_for(personas), [21, 17, 13, 10, 8, 6, 4])
    return personas


def test_outcome_status_per_course(client: Client, remitter: Personas) -> None:
    token = token_for(remitter, remitter.bob)
    response = get(client, f"patients/{remitter.pat.pk}/outcomes", token)
    assert response.status_code == 200
    body = response.json()
    assert body["median_infusions_to_response"] == "3.0"
    (course,) = body["courses"]
    assert course["infusions_given"] == 6
    (phq9,) = course["outcomes"]
    assert phq9["instrument"] == "phq9"
    assert phq9["baseline"]["total"] == 21
    assert phq9["latest"]["total"] == 4
    assert phq9["change_points"] == 17
    assert phq9["change_percent"] == "80.95"
    assert phq9["status"] == "remission"
    assert phq9["early_signal"]["signal"] == "continue"
    assert phq9["relapse_signal"]["suggests_booster"] is False
    assert phq9["infusions_to_response"] == 3


def test_responses_are_paginated_and_filtered(client: Client, remitter: Personas) -> None:
    token = token_for(remitter, remitter.nina)
    body = get(client, f"patients/{remitter.pat.pk}/outcomes/responses?page_size=5", token).json()
    assert body["count"] == 7
    assert len(body["results"]) == 5
    assert body["next"]
    assert [r["total"] for r in body["results"]] == [4, 6, 8, 10, 13]
    body = get(client, f"patients/{remitter.pat.pk}/outcomes/responses?instrument=gad7", token)
    assert body.json()["count"] == 0


@pytest.mark.parametrize("role", list(Role))
def test_access_by_role(client: Client, remitter: Personas, role: Role) -> None:
    user = remitter.staff_by_role()[role]
    token = token_for(remitter, user)
    for path in ("outcomes", "outcomes/responses"):
        response = get(client, f"patients/{remitter.pat.pk}/{path}", token)
        if role in PERMISSIONS[Action.OUTCOMES_VIEW].roles:
            assert response.status_code == 200
        else:
            assert response.status_code == 403
            assert_error_shape(response, "permission_refused")


def test_another_clinics_patient_is_not_found(client: Client, remitter: Personas) -> None:
    token = token_for(remitter, remitter.bob)
    for path in ("outcomes", "outcomes/responses"):
        response = get(client, f"patients/{remitter.bea.pk}/{path}", token)
        assert response.status_code == 404
