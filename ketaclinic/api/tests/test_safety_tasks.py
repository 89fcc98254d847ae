"""The suicide-safety task endpoints: list, acknowledge, complete (issue 8)."""

from __future__ import annotations

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.outcomes.models import ClinicalTask, ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PHQ9_RISK = {f"phq9.{n}": 1 for n in range(1, 10)}
READERS = PERMISSIONS[Action.PATIENT_CHART_VIEW].roles
ACTORS = PERMISSIONS[Action.SAFETY_TASK_RESOLVE].roles


@pytest.fixture
def task(personas: Personas) -> ClinicalTask:
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_RISK,
        context=ResponseContext.FOLLOW_UP,
    )
    return ClinicalTask.objects.get(source_response=response)


@pytest.mark.parametrize("role", list(Role))
def test_reading_and_acting_by_role(
    client: Client, personas: Personas, task: ClinicalTask, role: Role
) -> None:
    token = token_for(personas, personas.staff_by_role()[role])
    listed = get(client, "safety-tasks", token)
    if role in READERS:
        assert listed.status_code == 200
        (row,) = listed.json()
        assert row["id"] == task.pk
        assert row["is_overdue"] is False
        assert row["acknowledge_by"].endswith("-07:00") or row["acknowledge_by"].endswith("-06:00")
    else:
        assert_error_shape(listed, "permission_refused")
    acknowledged = post(client, f"safety-tasks/{task.pk}/acknowledge", {"note": "Mine."}, token)
    completed = post(client, f"safety-tasks/{task.pk}/complete", {"note": "Called."}, token)
    if role in ACTORS:
        assert acknowledged.status_code == 200
        assert acknowledged.json()["acknowledgement_note"] == "Mine."
        assert completed.status_code == 200
        assert completed.json()["completed_by"] is not None
        assert get(client, "safety-tasks", token).json() == []
    else:
        assert_error_shape(acknowledged, "permission_refused")
        assert_error_shape(completed, "permission_refused")


def test_errors_and_another_clinics_task(
    client: Client, personas: Personas, task: ClinicalTask
) -> None:
    token = token_for(personas, personas.bob)
    assert_error_shape(
        post(client, f"safety-tasks/{task.pk}/acknowledge", {}, token), "invalid_input"
    )
    assert (
        post(client, f"safety-tasks/{task.pk}/acknowledge", {"note": "x"}, token).status_code == 200
    )
    again = post(client, f"safety-tasks/{task.pk}/acknowledge", {"note": "x"}, token)
    assert again.status_code == 409
    elsewhere = token_for(personas, personas.charlie, personas.other_clinic)
    assert_error_shape(
        post(client, f"safety-tasks/{task.pk}/complete", {"note": "x"}, elsewhere), "not_found"
    )
    assert get(client, "safety-tasks?mine=true", elsewhere).json() == []
    mine = get(client, "safety-tasks?mine=true", token).json()
    assert [row["id"] for row in mine] == [task.pk]  # no physician yet: any physician's
