"""Generated patients for benchmarks (`ketaclinic demo --patients N`): volume for the growth and
dashboard measurements, 100,000 patients in minutes.

Each generated patient has an approved eligibility decision, an induction course and, when they
responded, a booster course; ~10 treatments in all over the past year in the benchmark wing's
chairs (some no-shows, a few held for blood pressure), a session for each attended one with its
baseline, infusion and recovery vital signs, ~20 questionnaire responses on a realistic trajectory
(remitters, responders, partial and non-responders, some relapsing), and the occasional side
effect and blood-pressure alarm. At 100,000 patients: ~160,000 courses, ~1.07 M appointments,
~1.0 M sessions, ~3.1 M readings, ~2 M responses.

These rows are demo data, not clinical records: they are written in bulk (demo/bulk.py: COPY on
PostgreSQL, `bulk_create` elsewhere) in chunks of patients, one transaction each and a few
statements per table, never one per patient, without
services, audit events or jobs, so nothing here is in the audit trail. Values stay inside the
model constraints and the clinical rules (medicine/ says "go" for every baseline and raises the
alarms stored; the tests check it). The seed is fixed and each patient draws from their own
generator, so the same index is the same person on every run; a second run adds only the missing
MRNs, and the hand-built demo patients are never touched.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.db import connection, transaction
from django.db.models import Max

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.accounts.roles import Role
from ketaclinic.analytics.course_summaries import course_summaries_refresh
from ketaclinic.charting.models import (
    SessionAlarm,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Room
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.bulk import insert_rows
from ketaclinic.demo.people import DEMO_SEED
from ketaclinic.demo.scale_plan import (
    NO_SHOW_RATE,
    OpeningDay,
    PatientPlan,
    PlannedCourse,
    plan_patient,
)
from ketaclinic.demo.scale_rows import (
    CHUNK_PATIENTS,
    DEFAULT_OPENING,
    MRN_PREFIX,
    SIDE_EFFECT_KINDS,
    SIDE_EFFECT_RATE,
    WING_ROOM,
    BuildContext,
    Progress,
    Wing,
    WingStaff,
    course_row,
    local_moment_at,
    patient_row,
    reading_rows,
    registration_prefix,
    response_rows,
    session_row,
)
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.medicine.session import Severity, SideEffectAction
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, ClinicClosure


def _staff(clinic: Clinic) -> WingStaff:
    memberships = list(
        StaffMembership.objects.filter(clinic=clinic, is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    physician = next(
        m.user for m in memberships if m.role in (Role.PHYSICIAN, Role.MEDICAL_DIRECTOR)
    )
    nurse = next((m.user for m in memberships if m.role == Role.NURSE), physician)
    return WingStaff(physician=physician, nurse=nurse)


def _opening(clinic: Clinic) -> dict[int, OpeningDay]:
    spans: dict[int, tuple[datetime.time, datetime.time]] = {}
    for weekday, opens, closes in OpeningHours.objects.filter(clinic=clinic).values_list(
        "weekday", "opens_at", "closes_at"
    ):
        low, high = spans.get(weekday, (opens, closes))
        spans[weekday] = (min(low, opens), max(high, closes))
    if not spans:
        return dict(DEFAULT_OPENING)
    return {
        weekday: OpeningDay(
            opens=opens,
            minutes=(closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute),
        )
        for weekday, (opens, closes) in spans.items()
    }


def scaled_patients(
    clinic: Clinic,
    *,
    today: datetime.date,
    count: int,
    seed: int = DEMO_SEED,
    chunk_patients: int = CHUNK_PATIENTS,
    progress: Progress | None = None,
) -> int:
    """Add the generated patients CCX-0000001 … CCX-`count` that are not there yet, with their
    history, `chunk_patients` to a transaction. Returns how many were added."""
    if registration_prefix(clinic) == MRN_PREFIX:  # pragma: no cover - no demo clinic is "ccx…"
        raise RuntimeError(f"The clinic's own MRNs start {MRN_PREFIX}-: choose another prefix.")
    existing = {
        int(mrn.rsplit("-", 1)[1])
        for mrn in Patient.objects.filter(
            clinic=clinic, medical_record_number__startswith=f"{MRN_PREFIX}-"
        ).values_list("medical_record_number", flat=True)
    }
    missing = [index for index in range(1, count + 1) if index not in existing]
    if not missing:
        return 0
    rules = clinic_rules_get(clinic=clinic)
    room, _ = Room.objects.get_or_create(clinic=clinic, name=WING_ROOM)
    context = BuildContext(
        clinic=clinic,
        today=today,
        seed=seed,
        rules=rules,
        staff=_staff(clinic),
        opening=_opening(clinic),
        closed_days=frozenset(
            ClinicClosure.objects.filter(
                clinic=clinic, day__gte=today - datetime.timedelta(days=400), day__lt=today
            ).values_list("day", flat=True)
        ),
        durations_min={
            kind: int(rules.visits.duration(kind).total_seconds() // 60) for kind in VisitKind
        },
        wing=Wing(clinic, room, zone=clinic.zone),
    )
    added = 0
    for start in range(0, len(missing), chunk_patients):
        indexes = missing[start : start + chunk_patients]
        with transaction.atomic():
            last_course = TreatmentCourse.objects.aggregate(last=Max("pk"))["last"] or 0
            _build_chunk(context, indexes)
            # Bulk rows pass by the summaries' receivers: the chunk's courses are summarised
            # in its own transaction.
            course_summaries_refresh(
                course_ids=TreatmentCourse.objects.filter(
                    clinic=clinic, pk__gt=last_course
                ).values_list("pk", flat=True)
            )
        added += len(indexes)
        if progress is not None:
            progress(added, len(missing))
    _refresh_statistics()
    return added


# What a bulk load fills: their planner statistics are refreshed once it is done.
_LOADED_MODELS = (
    Chair,
    Patient,
    EligibilityDecision,
    TreatmentCourse,
    Appointment,
    TreatmentSession,
    VitalSignReading,
    SessionAlarm,
    SideEffect,
    QuestionnaireResponse,
)


def _refresh_statistics() -> None:
    """ANALYZE what was loaded. Right after a bulk load PostgreSQL's statistics still describe
    the small demo, and the planner picks plans for it: at 100,000 patients the chart read's
    course query hash-joined a sequential scan of a million appointments (236 ms) where, once
    analysed, it takes the course's index (0.1 ms). Autovacuum would get there in its own time;
    a benchmark or a clinic's first morning should not wait for it."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in _LOADED_MODELS:
            cursor.execute(f"ANALYZE {quote(model._meta.db_table)}")


def _build_chunk(context: BuildContext, indexes: Sequence[int]) -> None:
    clinic, today, staff = context.clinic, context.today, context.staff
    zone = clinic.zone
    plans = [
        plan_patient(
            seed=context.seed,
            index=index,
            today=today,
            opening=context.opening,
            closed_days=context.closed_days,
            durations_min=context.durations_min,
            maximum_per_week=context.rules.course.maximum_per_week,
        )
        for index in indexes
    ]
    # Chairs and times first: the chunk's new chairs are one statement before the appointments.
    placed: list[list[list[datetime.datetime]]] = []  # per plan, per course: starts
    chairs: list[list[list[int]]] = []
    for plan in plans:
        plan_starts: list[list[datetime.datetime]] = []
        plan_chairs: list[list[int]] = []
        for planned_course in plan.courses:
            minutes = context.durations_min[planned_course.kind]
            course_starts, course_chairs = [], []
            for day in planned_course.days:
                opening = context.opening[day.weekday()]
                chair, offset = context.wing.place(
                    day, minutes=minutes, day_minutes=opening.minutes
                )
                course_starts.append(
                    datetime.datetime.combine(day, opening.opens, tzinfo=zone)
                    + datetime.timedelta(minutes=offset)
                )
                course_chairs.append(chair)
            plan_starts.append(course_starts)
            plan_chairs.append(course_chairs)
        placed.append(plan_starts)
        chairs.append(plan_chairs)
    context.wing.ensure(1 + max((n for p in chairs for c in p for n in c), default=-1))

    patients = [patient_row(clinic, plan) for plan in plans]
    insert_rows(Patient, patients)
    decisions = [
        EligibilityDecision(
            clinic=clinic,
            patient=patient,
            outcome=EligibilityOutcome.APPROVED,
            protocol_key=plan.protocol.key,
            note="Generated for the benchmark.",
            advice_snapshot={},
            signed_by=staff.physician,
            signed_at=local_moment_at(
                zone, plan.courses[0].signed_on - datetime.timedelta(days=3), 10
            ),
        )
        for plan, patient in zip(plans, patients, strict=True)
    ]
    insert_rows(EligibilityDecision, decisions)

    courses: list[tuple[PatientPlan, Patient, PlannedCourse, TreatmentCourse]] = []
    for plan, patient, decision in zip(plans, patients, decisions, strict=True):
        for planned in plan.courses:
            courses.append(
                (plan, patient, planned, course_row(context, plan, patient, decision, planned))
            )
    insert_rows(TreatmentCourse, [row[3] for row in courses])

    appointments: list[Appointment] = []
    attended: list[tuple[PatientPlan, Appointment, TreatmentCourse]] = []
    course_rows = iter(courses)
    for plan, plan_starts, plan_chairs in zip(plans, placed, chairs, strict=True):
        for course_starts, course_chairs in zip(plan_starts, plan_chairs, strict=True):
            _, patient, planned, course = next(course_rows)
            minutes = context.durations_min[planned.kind]
            for starts, chair in zip(course_starts, course_chairs, strict=True):
                ends = starts + datetime.timedelta(minutes=minutes)
                no_show = plan.rng.random() < NO_SHOW_RATE
                appointment = Appointment(
                    clinic=clinic,
                    patient=patient,
                    kind=planned.kind,
                    starts_at=starts,
                    ends_at=ends,
                    chair_id=context.wing.chair_id(chair),
                    course=course,
                    clinician=staff.nurse,
                    status=AppointmentStatus.NO_SHOW if no_show else AppointmentStatus.COMPLETED,
                    status_reason="Did not attend; no answer on the phone." if no_show else "",
                    status_changed_at=ends if no_show else None,
                    status_changed_by=staff.nurse if no_show else None,
                    booked_by=staff.physician,
                )
                appointments.append(appointment)
                if not no_show:
                    attended.append((plan, appointment, course))
    insert_rows(Appointment, appointments)

    sessions = [
        session_row(context, plan, appointment, course) for plan, appointment, course in attended
    ]
    insert_rows(TreatmentSession, sessions)

    readings: list[VitalSignReading] = []
    alarms: list[SessionAlarm] = []
    side_effects: list[SideEffect] = []
    for (plan, _, _), session in zip(attended, sessions, strict=True):
        readings.extend(reading_rows(context, plan, session, alarms))
        if session.started_at is not None and plan.rng.random() < SIDE_EFFECT_RATE:
            side_effects.append(
                SideEffect(
                    clinic=clinic,
                    session=session,
                    kind=plan.rng.choice(SIDE_EFFECT_KINDS),
                    onset_at=session.started_at
                    + datetime.timedelta(minutes=plan.rng.randint(5, 40)),
                    severity=plan.rng.choices(list(Severity), weights=[80, 18, 2])[0],
                    action=SideEffectAction.NONE,
                    recorded_by=staff.nurse,
                )
            )
    # Each insert returns its ids (PostgreSQL, SQLite ≥ 3.35), so the rows built on them (an
    # alarm on its reading, a session on its appointment) take the ids when they are inserted.
    insert_rows(VitalSignReading, readings)
    insert_rows(SessionAlarm, alarms)
    insert_rows(SideEffect, side_effects)
    insert_rows(QuestionnaireResponse, response_rows(context, plans, patients, attended))
