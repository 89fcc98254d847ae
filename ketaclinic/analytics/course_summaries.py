"""Keeps each course's outcome summary (`models.CourseOutcomeSummary`) equal to what
`selectors.course_facts.course_facts_live` reads for it, so that the dashboard counts a clinic's
courses from one row each instead of recomputing every course's scores on every visit (issue 15:
10 s at 158,000 courses).

A summary depends on the course (its signature), its given sessions, its patient's PHQ-9 scores
and its patient's other courses (the next course's signature ends its scores). Django's model
signals on those four kinds of row refresh the summaries concerned inside the transaction that
changed them: a summary is never behind a committed change made through the models. Writes that
bypass the model signals (`QuerySet.update`, bulk loads: the demo's generated patients) must call
`course_summaries_refresh` or `course_summaries_refresh_for_clinic` themselves; the dashboard
recomputes any course that has no summary at all, so a forgotten refresh is slow, not wrong,
for a course never summarised.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from ketaclinic.analytics.models import CourseOutcomeSummary
from ketaclinic.analytics.selectors.course_facts import (
    INDUCTION_ENDED,
    OUTCOME_INSTRUMENT,
    course_facts_live,
)
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.outcomes.models import QuestionnaireResponse

# Courses recomputed per pass of a bulk refresh: two queries each pass, lists of ids well
# within SQLite's limit on a statement's parameters.
REFRESH_CHUNK = 2_000
_UPDATED_FIELDS = [
    "clinic",
    "indication",
    "protocol_key",
    "induction_ended",
    "induction_completed",
    "first_infusion_at",
    "infusions_given",
    "baseline",
    "latest",
    "latest_at",
    "infusions_to_response",
    "baseline_window_days",
    "refreshed_at",
]


def course_summaries_refresh(*, course_ids: Iterable[int]) -> int:
    """Recompute and store the summaries of these courses (those that still exist); returns how
    many were stored."""
    ids = sorted(set(course_ids))
    stored = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        stored += _refresh_chunk(ids[start : start + REFRESH_CHUNK])
    return stored


def course_summaries_refresh_for_clinic(*, clinic: Clinic) -> int:
    """Recompute every course of the clinic (after a bulk load, or to rebuild them all)."""
    ids = TreatmentCourse.objects.filter(clinic=clinic).order_by("pk").values_list("pk", flat=True)
    return course_summaries_refresh(course_ids=list(ids))


def _refresh_chunk(ids: list[int]) -> int:
    by_clinic: dict[int, list[TreatmentCourse]] = defaultdict(list)
    clinics: dict[int, Clinic] = {}
    for course in TreatmentCourse.objects.filter(pk__in=ids).select_related("clinic"):
        by_clinic[course.clinic_id].append(course)
        clinics[course.clinic_id] = course.clinic
    now = timezone.now()
    rows: list[CourseOutcomeSummary] = []
    for clinic_id, courses in by_clinic.items():
        rules = clinic_rules_get(clinic=clinics[clinic_id]).outcomes
        facts = {
            fact.course_id: fact
            for fact in course_facts_live(
                courses=Q(pk__in=[course.pk for course in courses]),
                baseline_window=rules.baseline_window,
            )
        }
        for course in courses:
            fact = facts.get(course.pk)
            given = fact.given if fact else 0
            rows.append(
                CourseOutcomeSummary(
                    course_id=course.pk,
                    clinic_id=clinic_id,
                    indication=course.indication,
                    protocol_key=course.protocol_key,
                    induction_ended=course.status in INDUCTION_ENDED,
                    induction_completed=given
                    >= min(course.target_infusions, course.maximum_infusions),
                    first_infusion_at=fact.first_infusion_at if fact else None,
                    infusions_given=given,
                    baseline=fact.baseline if fact else None,
                    latest=fact.latest if fact else None,
                    latest_at=fact.latest_at if fact else None,
                    infusions_to_response=fact.infusions_to_response if fact else None,
                    baseline_window_days=rules.baseline_window_days,
                    refreshed_at=now,
                )
            )
    CourseOutcomeSummary.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["course"], update_fields=_UPDATED_FIELDS
    )
    return len(rows)


def _patients_courses(patient_id: int) -> list[int]:
    return list(TreatmentCourse.objects.filter(patient_id=patient_id).values_list("pk", flat=True))


def _on_session(instance: TreatmentSession, raw: bool = False, **_: Any) -> None:
    # Only a given infusion counts; a session is discharged once and stays so.
    if not raw and instance.status == SessionStatus.DISCHARGED:
        course_summaries_refresh(course_ids=[instance.course_id])


def _on_session_deleted(instance: TreatmentSession, **_: Any) -> None:
    if instance.status == SessionStatus.DISCHARGED:
        course_summaries_refresh(course_ids=[instance.course_id])


def _on_response(instance: QuestionnaireResponse, raw: bool = False, **_: Any) -> None:
    if not raw and instance.instrument == OUTCOME_INSTRUMENT:
        course_summaries_refresh(course_ids=_patients_courses(instance.patient_id))


def _on_course(instance: TreatmentCourse, raw: bool = False, **_: Any) -> None:
    # The course itself, and the patient's others: its signature may end an earlier course's
    # scores (or no longer, once deleted).
    if not raw:
        course_summaries_refresh(course_ids=_patients_courses(instance.patient_id))


def connect_receivers() -> None:
    """Called once, from `AnalyticsConfig.ready()`."""
    uid = "analytics.course_summaries"
    post_save.connect(_on_session, sender=TreatmentSession, dispatch_uid=f"{uid}.session")
    post_delete.connect(
        _on_session_deleted, sender=TreatmentSession, dispatch_uid=f"{uid}.session_deleted"
    )
    post_save.connect(_on_response, sender=QuestionnaireResponse, dispatch_uid=f"{uid}.response")
    post_delete.connect(
        _on_response, sender=QuestionnaireResponse, dispatch_uid=f"{uid}.response_deleted"
    )
    post_save.connect(_on_course, sender=TreatmentCourse, dispatch_uid=f"{uid}.course")
    post_delete.connect(_on_course, sender=TreatmentCourse, dispatch_uid=f"{uid}.course_deleted")
