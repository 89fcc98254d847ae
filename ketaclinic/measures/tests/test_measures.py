"""The measurement schedule app: planning, completing, reminding, misses, pages and API."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.tests.support import course_for
from ketaclinic.jobs.models import Job
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.measures.selectors import due_measures_for_patient, missed_measures_for_patient
from ketaclinic.measures.services import (
    REMINDER_SUBJECT,
    measure_complete_from_response,
    measure_reminders_send,
    measures_daily_round,
    measures_mark_missed,
    measures_match_responses,
    measures_plan_for_course,
)
from ketaclinic.measures.tasks import DAILY_JOB, measures_daily_schedule, measures_plan_and_remind
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.testing.personas import Personas

D = datetime.date
READERS = PERMISSIONS[Action.OUTCOMES_VIEW].roles
PHQ9_MILD = {f"phq9.{n}": 1 for n in range(1, 10)} | {"phq9.9": 0}


@pytest.fixture
def course(personas: Personas) -> TreatmentCourse:
    return course_for(personas)


def book(course: TreatmentCourse, personas: Personas, on: datetime.date, **extra: Any) -> Any:
    starts = datetime.datetime.combine(on, datetime.time(10), tzinfo=course.clinic.zone)
    return Appointment.objects.create(
        clinic=course.clinic,
        patient=course.patient,
        kind="iv_infusion",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        course=course,
        booked_by=personas.fran,
        **extra,
    )


def today_of(course: TreatmentCourse) -> datetime.date:
    return course.clinic.local_today()


# --- planning -------------------------------------------------------------------------------


def test_planning_twice_creates_nothing_the_second_time(
    personas: Personas, course: TreatmentCourse
) -> None:
    today = today_of(course)
    book(course, personas, today + datetime.timedelta(days=2))
    book(course, personas, today + datetime.timedelta(days=4))
    first = measures_plan_for_course(course=course, today=today)
    assert [(row.reason_text, row.instrument) for row in first] == [
        ("Before infusion 1", "phq9"),
        ("Before infusion 2", "phq9"),
    ]
    assert measures_plan_for_course(course=course, today=today) == []
    assert MeasureDue.objects.filter(course=course).count() == 2


def test_a_cancelled_infusion_cancels_its_open_measure_and_a_moved_one_moves(
    personas: Personas, course: TreatmentCourse
) -> None:
    today = today_of(course)
    first = book(course, personas, today + datetime.timedelta(days=2))
    book(course, personas, today + datetime.timedelta(days=5))
    measures_plan_for_course(course=course, today=today)
    first.status = AppointmentStatus.CANCELLED
    first.save()
    measures_plan_for_course(course=course, today=today)
    rows = {row.sequence: row for row in MeasureDue.objects.filter(course=course)}
    assert rows[1].due_on == today + datetime.timedelta(days=5)
    assert rows[1].status == DueStatus.DUE
    assert rows[2].status == DueStatus.CANCELLED


def test_weekly_in_maintenance_and_set_days_after_the_course(
    personas: Personas, course: TreatmentCourse
) -> None:
    today = today_of(course)
    book(course, personas, today - datetime.timedelta(days=3), status=AppointmentStatus.COMPLETED)
    TreatmentCourse.objects.filter(pk=course.pk).update(status=CourseStatus.MAINTENANCE)
    course.refresh_from_db()
    measures_plan_for_course(course=course, today=today)
    weekly = MeasureDue.objects.filter(course=course, reason="weekly")
    assert [row.due_on for row in weekly] == [today + datetime.timedelta(days=7)]
    TreatmentCourse.objects.filter(pk=course.pk).update(status=CourseStatus.COMPLETED)
    course.refresh_from_db()
    measures_plan_for_course(course=course, today=today)
    after = MeasureDue.objects.filter(course=course, reason="after_last_infusion")
    assert sorted(row.sequence for row in after) == [1, 7, 14, 28]
    assert MeasureDue.objects.get(course=course, reason="weekly").status == DueStatus.CANCELLED


# --- completing -----------------------------------------------------------------------------


def test_a_response_completes_its_due_once(personas: Personas, course: TreatmentCourse) -> None:
    today = today_of(course)
    book(course, personas, today + datetime.timedelta(days=1))
    measures_plan_for_course(course=course, today=today)
    assert [m.reason for m in due_measures_for_patient(patient=personas.pat, today=today)] == [
        "Before infusion 1"
    ]
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        context=ResponseContext.PRE_SESSION,
    )
    due = measure_complete_from_response(response=response)
    assert due is not None
    assert due.status == DueStatus.COMPLETED
    assert due.completed_by_response == response
    assert measure_complete_from_response(response=response) == due  # idempotent
    assert due_measures_for_patient(patient=personas.pat, today=today) == []
    assert AuditEvent.objects.filter(action=AuditAction.MEASURE_COMPLETED).count() == 1


def test_a_response_with_nothing_due_completes_nothing(personas: Personas) -> None:
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        context=ResponseContext.FOLLOW_UP,
    )
    assert measure_complete_from_response(response=response) is None


def test_the_daily_round_matches_responses_recorded_elsewhere(
    personas: Personas, course: TreatmentCourse
) -> None:
    today = today_of(course)
    book(course, personas, today + datetime.timedelta(days=1))
    measures_plan_for_course(course=course, today=today)
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        context=ResponseContext.PRE_SESSION,
    )
    assert measures_match_responses(clinic=course.clinic, today=today) == 1
    assert measures_match_responses(clinic=course.clinic, today=today) == 0
    assert MeasureDue.objects.get(course=course).status == DueStatus.COMPLETED


# --- misses ---------------------------------------------------------------------------------


def test_a_due_past_its_window_becomes_missed(personas: Personas, course: TreatmentCourse) -> None:
    today = today_of(course)
    book(course, personas, today + datetime.timedelta(days=1))
    measures_plan_for_course(course=course, today=today)
    assert measures_mark_missed(clinic=course.clinic, today=today + datetime.timedelta(days=1)) == 0
    assert measures_mark_missed(clinic=course.clinic, today=today + datetime.timedelta(days=2)) == 1
    missed = missed_measures_for_patient(patient=personas.pat)
    assert [(m.instrument_name, m.is_overdue) for m in missed] == [("PHQ-9", True)]
    assert AuditEvent.objects.filter(action=AuditAction.MEASURE_MISSED).count() == 1


# --- reminders ------------------------------------------------------------------------------


def test_one_reminder_a_day_for_three_days_without_health_information(
    personas: Personas,
    course: TreatmentCourse,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    today = today_of(course)
    book(course, personas, today + datetime.timedelta(days=2))
    measures_plan_for_course(course=course, today=today)
    for offset in range(4):
        day = today + datetime.timedelta(days=offset)
        with django_capture_on_commit_callbacks(execute=True):
            measure_reminders_send(clinic=course.clinic, today=day)
            measure_reminders_send(clinic=course.clinic, today=day)  # again the same day
    assert len(mail.outbox) == 3  # the window's three days, once each
    due = MeasureDue.objects.get(course=course)
    assert due.reminders_sent == 3
    patient = personas.pat
    for email in mail.outbox:
        assert email.subject == REMINDER_SUBJECT
        # The single-use token is random text: take it out before looking for words in it.
        text = re.sub(r"/q/[^/\s]+/", "/q/TOKEN/", f"{email.subject}\n{email.body}")
        for secret in (
            patient.legal_first_name,
            patient.legal_last_name,
            patient.medical_record_number,
            "PHQ",
            "depress",
            "ketamine",
        ):
            assert secret.lower() not in text.lower()
        assert "/q/" in email.body


def test_clinician_rated_scales_are_not_emailed(
    personas: Personas,
    course: TreatmentCourse,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    today = today_of(course)
    TreatmentCourse.objects.filter(pk=course.pk).update(indication="ocd")
    course.refresh_from_db()
    book(course, personas, today)
    measures_plan_for_course(course=course, today=today)
    with django_capture_on_commit_callbacks(execute=True):
        measure_reminders_send(clinic=course.clinic, today=today)
    assert len(mail.outbox) == 1
    assert MeasureDue.objects.get(course=course, instrument="ybocs").reminders_sent == 0


def test_the_daily_job_plans_reminds_and_queues_tomorrow(
    personas: Personas,
    course: TreatmentCourse,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    book(course, personas, today_of(course))
    assert measures_daily_schedule() is True
    assert measures_daily_schedule() is False  # idempotent
    with django_capture_on_commit_callbacks(execute=True):
        measures_plan_and_remind({})
    assert len(mail.outbox) == 1
    assert Job.objects.filter(name=DAILY_JOB).count() == 2
    counts = measures_daily_round(clinic=course.clinic)
    assert counts == {"planned": 0, "completed": 0, "missed": 0, "reminded": 0}


# --- pages and API --------------------------------------------------------------------------


@pytest.fixture
def planned(personas: Personas, course: TreatmentCourse) -> TreatmentCourse:
    today = today_of(course)
    book(course, personas, today)
    book(course, personas, today - datetime.timedelta(days=6))
    measures_plan_for_course(course=course, today=today)
    measures_mark_missed(clinic=course.clinic, today=today)
    return course


@pytest.mark.parametrize("role", list(Role))
def test_each_role_on_the_staff_pages(
    personas: Personas,
    planned: TreatmentCourse,
    client_for: Callable[[User], Client],
    role: Role,
) -> None:
    client = client_for(personas.staff_by_role()[role])
    clinic_list = client.get("/staff/measures/")
    patient_page = client.get(f"/staff/measures/patients/{personas.pat.pk}/")
    if role in READERS:
        assert clinic_list.status_code == patient_page.status_code == 200
        assert b"Before infusion 1" in clinic_list.content
        assert b"Missed" in patient_page.content
    else:
        assert clinic_list.status_code == patient_page.status_code == 403


def test_the_clinic_list_filters_and_has_a_fixed_query_count(
    personas: Personas,
    planned: TreatmentCourse,
    client_for: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = client_for(personas.bob)
    missed = client.get("/staff/measures/?status=missed")
    assert b"Before infusion 1" in missed.content
    assert b"Before infusion 2" not in missed.content
    with django_assert_max_num_queries(12) as first:
        client.get("/staff/measures/")
    other = course_for(personas, personas.quinn)
    book(other, personas, today_of(other))
    measures_plan_for_course(course=other, today=today_of(other))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get("/staff/measures/")


def test_other_clinics_patients_are_not_found(
    personas: Personas, planned: TreatmentCourse, client_for: Callable[[User], Client]
) -> None:
    client = client_for(personas.bob)
    assert client.get(f"/staff/measures/patients/{personas.bea.pk}/").status_code == 404


def test_the_command_schedules_and_runs_the_round(
    personas: Personas, course: TreatmentCourse
) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("measures", "schedule", stdout=out)
    call_command("measures", "schedule", stdout=out)
    call_command("measures", "run", stdout=out)
    assert "Queued today's round." in out.getvalue()
    assert "Already queued." in out.getvalue()
    assert "Clinic A" in out.getvalue()


def test_no_email_address_means_no_reminder(personas: Personas, course: TreatmentCourse) -> None:
    type(personas.pat).objects.filter(pk=personas.pat.pk).update(email="")
    book(course, personas, today_of(course))
    measures_plan_for_course(course=course, today=today_of(course))
    assert measure_reminders_send(clinic=course.clinic, today=today_of(course)) == 0
    assert MeasureDue.objects.get(course=course).reminders_sent == 0
