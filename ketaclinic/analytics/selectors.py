"""The clinic dashboard's figures, read in a fixed number of aggregate queries.

Definitions (shown on the page too, so a reader knows what a number counts):
- Period: from the first day 00:00 to the day after the last day 00:00, in the clinic's time zone.
- Infusion given: a treatment session that was discharged (a session stopped before the drug was
  given is "not given" and counts nowhere here).
- Course cohort: courses whose first given infusion falls in the period.
- Outcome (PHQ-9, CLINICAL.md §9.3), as on each patient's outcome page (care/course_outcome.py):
  baseline = `medicine.outcomes.baseline_score`, the last PHQ-9 completed before the first
  infusion started and within the clinic's baseline window (clinic rules
  `outcomes.baseline_window_days`, 30 days by default), stated here in the query; latest = the
  last PHQ-9 after it, up to the end of the period and before the patient's next course was
  signed (from then on the scores are the next course's). `medicine/outcomes` classifies the
  pair; "responded" counts response or remission, "remitted" remission only. Courses without
  both scores, or with a baseline of 0, are not measured (not in N).
- Infusions to response (`medicine.outcomes.infusions_to_response`, as on the outcome page): the
  course's given infusions started before its first PHQ-9 after infusion 1 that is a response or
  remission from its baseline (a total at or below `highest_responding_score`), within the same
  bounds as the latest. The median is over the measured courses that reached a response, even
  if their latest score is no longer one.
- Induction completion: of cohort courses whose induction has ended (maintenance, completed or
  stopped), those given at least their target number of infusions.
- Side effects and alarms per 100 infusions given in the period.
- No-show rate: no-shows among appointments in the period that were attended or missed.
- Chair utilisation: minutes of chair appointments (not cancelled) in the period over the open
  minutes of the clinic's active chairs (opening hours, less closure days).

Classification happens in Python through `medicine/outcomes.classify_outcome`, once per distinct
(baseline, score) pair, never once per course; the database returns one row per course.
"""

from __future__ import annotations

import datetime
import functools
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.charting.models import SessionAlarm, SessionStatus, SideEffect, TreatmentSession
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import OPEN_STATUSES, CourseStatus, TreatmentCourse
from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.outcomes import (
    RESPONDED,
    OutcomeRule,
    OutcomeStatus,
    classify_outcome,
    highest_responding_score,
    outcome_rule,
)
from ketaclinic.medicine.protocols import STANDARD_PROTOCOLS, Indication
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, ClinicClosure

OUTCOME_INSTRUMENT = "phq9"
INDUCTION_ENDED = (CourseStatus.MAINTENANCE, CourseStatus.COMPLETED, CourseStatus.STOPPED)
_INDICATION_LABELS = {
    Indication.TREATMENT_RESISTANT_DEPRESSION: "Treatment-resistant depression",
    Indication.DEPRESSION_WITH_SUICIDAL_IDEATION: "Depression with suicidal ideation",
    Indication.PTSD: "PTSD",
    Indication.OCD: "OCD",
    Indication.ANXIETY: "Anxiety",
    Indication.ALCOHOL_USE_DISORDER: "Alcohol use disorder",
    Indication.CHRONIC_PAIN: "Chronic pain",
}
_PROTOCOL_NAMES = {protocol.key: protocol.name for protocol in STANDARD_PROTOCOLS}


def indication_label(code: str) -> str:
    return next((label for key, label in _INDICATION_LABELS.items() if key == code), code)


def protocol_label(key: str) -> str:
    return _PROTOCOL_NAMES.get(key, key)


def dashboard_clinics_for_user(*, user: User, action: Action = Action.REPORTS_VIEW) -> list[Clinic]:
    """The clinics where the user's role allows the action, for the clinic filter (one query)."""
    return [
        membership.clinic
        for membership in StaffMembership.objects.filter(
            user=user,
            is_active=True,
            clinic__is_active=True,
            role__in=list(PERMISSIONS[action].roles),
        )
        .select_related("clinic")
        .order_by("clinic__name")
    ]


@dataclass(frozen=True)
class DashboardFilters:
    clinic: Clinic
    first_day: datetime.date
    last_day: datetime.date  # inclusive

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(), tzinfo=self.clinic.zone)

    @property
    def ends_at(self) -> datetime.datetime:
        """Exclusive end: midnight after the last day."""
        day_after = self.last_day + datetime.timedelta(days=1)
        return datetime.datetime.combine(day_after, datetime.time(), tzinfo=self.clinic.zone)

    def as_detail(self) -> dict[str, str]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


@dataclass(frozen=True)
class Rate:
    """n of N, shown as both so that 1/2 never reads like 50 % of a thousand."""

    numerator: int
    denominator: int
    per: int = 100

    @property
    def value(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        exact = Decimal(self.numerator * self.per) / Decimal(self.denominator)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def counts(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def shown(self) -> str:
        """The value as text, "—" when there is nothing to divide by (0 stays 0)."""
        return "—" if self.value is None else str(self.value)


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


@dataclass(frozen=True)
class StageCount:
    status: str
    label: str
    patients: int


@dataclass(frozen=True)
class DashboardFigures:
    filters: DashboardFilters
    active_by_stage: tuple[StageCount, ...]
    cohort_courses: int
    induction_completion: Rate
    outcomes: tuple[OutcomeGroup, ...]
    outcomes_overall: OutcomeGroup
    median_infusions_to_response: Decimal | None
    responders_with_infusion_count: int  # measured courses that reached a response
    infusions_given: int
    side_effects: Rate  # per 100 infusions
    alarms: Rate  # per 100 infusions
    no_shows: Rate
    chair_utilisation: Rate  # booked chair minutes / open chair minutes, as a percentage
    baseline_window_days: int  # the clinic's outcome rule the baselines were read with
    outcome_rule: OutcomeRule  # medicine's PHQ-9 response and remission rule, stated on the page
    notes: tuple[str, ...] = field(default=())

    @property
    def active_patients(self) -> int:
        return sum(stage.patients for stage in self.active_by_stage)

    @property
    def response_percent(self) -> str:
        """The response rule's improvement as a percentage ("50")."""
        return plain_decimal(self.outcome_rule.response * 100)


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


def _active_by_stage(clinic: Clinic) -> tuple[StageCount, ...]:
    counts = dict(
        TreatmentCourse.objects.filter(clinic=clinic, status__in=OPEN_STATUSES)
        .order_by()
        .values("status")
        .annotate(n=Count("patient_id", distinct=True))
        .values_list("status", "n")
    )
    return tuple(
        StageCount(status=str(status), label=status.label, patients=counts.get(status, 0))
        for status in OPEN_STATUSES
    )


def _open_chair_minutes(filters: DashboardFilters) -> int:
    chairs = Chair.objects.filter(clinic=filters.clinic, is_active=True).count()
    by_weekday: Counter[int] = Counter()
    for weekday, opens, closes in OpeningHours.objects.filter(clinic=filters.clinic).values_list(
        "weekday", "opens_at", "closes_at"
    ):
        by_weekday[weekday] += (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    closed = set(
        ClinicClosure.objects.filter(
            clinic=filters.clinic, day__gte=filters.first_day, day__lte=filters.last_day
        ).values_list("day", flat=True)
    )
    minutes = 0
    day = filters.first_day
    while day <= filters.last_day:
        if day not in closed:
            minutes += by_weekday[day.weekday()]
        day += datetime.timedelta(days=1)
    return minutes * chairs


def _booked_chair_minutes(filters: DashboardFilters) -> int:
    total = (
        Appointment.objects.filter(
            clinic=filters.clinic,
            chair__isnull=False,
            starts_at__gte=filters.starts_at,
            starts_at__lt=filters.ends_at,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .aggregate(
            booked=Sum(
                ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
            )
        )["booked"]
    )
    if total is None:
        return 0
    if isinstance(total, datetime.timedelta):
        return int(total.total_seconds() // 60)
    return int(total) // 60_000_000  # SQLite sums durations as microseconds


def _no_shows(filters: DashboardFilters) -> Rate:
    counts = dict(
        Appointment.objects.filter(
            clinic=filters.clinic,
            starts_at__gte=filters.starts_at,
            starts_at__lt=filters.ends_at,
            status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW],
        )
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    missed = counts.get(AppointmentStatus.NO_SHOW, 0)
    return Rate(missed, missed + counts.get(AppointmentStatus.COMPLETED, 0))


def _given_in_period(filters: DashboardFilters) -> Q:
    return Q(
        clinic=filters.clinic,
        status=SessionStatus.DISCHARGED,
        checked_in_at__gte=filters.starts_at,
        checked_in_at__lt=filters.ends_at,
    )


def _median(values: Iterable[int]) -> Decimal | None:
    values = list(values)
    if not values:
        return None
    return Decimal(str(statistics.median(values))).quantize(Decimal("0.1"))


def dashboard_figures(*, filters: DashboardFilters) -> DashboardFigures:
    """Every figure on the dashboard, for one clinic and period (12 queries whatever the size)."""
    courses = _course_rows(filters)
    groups, overall, induction, to_response = _outcomes(courses, _course_outcomes(filters, courses))
    infusions = TreatmentSession.objects.filter(_given_in_period(filters)).count()
    side_effects = SideEffect.objects.filter(
        session__in=TreatmentSession.objects.filter(_given_in_period(filters)).values("pk")
    ).count()
    alarms = SessionAlarm.objects.filter(
        session__in=TreatmentSession.objects.filter(_given_in_period(filters)).values("pk")
    ).count()
    return DashboardFigures(
        filters=filters,
        active_by_stage=_active_by_stage(filters.clinic),
        cohort_courses=len(courses),
        induction_completion=induction,
        outcomes=groups,
        outcomes_overall=overall,
        median_infusions_to_response=_median(to_response),
        responders_with_infusion_count=len(to_response),
        infusions_given=infusions,
        side_effects=Rate(side_effects, infusions),
        alarms=Rate(alarms, infusions),
        no_shows=_no_shows(filters),
        chair_utilisation=Rate(_booked_chair_minutes(filters), _open_chair_minutes(filters)),
        baseline_window_days=clinic_rules_get(clinic=filters.clinic).outcomes.baseline_window_days,
        outcome_rule=outcome_rule(OUTCOME_INSTRUMENT),
    )


def figures_csv_rows(figures: DashboardFigures) -> list[list[object]]:
    """The figures as rows (figure, group, numerator, denominator, value); cells made safe by
    the view."""
    rows: list[list[object]] = [["figure", "group", "numerator", "denominator", "value", "unit"]]

    def rate(name: str, group: str, value: Rate, unit: str) -> None:
        rows.append(
            [
                name,
                group,
                value.numerator,
                value.denominator,
                "" if value.value is None else value.value,
                unit,
            ]
        )

    for stage in figures.active_by_stage:
        rows.append(
            ["active_patients", stage.label, stage.patients, "", stage.patients, "patients"]
        )
    rate("induction_completion", "", figures.induction_completion, "%")
    for group in (*figures.outcomes, figures.outcomes_overall):
        name = f"{group.indication_label} / {group.protocol_label}" if group.indication else "All"
        rate("phq9_response", name, group.responded, "%")
        rate("phq9_remission", name, group.remitted, "%")
    rows.append(
        [
            "median_infusions_to_response",
            "",
            "",
            figures.responders_with_infusion_count,
            ""
            if figures.median_infusions_to_response is None
            else figures.median_infusions_to_response,
            "infusions",
        ]
    )
    rate("side_effects", "", figures.side_effects, "per 100 infusions")
    rate("alarms", "", figures.alarms, "per 100 infusions")
    rate("no_shows", "", figures.no_shows, "%")
    rate("chair_utilisation", "", figures.chair_utilisation, "% of open chair minutes")
    return rows
