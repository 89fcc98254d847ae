"""The intake over the API (issue 13 item 2): a submitted intake is amended, never saved over or
returned to a draft; a field left out keeps its value; decisions show a later amendment; and
who reads and writes which intake fields follows the matrix (accounts/roles.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import get, post, put, token_for
from ketaclinic.intake.api import views as journey
from ketaclinic.intake.models import Intake, IntakeStatus
from ketaclinic.intake.services import intake_amend, intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE
from ketaclinic.intake.tests.test_intake_amendments import (
    AMENDED,
    approved_intake,
    submitted_intake,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["fran", "nina"])
def test_a_submitted_intake_cannot_be_emptied_through_the_api(
    client: Client, personas: Personas, who: str
) -> None:
    """The reported defect: `PUT {"submit": false}` answered 200 and blanked every field."""
    approved_intake(personas)
    token = token_for(personas, getattr(personas, who))
    response = put(client, f"patients/{personas.pat.pk}/intake", {"submit": False}, token)
    assert response.status_code == 409
    assert "amend" in response.json()["error"]["message"]
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.status == IntakeStatus.SUBMITTED
    assert intake.version == 1
    assert intake.weight_kg == Decimal("70.0")
    assert [d.code for d in intake.diagnoses.all()] == ["F33.2"]
    assert intake.trials.count() == 2


def test_the_api_amends_with_a_reason_and_keeps_what_is_left_out(
    client: Client, personas: Personas
) -> None:
    submitted_intake(personas)
    token = token_for(personas, personas.nina)
    path = f"patients/{personas.pat.pk}/intake"
    without_reason = put(client, path, {"weight_kg": "72", "submit": True}, token)
    assert without_reason.status_code == 409
    un_submit = put(
        client, path, {"weight_kg": "72", "submit": False, "amendment_reason": "x"}, token
    )
    assert un_submit.status_code == 400
    assert "submit" in un_submit.json()["error"]["fields"]
    amended = put(client, path, {"weight_kg": "72", "amendment_reason": "Weighed again."}, token)
    assert amended.status_code == 200, amended.content
    assert amended.json()["version"] == 2
    assert amended.json()["status"] == "submitted"
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.weight_kg == Decimal("72.0")
    assert intake.trials.count() == 2  # left out: kept
    assert [m.name for m in intake.medications.all()] == ["lorazepam"]
    versions = get(client, f"{path}/versions", token_for(personas, personas.bob)).json()
    assert [(v["number"], v["kind"]) for v in versions] == [(2, "amended"), (1, "submitted")]
    assert versions[0]["changes"] == {"weight_kg": {"old": "70.0", "new": "72.0"}}
    assert versions[1]["content"]["weight_kg"] == "70.0"


def test_an_amendment_in_between_is_not_undone_by_a_partial_amendment(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another amendment lands after the request is parsed and before the service locks the
    intake: this one changes only what it sends, on top of the other."""
    submitted_intake(personas)
    service = journey.intake_amend

    def amend_by_another_user_first(**kwargs: Any) -> Intake:
        service(acting_user=personas.bob, patient=personas.pat, entry=AMENDED, reason="GP.")
        return service(**kwargs)

    monkeypatch.setattr(journey, "intake_amend", amend_by_another_user_first)
    response = put(
        client,
        f"patients/{personas.pat.pk}/intake",
        {"height_cm": "170", "amendment_reason": "Measured again."},
        token_for(personas, personas.nina),
    )
    assert response.status_code == 200, response.content
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.version == 3
    assert (intake.height_cm, intake.weight_kg) == (Decimal("170.0"), Decimal("72.0"))
    assert intake.psychiatric_history == AMENDED.psychiatric_history
    assert intake.medications.count() == 2
    changes = intake.versions.get(number=3).changes
    assert changes == {"height_cm": {"old": "165.0", "new": "170.0"}}


def test_decisions_show_an_amendment_after_them_until_reviewed(
    client: Client, personas: Personas
) -> None:
    approved_intake(personas)
    intake_amend(acting_user=personas.nina, patient=personas.pat, entry=AMENDED, reason="GP.")
    token = token_for(personas, personas.bob)
    path = f"patients/{personas.pat.pk}/eligibility-decisions"
    (decision,) = get(client, path, token).json()
    assert (decision["intake_version"], decision["is_intake_amended_since"]) == (1, True)
    added = post(
        client,
        f"eligibility-decisions/{decision['id']}/addenda",
        {"text": "Reviewed version 2: sertraline restarted; approval stands."},
        token,
    )
    assert added.status_code == 201
    assert added.json()["intake_version"] == 2
    (decision,) = get(client, path, token).json()
    assert (decision["reviewed_intake_version"], decision["is_intake_amended_since"]) == (2, False)


@pytest.mark.parametrize("role", list(Role))
def test_who_reads_what_of_the_intake(client: Client, personas: Personas, role: Role) -> None:
    """Clinical content to those who open the chart; the status (and the measurements to
    those who record them) to the rest of the staff; nothing to the auditor."""
    submitted_intake(personas)
    user = personas.staff_by_role()[role]
    response = get(client, f"patients/{personas.pat.pk}/intake", token_for(personas, user))
    if role not in PERMISSIONS[Action.INTAKE_STATUS_VIEW].roles:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.json()
    if role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles:
        assert body["content"] == "full"
        assert body["diagnoses"] == ["F33.2"]
        return
    shown = {"content", "status", "version", "submitted_at", "patient_submitted_at"}
    if role in PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].roles:
        shown |= {"height_cm", "weight_kg"}
    assert set(body) == shown
    assert (body["content"], body["status"], body["version"]) == ("status", "submitted", 1)


def test_front_desk_records_height_and_weight_and_nothing_clinical(
    client: Client, personas: Personas
) -> None:
    token = token_for(personas, personas.fran)
    path = f"patients/{personas.pat.pk}/intake"
    saved = put(client, path, {"height_cm": "168", "weight_kg": "71"}, token)
    assert saved.status_code == 200
    assert set(saved.json()) == {
        "content",
        "status",
        "version",
        "submitted_at",
        "patient_submitted_at",
        "height_cm",
        "weight_kg",
    }
    intake_save(
        acting_user=personas.nina,
        patient=personas.pat,
        entry=replace(COMPLETE, psychiatric_history="Private."),
        submit=False,
    )
    refused: tuple[dict[str, Any], ...] = (
        {"psychiatric_history": ""},
        {"medications": []},
        {"weight_kg": "72", "diagnoses": ["F32.9"]},
        {"weight_kg": "72", "submit": True},
    )
    for body in refused:
        assert put(client, path, body, token).status_code == 403, body
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.psychiatric_history == "Private."
    assert intake.medications.count() == 1
    assert intake.status == IntakeStatus.DRAFT
    assert put(client, path, {"weight_kg": "72"}, token).status_code == 200
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.weight_kg, intake.psychiatric_history) == (Decimal("72.0"), "Private.")


def test_the_versions_are_for_those_who_open_the_chart(client: Client, personas: Personas) -> None:
    submitted_intake(personas)
    path = f"patients/{personas.pat.pk}/intake/versions"
    for user, expected in ((personas.bob, 200), (personas.fran, 403), (personas.otto, 403)):
        response: Any = get(client, path, token_for(personas, user))
        assert response.status_code == expected
