"""The portal's care pages: visits with their preparation, questionnaires due (filled in the
portal), the score history chart, and messages with the clinic. Only ever the patient's own."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.models import DueStatus, MeasureDue, MeasurePlan
from ketaclinic.messaging.models import Direction, Message
from ketaclinic.messaging.services import message_reply
from ketaclinic.outcomes.models import (
    ClinicalTask,
    QuestionnaireResponse,
    ResponseContext,
    ResponseSource,
)
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.patients.models import Patient
from ketaclinic.reminders.tests.support import appointment_for, medications_for, work
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _due(personas: Personas, patient: Patient, instrument: str = "phq9") -> MeasureDue:
    course = course_for(personas, patient)
    plan = MeasurePlan.objects.create(
        clinic=patient.clinic,
        course=course,
        patient=patient,
        instruments=[instrument],
        planned_on=patient.clinic.local_today(),
    )
    today = patient.clinic.local_today()
    return MeasureDue.objects.create(
        clinic=patient.clinic,
        plan=plan,
        course=course,
        patient=patient,
        instrument=instrument,
        reason="before_infusion",
        sequence=2,
        due_on=today,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=1),
    )


def _phq9(item9: int = 0, rest: int = 1) -> dict[str, str]:
    answers = {f"phq9.{n}": str(rest) for n in range(1, 9)}
    answers["phq9.9"] = str(item9)
    return answers


def test_home_shows_upcoming_visits_with_their_preparation(client_for, personas: Personas) -> None:
    medications_for(personas, personas.pat, "lamotrigine")
    appointment_for(personas, starts_at=timezone.now() + datetime.timedelta(days=2))
    appointment_for(
        personas,
        starts_at=timezone.now() + datetime.timedelta(days=3),
        patient=personas.quinn,
    )
    page = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert "Your upcoming visits" in page
    assert "Fasting: no food after" in page
    assert "drive" in page
    assert "lamotrigine" in page.lower()
    assert page.count("Fasting: no food after") == 1  # Quinn's visit is not shown


def test_a_patient_fills_in_a_due_questionnaire_in_the_portal(
    client_for, personas: Personas
) -> None:
    due = _due(personas, personas.pat)
    client = client_for(personas.pat_user)
    home = client.get(reverse("portal:home")).content.decode()
    url = reverse("portal:questionnaire", args=[due.pk])
    assert url in home
    assert "PHQ-9" in home
    assert url == f"/portal/questionnaires/{due.pk}/"  # an id only: no name, score or diagnosis
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, _phq9())
    assert response.status_code == 200
    assert "Thank you" in response.content.decode()
    recorded = QuestionnaireResponse.objects.get(patient=personas.pat)
    assert recorded.source == ResponseSource.PORTAL
    assert recorded.context == ResponseContext.PRE_SESSION
    assert recorded.total == 8
    assert not ClinicalTask.objects.filter(patient=personas.pat).exists()
    due.refresh_from_db()
    assert due.status == DueStatus.COMPLETED
    assert due.completed_by_response == recorded
    # Answered: it leaves the home page, and sending it again is refused.
    assert url not in client.get(reverse("portal:home")).content.decode()
    assert client.post(url, _phq9()).status_code == 404
    assert QuestionnaireResponse.objects.filter(patient=personas.pat).count() == 1


def test_an_unanswered_question_is_asked_again_and_nothing_is_saved(
    client_for, personas: Personas
) -> None:
    due = _due(personas, personas.pat)
    answers = _phq9()
    del answers["phq9.4"]
    response = client_for(personas.pat_user).post(
        reverse("portal:questionnaire", args=[due.pk]), answers
    )
    assert response.status_code == 200
    assert "Please answer this question." in response.content.decode()
    assert not QuestionnaireResponse.objects.exists()


def test_a_suicide_risk_answer_shows_crisis_resources_and_raises_the_urgent_task(
    client_for, personas: Personas
) -> None:
    due = _due(personas, personas.pat)
    response = client_for(personas.pat_user).post(
        reverse("portal:questionnaire", args=[due.pk]), _phq9(item9=1)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "988" in page
    assert "will contact you" in page
    assert ClinicalTask.objects.filter(patient=personas.pat, priority="urgent").count() == 1


def test_another_patients_questionnaire_is_not_found(client_for, personas: Personas) -> None:
    due = _due(personas, personas.quinn)
    client = client_for(personas.pat_user)
    url = reverse("portal:questionnaire", args=[due.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, _phq9()).status_code == 404
    assert not QuestionnaireResponse.objects.exists()


def test_a_closed_questionnaire_is_not_found(client_for, personas: Personas) -> None:
    due = _due(personas, personas.pat)
    due.status = DueStatus.MISSED
    due.save()
    response = client_for(personas.pat_user).get(reverse("portal:questionnaire", args=[due.pk]))
    assert response.status_code == 404


def test_home_shows_the_patients_own_score_history_as_a_chart(
    client_for, personas: Personas
) -> None:
    for rest in (3, 2, 1):
        questionnaire_record(
            acting_user=personas.nina,
            patient=personas.pat,
            instrument_code="phq9",
            answers={k: int(v) for k, v in _phq9(rest=rest).items()},
            context=ResponseContext.FOLLOW_UP,
        )
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.quinn,
        instrument_code="gad7",
        answers={f"gad7.{n}": 3 for n in range(1, 8)},
        context=ResponseContext.FOLLOW_UP,
    )
    page = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert "<svg" in page
    assert "Your PHQ-9 scores over time" in page
    assert page.count("<circle") == 3
    assert "latest 8" in page
    assert "GAD-7" not in page  # Quinn's answers
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]


def test_home_query_count_does_not_grow_with_visits_scores_or_messages(
    client_for, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = client_for(personas.pat_user)
    appointment_for(personas, starts_at=timezone.now() + datetime.timedelta(days=2))
    client.get(reverse("portal:home"))
    # A patient with a visit and no consent steps: the steps of test_portal.QUERIES without the
    # consent ones, plus the visit's medications. More visits, scores and messages add none.
    with django_assert_num_queries(QUERIES) as first:
        client.get(reverse("portal:home"))
    for days in (3, 4, 5):
        appointment_for(personas, starts_at=timezone.now() + datetime.timedelta(days=days))
        questionnaire_record(
            acting_user=personas.nina,
            patient=personas.pat,
            instrument_code="phq9",
            answers={k: int(v) for k, v in _phq9().items()},
            context=ResponseContext.FOLLOW_UP,
        )
        Message.objects.create(
            clinic=personas.clinic,
            patient=personas.pat,
            direction=Direction.TO_PATIENT,
            body="Hello",
            author=personas.fran,
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("portal:home"))


QUERIES = 16


def test_a_patient_writes_to_the_clinic_and_reads_the_reply(
    client_for, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(personas.pat_user)
    response = client.post(reverse("portal:messages"), {"body": "Can I take ibuprofen?"})
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.direction == Direction.TO_CLINIC
    assert message.patient == personas.pat
    assert mail.outbox == []  # the clinic's inbox shows it; no email
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(acting_user=personas.nina, patient=personas.pat, body="Yes, the day after.")
    work()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [personas.pat_user.email]
    assert email.subject == "You have a new message"
    assert "ibuprofen" not in email.body
    assert "day after" not in email.body
    assert personas.pat.legal_last_name not in f"{email.subject} {email.body}"
    assert "/portal/messages/" in email.body
    home = client.get(reverse("portal:home")).content.decode()
    assert "1 new" in home
    page = client.get(reverse("portal:messages")).content.decode()
    assert "Yes, the day after." in page
    assert "Can I take ibuprofen?" in page
    assert "1 new" not in client.get(reverse("portal:home")).content.decode()


def test_an_empty_message_is_refused(client_for, personas: Personas) -> None:
    response = client_for(personas.pat_user).post(reverse("portal:messages"), {"body": "  "})
    assert response.status_code == 200
    assert not Message.objects.exists()


def test_a_patient_sees_only_their_own_messages(client_for, personas: Personas) -> None:
    Message.objects.create(
        clinic=personas.clinic,
        patient=personas.quinn,
        direction=Direction.TO_PATIENT,
        body="For Quinn only",
        author=personas.fran,
    )
    page = client_for(personas.pat_user).get(reverse("portal:messages")).content.decode()
    assert "For Quinn only" not in page
