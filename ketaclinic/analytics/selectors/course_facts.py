"""A course's PHQ-9 facts read from its sessions and its patient's scores: the one definition
of the dashboard's per-course numbers (`course_outcomes` module docstring in `__init__`).

Read here for a few courses at a time: to keep each course's stored summary up to date
(`analytics.course_summaries`), and by the dashboard for the courses whose summary cannot answer
its period (none stored yet, another baseline window, or scores after the period's end). Each
read is correlated subqueries per course (index lookups on `response_trend`): exact and cheap
for a few courses, seconds for a hundred thousand, which is why the dashboard reads the stored
summaries instead.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.medicine.outcomes import highest_responding_score
from ketaclinic.outcomes.models import QuestionnaireResponse

OUTCOME_INSTRUMENT = "phq9"
INDUCTION_ENDED = (CourseStatus.MAINTENANCE, CourseStatus.COMPLETED, CourseStatus.STOPPED)
# "No period end": the bound of a course's scores when only its patient's next course ends them.
NO_END = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True)
class CourseFacts:
    """What the dashboard counts of one course that has been given at least one infusion."""

    course_id: int
    first_infusion_at: datetime.datetime
    given: int  # infusions given (discharged), whenever
    baseline: int | None
    # The last PHQ-9 after infusion 1 and before the scores' end (the next course's signature,
    # or the period's end), with its time; None when there is none: the course is not measured.
    latest: int | None
    latest_at: datetime.datetime | None
    infusions_to_response: int | None  # None when no PHQ-9 after infusion 1 responds


@functools.cache
def _highest_responding(baseline: int) -> int | None:
    return highest_responding_score(instrument=OUTCOME_INSTRUMENT, baseline=baseline)


def _phq9() -> Q:
    return Q(instrument=OUTCOME_INSTRUMENT)


def _given(**lookups: object) -> QuerySet[TreatmentSession]:
    return TreatmentSession.objects.filter(status=SessionStatus.DISCHARGED, **lookups).order_by()


def _first_infusion(course: OuterRef) -> Subquery:
    first = _given(course=course).values("course").annotate(at=Min("started_at"))
    return Subquery(first.values("at"))


def _scores_end(ends_at: datetime.datetime) -> Coalesce:
    """Inside a subquery of a course's scores: the end of its scores, when the patient's next
    course was signed (from then on the scores are the next course's), or `ends_at`."""
    next_course_signed = (
        TreatmentCourse.objects.filter(
            patient=OuterRef(OuterRef("patient_id")), signed_at__gt=OuterRef(OuterRef("signed_at"))
        )
        .order_by("signed_at")
        .values("signed_at")[:1]
    )
    return Coalesce(Subquery(next_course_signed), Value(ends_at))


def course_facts_live(
    *,
    courses: Q,
    baseline_window: datetime.timedelta,
    first_from: datetime.datetime | None = None,
    ends_at: datetime.datetime = NO_END,
) -> list[CourseFacts]:
    """The facts of the courses matching `courses` that have been given an infusion (and,
    with `first_from`, whose first one is at or after it and before `ends_at`), their scores
    read up to `ends_at`. Two queries, three when a course reached a response.

    The baseline is the last PHQ-9 before the first infusion within `baseline_window`. The
    latest is the patient's last PHQ-9 before `ends_at` and before their next course's
    signature; when it is not after the first infusion the course is not measured. The best is
    the lowest PHQ-9 after the first infusion within the same bounds: the course reached a
    response when it is at or below the baseline's highest responding total.
    """
    given = _given().filter(course__in=TreatmentCourse.objects.filter(courses).values("pk"))
    cohort = given.values("course").annotate(first=Min("started_at"), n=Count("pk"))
    cohort = cohort.filter(first__lt=ends_at)
    if first_from is not None:
        cohort = cohort.filter(first__gte=first_from)
    infusions = {
        course: (first, n) for course, first, n in cohort.values_list("course", "first", "n")
    }
    if not infusions:
        return []
    scores = QuestionnaireResponse.objects.filter(_phq9(), patient=OuterRef("patient_id"))
    first_infusion = _first_infusion(OuterRef(OuterRef("pk")))
    latest = (
        scores.filter(completed_at__lt=ends_at)
        .filter(completed_at__lt=_scores_end(ends_at))
        .order_by("-completed_at")
    )
    rows = (
        TreatmentCourse.objects.filter(pk__in=list(infusions))
        .annotate(
            baseline=Subquery(
                scores.filter(
                    completed_at__lt=first_infusion,
                    completed_at__gte=ExpressionWrapper(
                        first_infusion - Value(baseline_window), output_field=DateTimeField()
                    ),
                )
                .order_by("-completed_at")
                .values("total")[:1]
            ),
            latest=Subquery(latest.values("total")[:1]),
            latest_at=Subquery(latest.values("completed_at")[:1]),
            best=Subquery(
                latest.filter(completed_at__gt=first_infusion).order_by("total").values("total")[:1]
            ),
        )
        .order_by()
        .values_list("pk", "baseline", "latest", "latest_at", "best")
    )
    facts: list[CourseFacts] = []
    thresholds: dict[int, int] = {}
    for pk, baseline, latest_total, latest_at, best in rows:
        first, n = infusions[pk]
        if latest_at is None or latest_at <= first:  # the latest is the baseline: not measured
            latest_total = latest_at = None
        elif baseline is not None and best is not None:
            threshold = _highest_responding(baseline)
            if threshold is not None and best <= threshold:
                thresholds[pk] = threshold
        facts.append(CourseFacts(pk, first, n, baseline, latest_total, latest_at, None))
    to_response = _infusions_to_response(thresholds, ends_at)
    return [
        CourseFacts(**{**vars(row), "infusions_to_response": to_response.get(row.course_id)})
        for row in facts
    ]


def _infusions_to_response(
    thresholds: dict[int, int], ends_at: datetime.datetime
) -> dict[int, int]:
    """Infusions given before each course's first PHQ-9 after infusion 1 at or below its
    threshold, for the courses that reached one (one query; none without thresholds).

    Each course passed has a responding score within its bounds, so its first one lies within
    them too: the query needs no next-course bound, and it reads only the courses that
    responded."""
    if not thresholds:
        return {}
    by_threshold: dict[int, list[int]] = defaultdict(list)
    for course_id, threshold in thresholds.items():
        by_threshold[threshold].append(course_id)
    threshold_of = Case(
        *(When(pk__in=ids, then=Value(t)) for t, ids in sorted(by_threshold.items())),
        output_field=IntegerField(),
    )
    first_response = Subquery(
        QuestionnaireResponse.objects.filter(
            _phq9(),
            patient=OuterRef("patient_id"),
            completed_at__gt=OuterRef("first_infusion"),
            completed_at__lt=ends_at,
            total__lte=OuterRef("threshold"),
        )
        .order_by("completed_at")
        .values("completed_at")[:1]
    )
    before = (
        _given(course=OuterRef("pk"), started_at__lt=OuterRef("first_response"))
        .values("course")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        TreatmentCourse.objects.filter(pk__in=list(thresholds))
        .annotate(threshold=threshold_of, first_infusion=_first_infusion(OuterRef("pk")))
        .annotate(first_response=first_response)
        .annotate(infusions=Subquery(before, output_field=IntegerField()))
        .order_by()
        .values_list("pk", "infusions")
    )
    return {pk: n for pk, n in rows if n is not None}
