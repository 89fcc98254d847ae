"""The course cohort's PHQ-9 outcomes, induction completion and infusions to response, read
one row per course and classified by `medicine/outcomes` once per distinct (baseline,
score) pair."""

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

from ketaclinic.analytics.selectors.common import (
    DashboardFilters,
    Rate,
    indication_label,
    protocol_label,
)
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.outcomes import (
    RESPONDED,
    OutcomeStatus,
    classify_outcome,
    highest_responding_score,
)
from ketaclinic.outcomes.models import QuestionnaireResponse

OUTCOME_INSTRUMENT = "phq9"
INDUCTION_ENDED = (CourseStatus.MAINTENANCE, CourseStatus.COMPLETED, CourseStatus.STOPPED)


@dataclass(frozen=True)
class OutcomeGroup:
    indication: str
    protocol_key: str
    courses: int  # cohort courses in the group, measured or not
    responded: Rate
    remitted: Rate

    @property
    def indication_label(self) -> str:
        return indication_label(self.indication)

    @property
    def protocol_label(self) -> str:
        return protocol_label(self.protocol_key)


@functools.cache
def _status(baseline: int, latest: int) -> OutcomeStatus | None:
    try:
        return classify_outcome(instrument=OUTCOME_INSTRUMENT, baseline=baseline, current=latest)
    except NotApplicable:
        return None


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


def _course_scores_end(filters: DashboardFilters) -> Coalesce:
    """Inside a subquery of a course's scores: the end of its scores, when the patient's next
    course was signed (from then on the scores are the next course's), or the period's end."""
    next_course_signed = (
        TreatmentCourse.objects.filter(
            patient=OuterRef(OuterRef("patient_id")), signed_at__gt=OuterRef(OuterRef("signed_at"))
        )
        .order_by("signed_at")
        .values("signed_at")[:1]
    )
    return Coalesce(Subquery(next_course_signed), Value(filters.ends_at))


@dataclass(frozen=True)
class _CourseRow:
    pk: int
    indication: str
    protocol_key: str
    status: str
    target_infusions: int
    maximum_infusions: int
    baseline: int | None
    latest: int | None
    latest_at: datetime.datetime | None
    best: int | None  # the lowest PHQ-9 after the first infusion, within the latest's bounds
    first_infusion: datetime.datetime
    given: int


def _course_rows(filters: DashboardFilters) -> list[_CourseRow]:
    """One row per cohort course: its group, status, infusions given, baseline and latest.

    The baseline is the last PHQ-9 before the first infusion within the clinic's baseline
    window. The latest is the patient's last PHQ-9 in the period and before their next course's
    signature, returned with its time: when it is not after the first infusion the course is
    not measured. The best is the lowest PHQ-9 after the first infusion within the same bounds:
    the course reached a response when it is at or below the baseline's highest responding
    total. Two queries (plus the clinic's rules): the first infusion and count per course
    in one pass over the sessions, then the courses with their scores (index lookups on
    `response_trend`).
    """
    window = clinic_rules_get(clinic=filters.clinic).outcomes.baseline_window
    cohort = (
        _given(clinic=filters.clinic)
        .values("course")
        .annotate(first=Min("started_at"), n=Count("pk"))
        .filter(first__gte=filters.starts_at, first__lt=filters.ends_at)
    )
    infusions = {
        course: (first, n) for course, first, n in cohort.values_list("course", "first", "n")
    }
    scores = QuestionnaireResponse.objects.filter(_phq9(), patient=OuterRef("patient_id"))
    first_infusion = _first_infusion(OuterRef(OuterRef("pk")))
    latest = (
        scores.filter(completed_at__lt=filters.ends_at)
        .filter(completed_at__lt=_course_scores_end(filters))
        .order_by("-completed_at")
    )
    rows = list(
        TreatmentCourse.objects.filter(clinic=filters.clinic, pk__in=cohort.values("course"))
        .annotate(
            baseline=Subquery(
                scores.filter(
                    completed_at__lt=first_infusion,
                    completed_at__gte=ExpressionWrapper(
                        first_infusion - Value(window), output_field=DateTimeField()
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
        .values_list(
            "pk",
            "indication",
            "protocol_key",
            "status",
            "target_infusions",
            "maximum_infusions",
            "baseline",
            "latest",
            "latest_at",
            "best",
        )
    )
    return [_CourseRow(*row, *infusions[row[0]]) for row in rows]


def _measured_status(row: _CourseRow) -> OutcomeStatus | None:
    """The course's PHQ-9 status, or None when it is not measured (no baseline, no score after
    infusion 1, or a baseline of 0)."""
    if row.baseline is None or row.latest is None or row.latest_at is None:
        return None
    if row.latest_at <= row.first_infusion:  # the latest is the baseline: not measured
        return None
    return _status(row.baseline, row.latest)


@dataclass(frozen=True)
class CourseOutcomeRow:
    """One cohort course's PHQ-9 outcome as the dashboard counts it."""

    course_id: int
    baseline: int | None
    latest: int | None  # None when no PHQ-9 follows infusion 1 within the period
    status: OutcomeStatus | None  # None when the course is not measured
    given: int  # infusions given (discharged), in the period or after it
    infusions_to_response: int | None  # None when no PHQ-9 after infusion 1 responds


def dashboard_course_outcomes(*, filters: DashboardFilters) -> list[CourseOutcomeRow]:
    """Each cohort course's baseline, latest, status, infusions given and infusions to
    response: the rows the outcome figures count (`dashboard_figures` counts these)."""
    return _course_outcomes(filters, _course_rows(filters))


def _course_outcomes(filters: DashboardFilters, rows: list[_CourseRow]) -> list[CourseOutcomeRow]:
    """The outcome of each course row, in the same order (one query for infusions to
    response)."""
    to_response = _infusions_to_response(filters, _response_thresholds(rows))
    return [
        CourseOutcomeRow(
            course_id=row.pk,
            baseline=row.baseline,
            latest=(
                row.latest
                if row.latest_at is not None and row.latest_at > row.first_infusion
                else None
            ),
            status=_measured_status(row),
            given=row.given,
            infusions_to_response=to_response.get(row.pk),
        )
        for row in rows
    ]


def _response_thresholds(courses: list[_CourseRow]) -> dict[int, int]:
    """The highest responding PHQ-9 total (from the baseline) of each measured course that
    reached a response: its best score is at or below it."""
    thresholds: dict[int, int] = {}
    for row in courses:
        if _measured_status(row) is None or row.baseline is None or row.best is None:
            continue
        threshold = _highest_responding(row.baseline)
        if threshold is not None and row.best <= threshold:
            thresholds[row.pk] = threshold
    return thresholds


def _infusions_to_response(filters: DashboardFilters, thresholds: dict[int, int]) -> dict[int, int]:
    """Infusions given before each course's first PHQ-9 after infusion 1 at or below its
    threshold, for the courses that reached one (one query; none without thresholds).

    Each course passed has a responding score within its bounds (`_response_thresholds`), so
    its first one lies within them too: the query needs no next-course bound, and it reads
    only the courses that responded (PostgreSQL compiles a costlier plan with JIT)."""
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
            completed_at__lt=filters.ends_at,
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


def _outcomes(
    courses: list[_CourseRow], outcomes: list[CourseOutcomeRow]
) -> tuple[tuple[OutcomeGroup, ...], OutcomeGroup, Rate, list[int]]:
    """The groups' response and remission, induction completion and the infusions to response
    counted from the courses and their outcomes (`_course_outcomes`, in the same order)."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    ended = completed = 0
    for row, outcome in zip(courses, outcomes, strict=True):
        key = (row.indication, row.protocol_key)
        tally = groups[key]  # courses, measured, responded, remitted
        tally[0] += 1
        if row.status in INDUCTION_ENDED:
            ended += 1
            completed += int(row.given >= min(row.target_infusions, row.maximum_infusions))
        status = outcome.status
        if status is None:  # not measured
            continue
        tally[1] += 1
        tally[2] += int(status in RESPONDED)
        tally[3] += int(status == OutcomeStatus.REMISSION)

    def group(indication: str, protocol_key: str, tally: list[int]) -> OutcomeGroup:
        return OutcomeGroup(
            indication=indication,
            protocol_key=protocol_key,
            courses=tally[0],
            responded=Rate(tally[2], tally[1]),
            remitted=Rate(tally[3], tally[1]),
        )

    ordered = tuple(
        group(indication, protocol_key, tally)
        for (indication, protocol_key), tally in sorted(groups.items())
    )
    totals = [sum(tally[i] for tally in groups.values()) for i in range(4)]
    overall = group("", "", totals)
    to_response = [
        outcome.infusions_to_response
        for outcome in outcomes
        if outcome.infusions_to_response is not None
    ]
    return ordered, overall, Rate(completed, ended), to_response
