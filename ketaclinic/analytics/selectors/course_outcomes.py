"""The course cohort's PHQ-9 outcomes, induction completion and infusions to response, read
one row per course (from the courses' stored summaries, `analytics.course_summaries`) and
classified by `medicine/outcomes` once per distinct (baseline, score) pair."""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)

from ketaclinic.analytics.models import CourseOutcomeSummary
from ketaclinic.analytics.selectors.common import (
    DashboardFilters,
    Rate,
    indication_label,
    protocol_label,
)
from ketaclinic.analytics.selectors.course_facts import (
    INDUCTION_ENDED,
    OUTCOME_INSTRUMENT,
    course_facts_live,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.outcomes import RESPONDED, OutcomeStatus, classify_outcome


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


@dataclass(frozen=True)
class _CourseRow:
    pk: int
    indication: str
    protocol_key: str
    status: str
    target_infusions: int
    maximum_infusions: int
    baseline: int | None
    latest: int | None  # after infusion 1, within the period: None when not measured
    given: int
    infusions_to_response: int | None


@dataclass(frozen=True)
class _Tally:
    """Cohort courses alike in everything the outcome figures count, and how many there are."""

    indication: str
    protocol_key: str
    ended: bool  # induction ended (maintenance, completed or stopped)
    completed: bool  # given at least its target number of infusions
    baseline: int | None
    latest: int | None
    infusions_to_response: int | None
    courses: int


_COURSE_FIELDS = ("indication", "protocol_key", "status", "target_infusions", "maximum_infusions")
# Courses recomputed per query (a list of ids within SQLite's limit on parameters).
_RECOMPUTED_PER_QUERY = 2_000


def _in_period(filters: DashboardFilters) -> QuerySet[CourseOutcomeSummary]:
    return CourseOutcomeSummary.objects.filter(
        clinic=filters.clinic,
        first_infusion_at__gte=filters.starts_at,
        first_infusion_at__lt=filters.ends_at,
    ).order_by()


def _answering(filters: DashboardFilters, window_days: int) -> QuerySet[CourseOutcomeSummary]:
    """The cohort's summaries that answer the period as stored: read with the clinic's baseline
    window and no PHQ-9 of the course at or after the period's end."""
    return _in_period(filters).filter(
        Q(latest_at__isnull=True) | Q(latest_at__lt=filters.ends_at),
        baseline_window_days=window_days,
    )


def _to_recompute(filters: DashboardFilters, window_days: int) -> list[int]:
    """The courses the dashboard recomputes for this period: the cohort's summaries read with
    another baseline window or with PHQ-9 scores at or after the period's end (its latest in
    the period is an earlier one; none for a period ending today), and any course of the
    clinic never summarised (after a bulk load that bypassed the models; normally none, as the
    two counts show without reading a row)."""
    not_answering = (
        Q(baseline_window_days__lt=window_days)
        | Q(baseline_window_days__gt=window_days)
        | Q(baseline_window_days=window_days, latest_at__gte=filters.ends_at)
    )
    ids = list(_in_period(filters).filter(not_answering).values_list("course_id", flat=True))
    courses = TreatmentCourse.objects.filter(clinic=filters.clinic)
    if courses.count() != CourseOutcomeSummary.objects.filter(clinic=filters.clinic).count():
        unsummarised = ~Exists(CourseOutcomeSummary.objects.filter(course=OuterRef("pk")))
        ids.extend(courses.filter(unsummarised).values_list("pk", flat=True))
    return ids


def _course_rows(filters: DashboardFilters) -> list[_CourseRow]:
    """One row per cohort course: its group, status, infusions given, baseline, latest and
    infusions to response, from its stored summary (`analytics.course_summaries`) or, where
    that cannot answer the period (`_to_recompute`), recomputed (`course_facts_live`)."""
    rules = clinic_rules_get(clinic=filters.clinic).outcomes
    rows = [
        _CourseRow(*row)
        for row in _answering(filters, rules.baseline_window_days).values_list(
            "course_id",
            *(f"course__{name}" for name in _COURSE_FIELDS),
            "baseline",
            "latest",
            "infusions_given",
            "infusions_to_response",
        )
    ]
    return rows + _recomputed(filters, rules.baseline_window)


def _tallies(filters: DashboardFilters) -> list[_Tally]:
    """The cohort counted by what the outcome figures need, in the database: one row per
    distinct (group, induction ended and completed, baseline, latest, infusions to response),
    a few hundred whatever the number of courses, plus the recomputed courses one each."""
    rules = clinic_rules_get(clinic=filters.clinic).outcomes
    grouped = (
        _answering(filters, rules.baseline_window_days)
        .values(
            "indication",
            "protocol_key",
            "induction_ended",
            "induction_completed",
            "baseline",
            "latest",
            "infusions_to_response",
        )
        .annotate(courses=Count("*"))
    )
    tallies = [
        _Tally(
            indication=row["indication"],
            protocol_key=row["protocol_key"],
            ended=row["induction_ended"],
            completed=row["induction_completed"],
            baseline=row["baseline"],
            latest=row["latest"],
            infusions_to_response=row["infusions_to_response"],
            courses=row["courses"],
        )
        for row in grouped
    ]
    for row in _recomputed(filters, rules.baseline_window):
        target = min(row.target_infusions, row.maximum_infusions)
        tallies.append(
            _Tally(
                row.indication,
                row.protocol_key,
                row.status in INDUCTION_ENDED,
                row.given >= target,
                row.baseline,
                row.latest,
                row.infusions_to_response,
                1,
            )
        )
    return tallies


def _recomputed(filters: DashboardFilters, window: datetime.timedelta) -> list[_CourseRow]:
    rows: list[_CourseRow] = []
    ids = _to_recompute(filters, window_days=window.days)
    for start in range(0, len(ids), _RECOMPUTED_PER_QUERY):
        facts = course_facts_live(
            courses=Q(pk__in=ids[start : start + _RECOMPUTED_PER_QUERY]),
            baseline_window=window,
            first_from=filters.starts_at,
            ends_at=filters.ends_at,
        )
        courses = TreatmentCourse.objects.in_bulk([fact.course_id for fact in facts])
        rows.extend(
            _CourseRow(
                fact.course_id,
                courses[fact.course_id].indication,
                courses[fact.course_id].protocol_key,
                courses[fact.course_id].status,
                courses[fact.course_id].target_infusions,
                courses[fact.course_id].maximum_infusions,
                fact.baseline,
                fact.latest,
                fact.given,
                fact.infusions_to_response,
            )
            for fact in facts
        )
    return rows


def _measured_status(baseline: int | None, latest: int | None) -> OutcomeStatus | None:
    """The course's PHQ-9 status, or None when it is not measured (no baseline, no score after
    infusion 1, or a baseline of 0)."""
    if baseline is None or latest is None:
        return None
    return _status(baseline, latest)


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
    response: what the outcome figures count (`dashboard_figures` counts the same courses,
    grouped in the database)."""
    outcomes = []
    for row in _course_rows(filters):
        status = _measured_status(row.baseline, row.latest)
        outcomes.append(
            CourseOutcomeRow(
                course_id=row.pk,
                baseline=row.baseline,
                latest=row.latest,
                status=status,
                given=row.given,
                # Counted only for a measured course (a response after infusion 1 whose latest
                # is in the period).
                infusions_to_response=None if status is None else row.infusions_to_response,
            )
        )
    return outcomes


@dataclass(frozen=True)
class CohortOutcomes:
    courses: int
    groups: tuple[OutcomeGroup, ...]
    overall: OutcomeGroup
    induction_completion: Rate
    infusions_to_response: list[int]  # one per measured course that reached a response


def cohort_outcomes(filters: DashboardFilters) -> CohortOutcomes:
    """The groups' response and remission, induction completion and the infusions to response
    of the cohort, counted from `_tallies`."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    ended = completed = 0
    to_response: list[int] = []
    for tally in _tallies(filters):
        counts = groups[(tally.indication, tally.protocol_key)]  # courses, measured, ...
        counts[0] += tally.courses
        if tally.ended:
            ended += tally.courses
            completed += tally.courses * int(tally.completed)
        status = _measured_status(tally.baseline, tally.latest)
        if status is None:  # not measured
            continue
        counts[1] += tally.courses
        counts[2] += tally.courses * int(status in RESPONDED)
        counts[3] += tally.courses * int(status == OutcomeStatus.REMISSION)
        if tally.infusions_to_response is not None:
            to_response.extend([tally.infusions_to_response] * tally.courses)

    def group(indication: str, protocol_key: str, counts: list[int]) -> OutcomeGroup:
        return OutcomeGroup(
            indication=indication,
            protocol_key=protocol_key,
            courses=counts[0],
            responded=Rate(counts[2], counts[1]),
            remitted=Rate(counts[3], counts[1]),
        )

    totals = [sum(counts[i] for counts in groups.values()) for i in range(4)]
    return CohortOutcomes(
        courses=totals[0],
        groups=tuple(group(*key, counts) for key, counts in sorted(groups.items())),
        overall=group("", "", totals),
        induction_completion=Rate(completed, ended),
        infusions_to_response=to_response,
    )
