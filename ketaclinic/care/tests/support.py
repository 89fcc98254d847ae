"""A course with its history: infusions given on set days and scores on others, written as a
clinic importing its records would (the booking and charting services refuse the past)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from ketaclinic.charting.models import SessionRoute, SessionStatus, TreatmentSession
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.personas import Personas

NOW = timezone.now()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


def given_infusion(
    personas: Personas, course: TreatmentCourse, at: datetime.datetime, dose_mg: str = "37.5"
) -> TreatmentSession:
    appointment = Appointment.objects.create(
        clinic=course.clinic,
        patient=course.patient,
        kind="iv_infusion",
        starts_at=at,
        ends_at=at + datetime.timedelta(hours=2),
        course=course,
        booked_by=personas.fran,
        status="completed",
    )
    return TreatmentSession.objects.create(
        clinic=course.clinic,
        appointment=appointment,
        patient=course.patient,
        course=course,
        route=SessionRoute.INTRAVENOUS,
        protocol_key=course.protocol_key,
        status=SessionStatus.DISCHARGED,
        checked_in_at=at - datetime.timedelta(minutes=20),
        checked_in_by=personas.nina,
        started_at=at,
        stopped_at=at + datetime.timedelta(minutes=40),
        delivered_mg=Decimal(dose_mg),
        observation_minimum_min=60,
        discharged_at=at + datetime.timedelta(minutes=110),
        discharged_by=personas.nina,
    )


def phq9_answers(total: int) -> dict[str, int]:
    """A PHQ-9 with this total over items 1–8 (item 9, self-harm, answered 0)."""
    base, extra = divmod(min(total, 24), 8)
    return {f"phq9.{n}": (base + 1 if n <= extra else base) if n < 9 else 0 for n in range(1, 10)}


def phq9_at(personas: Personas, course: TreatmentCourse, total: int, at: datetime.datetime) -> None:
    response = questionnaire_record(
        acting_user=personas.nina,
        patient=course.patient,
        instrument_code="phq9",
        answers=phq9_answers(total),
        context=ResponseContext.PRE_SESSION,
    )
    QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at)


def course_with_history(
    personas: Personas, course: TreatmentCourse, scores: list[int], *, start_days_ago: int = 30
) -> list[TreatmentSession]:
    """scores[0] the day before infusion 1; scores[k] just before infusion k + 1 (or after the
    last infusion for the final one). Infusions every 3 days from `start_days_ago`."""
    TreatmentCourse.objects.filter(pk=course.pk).update(signed_at=days_ago(start_days_ago + 5))
    sessions = []
    for index, total in enumerate(scores):
        infusion_at = days_ago(start_days_ago - 3 * index)
        phq9_at(personas, course, total, infusion_at - datetime.timedelta(hours=1))
        if index < len(scores) - 1:
            sessions.append(given_infusion(personas, course, infusion_at))
    return sessions
