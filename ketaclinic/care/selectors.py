"""Reads for the outcome page: each instrument's trend, each course's outcome, and one timeline
of infusions, scores, dose orders, therapy notes and medication changes.

The caller has passed the access door (`patients.access.patient_get_for_staff`). Everything is
read in a fixed number of queries (seven), whatever the length of the history.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from ketaclinic.care.course_outcome import (
    CourseOutcome,
    Score,
    course_outcome,
    has_outcome_rule,
    median_infusions_to_response,
)
from ketaclinic.care.models import MedicationChange, TherapyNote
from ketaclinic.care.trend_chart import (
    TrendBand,
    TrendChartData,
    TrendPoint,
    TrendThreshold,
    trend_chart_svg,
)
from ketaclinic.charting.models import DosePreparation, SessionStatus, TreatmentSession
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.medicine.amounts import mg_text
from ketaclinic.medicine.medications import dose_text, plain_decimal
from ketaclinic.medicine.questionnaires import INSTRUMENTS, Instrument
from ketaclinic.medicine.questionnaires.base import Rater
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient

# Triage screens, not scales: answered, but not drawn as a trend.
NOT_TRENDED = frozenset({"cssrs_screener"})


@dataclass(frozen=True)
class CourseOutcomes:
    course: TreatmentCourse
    infusions: list[TreatmentSession]
    outcomes: list[CourseOutcome]  # one per instrument with a response rule, answered


@dataclass(frozen=True)
class InstrumentTrend:
    instrument: Instrument
    responses: list[QuestionnaireResponse]  # oldest first
    chart_svg: str


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str  # "infusion" | "score" | "dose_order" | "therapy_note" | "medication"
    title: str
    detail: str = ""
    text: str = ""  # a therapy note's text, only for those allowed to read it
    by: str = ""


@dataclass(frozen=True)
class PatientOutcomes:
    patient: Patient
    courses: list[CourseOutcomes]  # newest first
    trends: list[InstrumentTrend]
    timeline: list[TimelineEntry]  # newest first
    median_infusions_to_response: Decimal | None
    clinician_rated: list[Instrument] = field(default_factory=list)


def _clinic_day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def _given(session: TreatmentSession) -> bool:
    return session.status == SessionStatus.DISCHARGED and session.started_at is not None


def _dose_mg(session: TreatmentSession) -> Decimal | None:
    if session.delivered_mg is not None:
        return session.delivered_mg
    prepared = list(session.preparations.all())
    return prepared[0].dose_mg if prepared else None


def _course_scores(
    courses: list[TreatmentCourse],
    responses: list[QuestionnaireResponse],
    *,
    first_infusions: dict[int, datetime.datetime],
    baseline_window: datetime.timedelta,
) -> dict[int, list[QuestionnaireResponse]]:
    """Each response belongs to the course in force when it was given: from the course's
    signature until the next course's signature (the first course also has those before it).
    A course's baseline window reaches back before its signature: the responses within the
    window before its infusion 1 are its too (CLINICAL.md §9.3, medicine.outcomes)."""
    ordered = sorted(courses, key=lambda c: c.signed_at)
    by_course: dict[int, list[QuestionnaireResponse]] = {c.pk: [] for c in ordered}
    for response in responses:
        owner = ordered[0] if ordered else None
        for course in ordered:
            if course.signed_at <= response.completed_at:
                owner = course
        for course in ordered:
            first = first_infusions.get(course.pk)
            in_window = (
                first is not None and first - baseline_window <= response.completed_at < first
            )
            if course is owner or in_window:
                by_course[course.pk].append(response)
    return by_course


def patient_outcomes_get(*, patient: Patient, sees_therapy_text: bool) -> PatientOutcomes:
    """Everything the outcome page shows; `sees_therapy_text` is the reader's right to read
    therapy notes (without it the note's text is not even read from the database)."""
    courses = list(TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at"))  # 1
    sessions = list(
        TreatmentSession.objects.filter(patient=patient)
        .prefetch_related(
            Prefetch(
                "preparations",
                queryset=DosePreparation.objects.filter(discarded_at__isnull=True).order_by(
                    "-prepared_at"
                ),
            )
        )
        .order_by("checked_in_at")
    )  # 2, 3
    responses = list(
        QuestionnaireResponse.objects.filter(patient=patient).order_by("completed_at")
    )  # 4
    notes_query = TherapyNote.objects.filter(patient=patient).select_related("author")
    if not sees_therapy_text:
        notes_query = notes_query.defer("text")
    notes = list(notes_query)  # 5
    medication_changes = list(
        MedicationChange.objects.filter(patient=patient).select_related("recorded_by")
    )  # 6
    orders = list(
        DoseOrder.objects.filter(course__patient=patient)
        .select_related("signed_by")
        .order_by("signed_at")
    )  # 7

    given = [s for s in sessions if _given(s)]
    course_rows = _course_rows(patient, courses, given, responses)

    trends = _trends(responses, given, course_rows)
    timeline = _timeline(
        sessions=sessions,
        responses=responses,
        notes=notes,
        medication_changes=medication_changes,
        orders=orders,
        sees_therapy_text=sees_therapy_text,
    )
    return PatientOutcomes(
        patient=patient,
        courses=course_rows,
        trends=trends,
        timeline=timeline,
        median_infusions_to_response=_median(course_rows),
        clinician_rated=[i for i in INSTRUMENTS.values() if _is_clinician_outcome(i)],
    )


def _course_rows(
    patient: Patient,
    courses: list[TreatmentCourse],
    given: list[TreatmentSession],
    responses: list[QuestionnaireResponse],
) -> list[CourseOutcomes]:
    rules = clinic_rules_get(clinic=patient.clinic).outcomes
    first_infusions: dict[int, datetime.datetime] = {}
    for session in given:
        if session.started_at is not None:
            known = first_infusions.get(session.course_id)
            if known is None or session.started_at < known:
                first_infusions[session.course_id] = session.started_at
    by_course_scores = _course_scores(
        courses,
        responses,
        first_infusions=first_infusions,
        baseline_window=rules.baseline_window,
    )
    course_rows: list[CourseOutcomes] = []
    for course in courses:
        infusions = [s for s in given if s.course_id == course.pk]
        starts = [s.started_at for s in infusions if s.started_at is not None]
        course_responses = by_course_scores[course.pk]
        outcomes = [
            course_outcome(
                instrument=code,
                scores=[
                    Score(r.completed_at, r.total) for r in course_responses if r.instrument == code
                ],
                infusions=starts,
                baseline_window_days=rules.baseline_window_days,
            )
            for code in dict.fromkeys(r.instrument for r in course_responses)
            if has_outcome_rule(code)
        ]
        course_rows.append(CourseOutcomes(course=course, infusions=infusions, outcomes=outcomes))
    return course_rows


def _median(course_rows: list[CourseOutcomes]) -> Decimal | None:
    """Infusions to response, median over the courses: on PHQ-9 when the patient has it, else on
    every measure."""
    outcomes = [o for row in course_rows for o in row.outcomes]
    return median_infusions_to_response([o for o in outcomes if o.instrument == "phq9"] or outcomes)


def course_outcomes_for_patient(*, patient: Patient) -> tuple[list[CourseOutcomes], Decimal | None]:
    """Each course's outcome (newest first) and the median infusions to response, in three
    queries (for the API, without charts or timeline)."""
    courses = list(TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at"))
    given = list(
        TreatmentSession.objects.filter(
            patient=patient, status=SessionStatus.DISCHARGED, started_at__isnull=False
        ).order_by("started_at")
    )
    responses = list(QuestionnaireResponse.objects.filter(patient=patient).order_by("completed_at"))
    rows = _course_rows(patient, courses, given, responses)
    return rows, _median(rows)


def _is_clinician_outcome(instrument: Instrument) -> bool:
    return instrument.rater == Rater.CLINICIAN and has_outcome_rule(instrument.code)


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _trends(
    responses: list[QuestionnaireResponse],
    given: list[TreatmentSession],
    courses: list[CourseOutcomes],
) -> list[InstrumentTrend]:
    infusion_days = tuple(_local_day(s.started_at) for s in given if s.started_at is not None)
    trends: list[InstrumentTrend] = []
    codes = [c for c in dict.fromkeys(r.instrument for r in responses) if c not in NOT_TRENDED]
    for code in codes:
        instrument = INSTRUMENTS.get(code)
        if instrument is None:
            continue
        rows = [r for r in responses if r.instrument == code]
        thresholds: list[TrendThreshold] = []
        # The thresholds of the newest course that has a baseline on this instrument.
        current = next(
            (
                o
                for row in courses
                for o in row.outcomes
                if o.instrument == code and o.baseline is not None
            ),
            None,
        )
        if current is not None and current.response_threshold is not None:
            value = current.response_threshold
            assert current.baseline is not None
            thresholds.append(
                TrendThreshold(
                    float(value),
                    f"response ≤ {plain_decimal(value)} (baseline {current.baseline.total})",
                    "response",
                )
            )
        remission = current.remission_at_or_below if current is not None else None
        if remission is not None:
            thresholds.append(
                TrendThreshold(remission + 0.5, f"remission ≤ {remission}", "remission")
            )
        days = [_local_day(r.completed_at) for r in rows] + list(infusion_days)
        data = TrendChartData(
            title=instrument.name,
            total_range=instrument.total_range,
            bands=tuple(TrendBand(b.low, b.high, b.label) for b in instrument.bands),
            points=tuple(
                TrendPoint(_local_day(r.completed_at), r.total, r.get_context_display())
                for r in rows
            ),
            infusions=infusion_days,
            thresholds=tuple(thresholds),
            start=min(days) - datetime.timedelta(days=1),
            end=max(days) + datetime.timedelta(days=1),
        )
        trends.append(InstrumentTrend(instrument, rows, trend_chart_svg(data)))
    return trends


def _timeline(
    *,
    sessions: list[TreatmentSession],
    responses: list[QuestionnaireResponse],
    notes: list[TherapyNote],
    medication_changes: list[MedicationChange],
    orders: list[DoseOrder],
    sees_therapy_text: bool,
) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    number_by_course: dict[int, int] = {}
    for session in sessions:
        if _given(session):
            number_by_course[session.course_id] = number_by_course.get(session.course_id, 0) + 1
            title = f"Infusion {number_by_course[session.course_id]}"
        else:
            title = "Treatment session"
        dose = _dose_mg(session)
        detail = session.get_status_display()
        if dose is not None:
            detail = f"{mg_text(dose)} · {detail}"
        entries.append(
            TimelineEntry(session.started_at or session.checked_in_at, "infusion", title, detail)
        )
    for response in responses:
        entries.append(
            TimelineEntry(
                response.completed_at,
                "score",
                f"{response.instrument_name} {response.total}",
                f"{response.band} · {response.get_context_display()}",
            )
        )
    previous: dict[int, DoseOrder] = {}
    for order in orders:
        before = previous.get(order.course_id)
        previous[order.course_id] = order
        if before is not None and (before.dose, before.dose_unit) == (order.dose, order.dose_unit):
            continue  # a renewal, not a change
        ordered = dose_text(order.dose, order.dose_unit)
        entries.append(
            TimelineEntry(
                order.signed_at,
                "dose_order",
                f"Dose order {ordered}" if before is None else f"Dose changed to {ordered}",
                "" if before is None else f"from {dose_text(before.dose, before.dose_unit)}",
                by=order.signed_by.full_name,
            )
        )
    for note in notes:
        if sees_therapy_text:
            detail = f"{note.minutes} min"
            if note.corrects_id:
                detail += f" · corrects the note of {_corrected_day(notes, note)}"
            entries.append(
                TimelineEntry(
                    _clinic_day_start(note.session_date),
                    "therapy_note",
                    note.get_kind_display(),
                    detail,
                    text=note.text,
                    by=note.author.full_name,
                )
            )
        else:
            entries.append(
                TimelineEntry(
                    _clinic_day_start(note.session_date), "therapy_note", "Therapy session"
                )
            )
    for change in medication_changes:
        detail = " · ".join(part for part in (change.dose_text, change.reason) if part)
        entries.append(
            TimelineEntry(
                _clinic_day_start(change.changed_on),
                "medication",
                f"{change.medication_name}: {change.get_change_display().lower()}",
                detail,
                by=change.recorded_by.full_name,
            )
        )
    return sorted(entries, key=lambda e: e.at, reverse=True)


def _corrected_day(notes: list[TherapyNote], note: TherapyNote) -> str:
    original = next((n for n in notes if n.pk == note.corrects_id), None)
    return f"{original.session_date:%d %b %Y}" if original else "an earlier session"
