"""Screening questionnaires: staff entry, the patient's single-use link, and the urgent task a
suicide-risk answer raises at once (issue 4)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.outcomes.models import (
    ClinicalTask,
    QuestionnaireLink,
    QuestionnaireResponse,
    ResponseContext,
)
from ketaclinic.outcomes.services import (
    clinical_task_complete,
    questionnaire_link_issue,
    questionnaire_link_submit,
    questionnaire_record,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PHQ9_NO_RISK = {f"phq9.{n}": 1 for n in range(1, 10)} | {"phq9.9": 0}
PHQ9_RISK = {f"phq9.{n}": 1 for n in range(1, 10)}
GAD7 = {f"gad7.{n}": 2 for n in range(1, 8)}


def page_answers(answers: dict[str, dict[str, int]]) -> dict[str, str]:
    return {
        f"{instrument}__{code}": str(value)
        for instrument, items in answers.items()
        for code, value in items.items()
    }


def test_staff_entry_is_scored_by_medicine_and_audited(personas: Personas) -> None:
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_NO_RISK,
        context=ResponseContext.SCREENING,
    )
    assert (response.total, response.band, response.flags) == (8, "mild", [])
    assert not ClinicalTask.objects.exists()
    assert AuditEvent.objects.filter(
        action=AuditAction.QUESTIONNAIRE_RECORDED, patient_id=personas.pat.pk
    ).exists()


def test_a_suicide_risk_answer_raises_an_urgent_task_for_the_physician_at_once(
    client_for: Any, personas: Personas
) -> None:
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_RISK,
        context=ResponseContext.SCREENING,
    )
    task = ClinicalTask.objects.get()
    assert task.priority == "urgent"
    assert task.for_role == Role.PHYSICIAN
    assert "Suicide-risk" in task.title
    home = client_for(personas.bob).get(reverse("home")).content.decode()
    assert "Needs a physician now" in home
    assert task.title in home


def test_the_c_ssrs_screener_raises_the_task_too(personas: Personas) -> None:
    answers = {f"cssrs.{n}": 0 for n in range(1, 7)} | {"cssrs.4": 1}
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="cssrs_screener",
        answers=answers,
        context=ResponseContext.SCREENING,
    )
    assert response.band == "high"
    assert ClinicalTask.objects.filter(source_response=response).exists()


@pytest.mark.parametrize(
    ("answers", "message"),
    [({"phq9.1": 1}, "incomplete"), (PHQ9_NO_RISK | {"phq9.2": 7}, "not an allowed answer")],
)
def test_incomplete_or_out_of_range_answers_are_refused_and_nothing_saved(
    personas: Personas, answers: dict[str, int], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        questionnaire_record(
            acting_user=personas.nina,
            patient=personas.pat,
            instrument_code="phq9",
            answers=answers,
            context=ResponseContext.SCREENING,
        )
    assert not QuestionnaireResponse.objects.exists()


def test_a_physician_closes_the_task_with_a_note(personas: Personas) -> None:
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_RISK,
        context=ResponseContext.SCREENING,
    )
    task = ClinicalTask.objects.get()
    with pytest.raises(PermissionRefused):
        clinical_task_complete(acting_user=personas.nina, task=task, note="called")
    with pytest.raises(InvalidInput, match="Say what was done"):
        clinical_task_complete(acting_user=personas.bob, task=task, note=" ")
    done = clinical_task_complete(
        acting_user=personas.bob, task=task, note="Called; safety plan reviewed; seen tomorrow."
    )
    assert done.completed_by == personas.bob
    assert AuditEvent.objects.filter(action=AuditAction.TASK_COMPLETED).exists()


def test_the_patients_link_works_once_and_carries_no_personal_data(personas: Personas) -> None:
    client = Client()
    link, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9", "gad7"],
        context=ResponseContext.SCREENING,
    )
    url = reverse("questionnaire_link", args=[token])
    assert url == f"/q/{token}/"  # the random token and nothing else
    page = client.get(url)
    assert page.status_code == 200
    assert "Little interest or pleasure in doing things" in page.content.decode()
    assert personas.pat.legal_last_name not in page.content.decode()
    done = client.post(url, page_answers({"phq9": PHQ9_NO_RISK, "gad7": GAD7}))
    assert done.status_code == 200
    assert "Thank you" in done.content.decode()
    assert (
        QuestionnaireResponse.objects.filter(patient=personas.pat, source="portal_link").count()
        == 2
    )
    again = client.get(url)
    assert again.status_code == 404
    assert "can't be used" in again.content.decode()
    assert QuestionnaireLink.objects.get(pk=link.pk).token_hash != token


def test_a_risk_answer_by_link_shows_crisis_resources(personas: Personas) -> None:
    _, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9"],
        context=ResponseContext.SCREENING,
    )
    done = Client().post(
        reverse("questionnaire_link", args=[token]), page_answers({"phq9": PHQ9_RISK})
    )
    html = done.content.decode()
    assert 'id="crisis-resources-heading"' in html
    assert "988" in html
    assert ClinicalTask.objects.filter(patient=personas.pat, priority="urgent").exists()


def test_an_unanswered_question_on_the_link_page_keeps_everything_and_the_link(
    personas: Personas,
) -> None:
    _, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9", "gad7"],
        context=ResponseContext.SCREENING,
    )
    partial = page_answers({"phq9": PHQ9_NO_RISK, "gad7": GAD7})
    del partial["gad7__gad7.3"]
    response = Client().post(reverse("questionnaire_link", args=[token]), partial)
    assert response.status_code == 200
    assert "Please answer this question." in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()
    assert Client().get(reverse("questionnaire_link", args=[token])).status_code == 200


def test_an_expired_or_unknown_link_gets_the_same_refusal(personas: Personas) -> None:
    _, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9"],
        context=ResponseContext.SCREENING,
        valid_hours=1,
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        expired = Client().get(reverse("questionnaire_link", args=[token]))
    unknown = Client().get(reverse("questionnaire_link", args=["nonsense"]))
    assert expired.status_code == unknown.status_code == 404
    assert expired.content == unknown.content
    assert AuditEvent.objects.filter(action=AuditAction.QUESTIONNAIRE_LINK_REFUSED).count() == 2


def test_a_link_cannot_be_submitted_twice(personas: Personas) -> None:
    _, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9"],
        context=ResponseContext.SCREENING,
    )
    questionnaire_link_submit(token=token, answers_by_instrument={"phq9": PHQ9_NO_RISK})
    with pytest.raises(NotFound):
        questionnaire_link_submit(token=token, answers_by_instrument={"phq9": PHQ9_NO_RISK})
    assert QuestionnaireResponse.objects.count() == 1


@pytest.mark.parametrize(
    ("codes", "hours", "message"),
    [
        ([], 72, "at least one"),
        (["cssrs_screener"], 72, "licensed wording"),
        (["hamd"], 72, "no questionnaire"),
        (["phq9"], 0, "1 to 336"),
    ],
)
def test_link_requests_are_checked(
    personas: Personas, codes: list[str], hours: int, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        questionnaire_link_issue(
            acting_user=personas.fran,
            patient=personas.pat,
            instrument_codes=codes,
            context=ResponseContext.SCREENING,
            valid_hours=hours,
        )


@pytest.mark.parametrize("role", list(Role))
def test_entering_questionnaires_follows_the_matrix(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(
        reverse("outcomes:enter", args=[personas.pat.pk, "phq9"])
    )
    assert response.status_code == (
        200 if role in PERMISSIONS[Action.QUESTIONNAIRE_RECORD].roles else 403
    )


def test_staff_entry_page_records_and_redirects(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.nina)
    form = {"context": "screening"} | {code: str(value) for code, value in PHQ9_RISK.items()}
    response = client.post(reverse("outcomes:enter", args=[personas.pat.pk, "phq9"]), form)
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "suicide risk" in detail
    assert "urgent task was raised" in detail


def test_an_unknown_instrument_or_another_clinics_patient_is_not_found(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.nina)
    assert client.get(reverse("outcomes:enter", args=[personas.pat.pk, "hamd"])).status_code == 404
    assert client.get(reverse("outcomes:enter", args=[personas.bea.pk, "phq9"])).status_code == 404


def test_the_link_page_for_staff_shows_the_link_once(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.fran)
    response = client.post(
        reverse("outcomes:link_create", args=[personas.pat.pk]),
        {"instruments": ["phq9"], "context": "screening", "valid_hours": "72"},
        follow=True,
    )
    assert "/q/" in response.content.decode()
    assert (
        "/q/"
        not in client.get(reverse("outcomes:link_create", args=[personas.pat.pk])).content.decode()
    )


def test_entered_at_the_chair_it_returns_to_the_session_and_never_off_site(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.nina)
    form = {"context": "pre_session"} | {f"phq9.{n}": "0" for n in range(1, 10)}
    url = reverse("outcomes:enter", args=[personas.pat.pk, "phq9"])
    back = client.post(f"{url}?next=/staff/sessions/7/%23checklist", form)
    assert back["Location"] == "/staff/sessions/7/#checklist"
    away = client.post(f"{url}?next=https://evil.example/staff/", form)
    assert away["Location"] == reverse("patients:detail", args=[personas.pat.pk])
