"""Suicide safety (issue 8; CLINICAL.md §9.3): a positive answer from the portal or the tablet
raises an urgent task for the patient's physician with an acknowledgement deadline; a missed
deadline goes to the medical director once; the patient sees crisis resources; every step is
audited; emails say only that there is an urgent task."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import OpeningHours
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused
from ketaclinic.courses.tests.support import course_for
from ketaclinic.jobs.models import Job
from ketaclinic.jobs.services import jobs_run_due
from ketaclinic.outcomes.models import ClinicalTask, ResponseContext, ResponseSource
from ketaclinic.outcomes.services import (
    ESCALATE_JOB,
    NOTIFY_JOB,
    URGENT_TASK_EMAIL,
    clinical_task_acknowledge,
    clinical_task_complete,
    clinical_task_escalate_if_missed,
    patient_physician_get,
    questionnaire_link_issue,
    questionnaire_record,
    safety_task_notify,
)
from ketaclinic.outcomes.tests.test_questionnaires_flow import (
    PHQ9_NO_RISK,
    PHQ9_RISK,
    page_answers,
)
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

ACTORS = PERMISSIONS[Action.SAFETY_TASK_RESOLVE].roles
CSSRS_Q3 = {f"cssrs.{n}": int(n == 3) for n in range(1, 7)}
CRISIS = 'id="crisis-resources-heading"'
# 2026-03-03 is a Tuesday; the clinic (America/Denver) is open Mon–Fri 09:00–17:00.
TUESDAY_10 = datetime.datetime(
    2026, 3, 3, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=-7))
)


@pytest.fixture(autouse=True)
def weekday_hours(personas: Personas) -> None:
    OpeningHours.objects.filter(clinic=personas.clinic).delete()
    for weekday in range(5):
        OpeningHours.objects.create(
            clinic=personas.clinic,
            weekday=weekday,
            opens_at=datetime.time(9),
            closes_at=datetime.time(17),
        )


def staff_risk(personas: Personas, **kwargs: Any) -> ClinicalTask:
    response = questionnaire_record(
        acting_user=kwargs.get("by", personas.nina),
        patient=kwargs.get("patient", personas.pat),
        instrument_code=kwargs.get("code", "phq9"),
        answers=kwargs.get("answers", PHQ9_RISK),
        context=ResponseContext.PRE_SESSION,
    )
    return ClinicalTask.objects.get(source_response=response)


def link_submit(personas: Personas, answers: dict[str, int]) -> Any:
    _, token = questionnaire_link_issue(
        acting_user=personas.fran,
        patient=personas.pat,
        instrument_codes=["phq9"],
        context=ResponseContext.FOLLOW_UP,
    )
    return Client().post(
        reverse("questionnaire_link", args=[token]), page_answers({"phq9": answers})
    )


# --- raising ----------------------------------------------------------------------------------


@time_machine.travel(TUESDAY_10, tick=False)
def test_a_portal_answer_raises_the_task_for_the_physician_with_a_deadline(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    course_for(personas)  # bob signs the course (alice signed the decision)
    with django_capture_on_commit_callbacks(execute=True):
        done = link_submit(personas, PHQ9_RISK)
    task = ClinicalTask.objects.get(priority="urgent")
    assert task.source_response is not None
    assert task.source_response.source == ResponseSource.PORTAL_LINK
    assert task.assigned_to == personas.bob
    assert task.acknowledge_by == TUESDAY_10 + datetime.timedelta(hours=1)
    assert CRISIS in done.content.decode()
    jobs = {job.name: job for job in Job.objects.all()}
    assert jobs[ESCALATE_JOB].run_at == task.acknowledge_by
    assert jobs[ESCALATE_JOB].args == {"task_id": task.pk}
    assert jobs[NOTIFY_JOB].args == {"task_id": task.pk, "stage": "raised"}


@pytest.mark.parametrize(("code", "answers"), [("phq9", PHQ9_RISK), ("cssrs_screener", CSSRS_Q3)])
def test_a_tablet_answer_raises_it_too_phq9_item_9_or_cssrs_item_3(
    personas: Personas, code: str, answers: dict[str, int]
) -> None:
    task = staff_risk(personas, code=code, answers=answers)
    assert task.source_response is not None
    assert task.source_response.source == ResponseSource.STAFF
    assert task.acknowledge_by is not None


def test_no_task_and_no_crisis_panel_without_a_risk_answer(personas: Personas) -> None:
    done = link_submit(personas, PHQ9_NO_RISK)
    assert done.status_code == 200
    assert CRISIS not in done.content.decode()
    assert not ClinicalTask.objects.exists()


def test_the_crisis_panel_names_988_911_and_the_clinic_phone(personas: Personas) -> None:
    html = link_submit(personas, PHQ9_RISK).content.decode()
    panel = html[html.index(CRISIS) :]
    for text in ('href="tel:988"', 'href="tel:911"', personas.clinic.phone, "not alone"):
        assert text in panel


@pytest.mark.parametrize(
    ("moment", "deadline"),
    [
        ((3, 16, 30), (3, 17, 30)),  # in hours, runs past closing
        ((3, 20, 0), (4, 10, 0)),  # Tuesday evening → Wednesday opening + 1 h
        ((6, 18, 0), (9, 10, 0)),  # Friday evening → Monday 10:00
    ],
)
def test_the_deadline_in_and_out_of_clinic_hours(
    personas: Personas, moment: tuple[int, int, int], deadline: tuple[int, int, int]
) -> None:
    zone = personas.clinic.zone
    with time_machine.travel(datetime.datetime(2026, 3, *moment, tzinfo=zone), tick=False):
        task = staff_risk(personas)
    assert task.acknowledge_by == datetime.datetime(2026, 3, *deadline, tzinfo=zone)


def test_an_on_call_setting_shortens_the_night(personas: Personas) -> None:
    personas.clinic.rule_overrides = {"safety": {"on_call_acknowledge_within_min": 20}}
    personas.clinic.save()
    zone = personas.clinic.zone
    with time_machine.travel(datetime.datetime(2026, 3, 3, 20, tzinfo=zone), tick=False):
        task = staff_risk(personas)
    assert task.acknowledge_by == datetime.datetime(2026, 3, 3, 20, 20, tzinfo=zone)


def test_the_patients_physician_is_the_course_signer_else_the_decision_signer(
    personas: Personas,
) -> None:
    assert patient_physician_get(patient=personas.quinn) is None
    approve(personas, personas.quinn)
    assert patient_physician_get(patient=personas.quinn) == personas.alice
    course_for(personas)
    assert patient_physician_get(patient=personas.pat) == personas.bob
    membership = personas.bob.memberships.get(clinic=personas.clinic)
    membership.is_active = False
    membership.save()
    assert patient_physician_get(patient=personas.pat) == personas.alice  # bob left


# --- acknowledging, escalating, completing --------------------------------------------------------


def test_acknowledging_before_the_deadline_prevents_escalation(personas: Personas) -> None:
    task = staff_risk(personas)
    assert task.acknowledge_by is not None
    clinical_task_acknowledge(acting_user=personas.bob, task=task, note="Calling her now.")
    later = task.acknowledge_by + datetime.timedelta(minutes=1)
    assert clinical_task_escalate_if_missed(task_id=task.pk, now=later) is False
    task.refresh_from_db()
    assert (task.escalated_at, task.acknowledged_by) == (None, personas.bob)
    with pytest.raises(Conflict, match="already acknowledged"):
        clinical_task_acknowledge(acting_user=personas.alice, task=task, note="me too")
    with pytest.raises(InvalidInput):
        clinical_task_acknowledge(acting_user=personas.bob, task=staff_risk(personas), note=" ")


def test_a_missed_deadline_escalates_once_to_the_medical_director_and_emails_without_phi(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    course_for(personas)
    with django_capture_on_commit_callbacks(execute=True):
        task = staff_risk(personas)
    assert task.acknowledge_by is not None
    assert clinical_task_escalate_if_missed(task_id=task.pk, now=task.acknowledge_by) is True
    task.refresh_from_db()
    assert task.escalated_to == personas.alice
    with django_capture_on_commit_callbacks(execute=True):
        again = clinical_task_escalate_if_missed(
            task_id=task.pk, now=task.acknowledge_by + datetime.timedelta(hours=1)
        )
    assert again is False
    assert AuditEvent.objects.filter(action=AuditAction.TASK_ESCALATED).count() == 1
    mail.outbox.clear()
    assert safety_task_notify(task_id=task.pk, stage="escalated") == 1
    (message,) = mail.outbox
    assert message.to == [personas.alice.email]
    assert (message.subject, message.body) == (URGENT_TASK_EMAIL, f"{URGENT_TASK_EMAIL}.")
    for phi in (personas.pat.legal_first_name, personas.pat.medical_record_number, "suicid"):
        assert phi not in f"{message.subject} {message.body}"


def test_the_jobs_run_at_the_deadline_and_escalate_only_what_was_missed(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    course_for(personas)
    with time_machine.travel(TUESDAY_10, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            missed = staff_risk(personas)
            handled = staff_risk(personas, patient=personas.quinn)
        jobs_run_due(worker_id="test")  # the "raised" emails
        clinical_task_acknowledge(acting_user=personas.bob, task=handled, note="On it.")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [personas.bob.email, personas.alice.email, personas.bob.email]
    )  # pat → bob; quinn has no physician yet → every physician
    mail.outbox.clear()
    with time_machine.travel(TUESDAY_10 + datetime.timedelta(minutes=61), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            jobs_run_due(worker_id="test")
        jobs_run_due(worker_id="test")  # the escalation's email
    missed.refresh_from_db()
    handled.refresh_from_db()
    assert missed.escalated_to == personas.alice
    assert handled.escalated_at is None
    assert [m.to for m in mail.outbox] == [[personas.alice.email]]


def test_without_a_medical_director_every_physician_hears_of_the_escalation(
    personas: Personas,
) -> None:
    alice = personas.alice.memberships.get(clinic=personas.clinic)
    alice.role = Role.PHYSICIAN
    alice.save()
    task = staff_risk(personas)
    assert task.acknowledge_by is not None
    assert clinical_task_escalate_if_missed(task_id=task.pk, now=task.acknowledge_by)
    task.refresh_from_db()
    assert task.escalated_to is None
    assert task.escalated_at is not None
    assert safety_task_notify(task_id=task.pk, stage="escalated") == 2


def test_a_completed_task_is_neither_escalated_nor_emailed(personas: Personas) -> None:
    task = staff_risk(personas)
    done = clinical_task_complete(acting_user=personas.bob, task=task, note="Seen in clinic.")
    assert (done.acknowledged_by, done.acknowledged_at) == (personas.bob, done.completed_at)
    assert task.acknowledge_by is not None
    assert not clinical_task_escalate_if_missed(task_id=task.pk, now=task.acknowledge_by)
    assert not clinical_task_escalate_if_missed(task_id=999_999)
    assert safety_task_notify(task_id=task.pk, stage="raised") == 0
    with pytest.raises(Conflict):
        clinical_task_acknowledge(acting_user=personas.bob, task=task, note="late")


@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_acknowledge_and_complete(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    task = staff_risk(personas)
    if role in ACTORS:
        clinical_task_acknowledge(acting_user=user, task=task, note="I have it.")
        clinical_task_complete(acting_user=user, task=task, note="Called; safety plan reviewed.")
        return
    with pytest.raises(PermissionRefused):
        clinical_task_acknowledge(acting_user=user, task=task, note="I have it.")
    with pytest.raises(PermissionRefused):
        clinical_task_complete(acting_user=user, task=task, note="done")


def test_a_physician_at_another_clinic_cannot_acknowledge(personas: Personas) -> None:
    task = staff_risk(personas)
    with pytest.raises(PermissionRefused):
        clinical_task_acknowledge(acting_user=personas.charlie, task=task, note="mine")


def test_the_audit_trail_covers_every_step(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        link_submit(personas, PHQ9_RISK)
    task = ClinicalTask.objects.get()
    assert task.acknowledge_by is not None
    jobs_run_due(worker_id="test")
    with django_capture_on_commit_callbacks(execute=True):
        clinical_task_escalate_if_missed(task_id=task.pk, now=task.acknowledge_by)
    safety_task_notify(task_id=task.pk, stage="escalated")
    clinical_task_acknowledge(acting_user=personas.alice, task=task, note="Calling now.")
    clinical_task_complete(acting_user=personas.alice, task=task, note="Safety plan; seen today.")
    events = list(
        AuditEvent.objects.filter(object_id=str(task.pk), action__startswith="task.")
        .order_by("id")
        .values_list("action", "actor_id", "patient_id")
    )
    pat = personas.pat.pk
    assert events == [
        (AuditAction.TASK_CREATED, None, pat),
        (AuditAction.TASK_NOTIFIED, None, pat),
        (AuditAction.TASK_ESCALATED, None, pat),
        (AuditAction.TASK_NOTIFIED, None, pat),
        (AuditAction.TASK_ACKNOWLEDGED, personas.alice.pk, pat),
        (AuditAction.TASK_COMPLETED, personas.alice.pk, pat),
    ]
    created = AuditEvent.objects.get(action=AuditAction.TASK_CREATED)
    assert created.detail["source"] == "portal_link"
    acknowledged = AuditEvent.objects.get(action=AuditAction.TASK_ACKNOWLEDGED)
    assert acknowledged.detail["after_escalation"] is True


# --- the staff page ---------------------------------------------------------------------------


def test_the_task_page_mine_and_all_overdue_highlighted_in_fixed_queries(
    personas: Personas, client_for: Any, django_assert_num_queries: Any
) -> None:
    course_for(personas)
    approve(personas, personas.quinn)
    with time_machine.travel(TUESDAY_10, tick=False):
        staff_risk(personas)  # bob's
        staff_risk(personas, patient=personas.quinn)  # alice's
        for _ in range(3):  # more rows, same queries
            staff_risk(personas)
    client = client_for(personas.bob)
    url = reverse("outcomes:task_list")
    client.get(url)  # warm the session and membership caches
    with django_assert_num_queries(8):
        mine = client.get(url).content.decode()
    assert personas.pat.display_name in mine
    assert personas.quinn.display_name not in mine
    assert "Overdue" in mine  # now is long after Tuesday 11:00
    with django_assert_num_queries(8):
        everyone = client.get(f"{url}?scope=all").content.decode()
    assert personas.quinn.display_name in everyone
    assert "Acknowledge</button>" in everyone


@pytest.mark.parametrize("role", list(Role))
def test_the_task_page_and_its_forms_by_role(
    personas: Personas, client_for: Any, role: Role
) -> None:
    task = staff_risk(personas)
    client = client_for(personas.staff_by_role()[role])
    page = client.get(reverse("outcomes:task_list") + "?scope=all")
    if role not in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles:
        assert page.status_code == 403
    else:
        assert page.status_code == 200
        assert ("Acknowledge</button>" in page.content.decode()) == (role in ACTORS)
    acknowledged = client.post(
        reverse("outcomes:task_acknowledge", args=[task.pk]), {"note": "mine", "back": "tasks"}
    )
    task.refresh_from_db()
    if role in ACTORS:
        assert acknowledged["Location"] == reverse("outcomes:task_list")
        assert task.acknowledged_at is not None
    else:
        assert task.acknowledged_at is None
    completed = client.post(
        reverse("outcomes:task_complete", args=[task.pk]), {"note": "done", "back": "tasks"}
    )
    task.refresh_from_db()
    assert (task.completed_at is not None) == (role in ACTORS)
    if role in ACTORS:
        assert completed["Location"] == reverse("outcomes:task_list")


def test_the_acknowledge_form_page_shows_errors(personas: Personas, client_for: Any) -> None:
    task = staff_risk(personas)
    client = client_for(personas.bob)
    url = reverse("outcomes:task_acknowledge", args=[task.pk])
    assert "Acknowledge by" in client.get(url).content.decode()
    clinical_task_acknowledge(acting_user=personas.alice, task=task, note="Mine.")
    again = client.post(url, {"note": "mine"})
    assert "already acknowledged" in again.content.decode()
    done = client.post(reverse("outcomes:task_complete", args=[task.pk]), {"note": "ok"})
    assert done["Location"] == reverse("patients:detail", args=[personas.pat.pk])
