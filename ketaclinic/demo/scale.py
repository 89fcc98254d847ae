"""Generated patients for benchmarks (`ketaclinic demo --patients N`).

Each generated patient has an approved eligibility decision, one treatment course, 6–12 treatment
appointments spread over the past months (some no-shows, the latest few still booked), a session
for each attended one, ~20 questionnaire responses on a realistic trajectory (remitters,
responders, partial and non-responders, some relapsing), and the occasional side effect and vital
sign alarm. Rows are written with `bulk_create` only: no services, no audit events, no jobs —
this is volume for the dashboard benchmark, not a clinical story. The seed is fixed, so the same
N builds the same data.
"""

from __future__ import annotations

import datetime
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.roles import Role
from ketaclinic.charting.models import (
    SessionAlarm,
    SessionRoute,
    SessionStatus,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.demo.people import FIRST_NAMES, LAST_NAMES, _birth_date
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    IV_KETAMINE_ALCOHOL_USE,
    IV_KETAMINE_CHRONIC_PAIN,
    IV_KETAMINE_DEPRESSION,
    IV_KETAMINE_PTSD,
    Protocol,
    Route,
)
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.session import Severity, SideEffectAction, SideEffectKind
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext, ResponseSource
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth, digits_only
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

BATCH = 2000
RESPONSES_PER_PATIENT = 22
# About one chair per 120 generated patients keeps chair use near a busy clinic's (benchmarks).
PATIENTS_PER_CHAIR = 120

# (indication, weight, protocols to choose from)
_INDICATIONS: list[tuple[str, int, tuple[Protocol, ...]]] = [
    ("trd", 45, (IV_KETAMINE_DEPRESSION, IV_KETAMINE_DEPRESSION, INTRANASAL_ESKETAMINE)),
    ("mdd_si", 8, (IV_KETAMINE_DEPRESSION,)),
    ("anxiety", 10, (IV_KETAMINE_DEPRESSION,)),
    ("ptsd", 14, (IV_KETAMINE_PTSD,)),
    ("ocd", 4, (IV_KETAMINE_PTSD,)),
    ("aud", 5, (IV_KETAMINE_ALCOHOL_USE,)),
    ("chronic_pain", 14, (IV_KETAMINE_CHRONIC_PAIN,)),
]
# Final improvement fraction by trajectory, roughly as in the IV ketamine literature.
_TRAJECTORIES = [
    ("remitter", 30, 0.75),
    ("responder", 20, 0.55),
    ("partial", 20, 0.3),
    ("non_responder", 30, 0.08),
]
_SIDE_EFFECTS = [
    SideEffectKind.DISSOCIATION,
    SideEffectKind.NAUSEA,
    SideEffectKind.DIZZINESS,
    SideEffectKind.HEADACHE,
    SideEffectKind.ANXIETY,
    SideEffectKind.HYPERTENSION,
]


T = TypeVar("T")


@dataclass
class _Plan:
    patient: Patient
    protocol: Protocol
    indication: str
    start: datetime.date
    infusion_days: list[datetime.date]
    trajectory: float
    baseline_phq9: int
    relapses: bool


def _weighted(rng: random.Random, options: list[tuple[str, int, T]]) -> tuple[str, T]:
    name, _, value = rng.choices(options, weights=[option[1] for option in options])[0]
    return name, value


def _answers(instrument: str, items: int, total: int, rng: random.Random) -> dict[str, int]:
    """Item answers (0–3) summing to `total`; PHQ-9 item 9 stays 0 (no suicide-risk tasks)."""
    free = items - 1 if instrument == "phq9" else items
    total = max(0, min(total, 3 * free))
    values = [0] * items
    for _ in range(total):
        index = rng.choice([i for i in range(free) if values[i] < 3])
        values[index] += 1
    return {f"{instrument}.{n + 1}": value for n, value in enumerate(values)}


def _moment(
    zone: datetime.tzinfo, day: datetime.date, hour: int, minute: int = 0
) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def scaled_patients(clinic: Clinic, *, today: datetime.date, rng: random.Random, count: int) -> int:
    """Add `count` generated patients (MRN CCX-0000001…), skipping those already there."""
    existing = set(
        Patient.objects.filter(clinic=clinic, medical_record_number__startswith="CCX-").values_list(
            "medical_record_number", flat=True
        )
    )
    memberships = list(StaffMembership.objects.filter(clinic=clinic, is_active=True).order_by("pk"))
    physician = next(
        m.user for m in memberships if m.role in (Role.PHYSICIAN, Role.MEDICAL_DIRECTOR)
    )
    nurse = next((m.user for m in memberships if m.role == Role.NURSE), physician)
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("pk"))
    wanted = count // PATIENTS_PER_CHAIR - len(chairs)
    if wanted > 0:
        room, _ = Room.objects.get_or_create(clinic=clinic, name="Benchmark infusion wing")
        Chair.objects.bulk_create(
            [Chair(clinic=clinic, room=room, name=f"Wing chair {n}") for n in range(1, wanted + 1)],
            ignore_conflicts=True,
        )
        chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("pk"))
    zone = clinic.zone
    now = timezone.now()
    rng = random.Random(rng.random())  # own stream: the rest of the demo stays as it was

    plans: list[_Plan] = []
    patients: list[Patient] = []
    for index in range(1, count + 1):
        mrn = f"CCX-{index:07d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        birth = _birth_date(today, rng.randint(18, 85), rng)
        indication, protocols = _weighted(rng, _INDICATIONS)
        protocol: Protocol = rng.choice(protocols)
        _, improvement = _weighted(rng, _TRAJECTORIES)
        start = today - datetime.timedelta(days=rng.randint(10, 330))
        infusions = rng.randint(6, 12)
        days, day = [], start
        for _ in range(infusions):
            days.append(day)
            day += datetime.timedelta(days=rng.choice((2, 3, 3, 4, 7)))
        if mrn in existing:
            continue
        phone = f"(720) 555-{index % 10000:04d}"
        patient = Patient(
            clinic=clinic,
            medical_record_number=mrn,
            legal_first_name=first,
            legal_last_name=last,
            date_of_birth=birth,
            sex_at_birth=rng.choice([SexAtBirth.FEMALE, SexAtBirth.MALE]),
            email=f"{first.lower()}.{last.lower()}.{index}@mail.example",
            phone=phone,
            phone_digits=digits_only(phone),
            journey_stage=JourneyStage.IN_INDUCTION,
        )
        patients.append(patient)
        plans.append(
            _Plan(
                patient=patient,
                protocol=protocol,
                indication=indication,
                start=start,
                infusion_days=days,
                trajectory=float(improvement),
                baseline_phq9=rng.randint(11, 25),
                relapses=rng.random() < 0.15,
            )
        )
    Patient.objects.bulk_create(patients, batch_size=BATCH)

    decisions = [
        EligibilityDecision(
            clinic=clinic,
            patient=plan.patient,
            outcome=EligibilityOutcome.APPROVED,
            protocol_key=plan.protocol.key,
            note="Generated for the benchmark.",
            advice_snapshot={},
            signed_by=physician,
            signed_at=_moment(zone, plan.start - datetime.timedelta(days=10), 10),
        )
        for plan in plans
    ]
    EligibilityDecision.objects.bulk_create(decisions, batch_size=BATCH)

    courses = []
    for plan, decision in zip(plans, decisions, strict=True):
        finished = plan.infusion_days[-1] < today
        if not finished:
            status = CourseStatus.INDUCTION
        elif plan.trajectory < 0.2:
            status = rng.choice(
                [CourseStatus.STOPPED, CourseStatus.STOPPED, CourseStatus.COMPLETED]
            )
        else:
            status = rng.choice([CourseStatus.MAINTENANCE, CourseStatus.COMPLETED])
        courses.append(
            TreatmentCourse(
                clinic=clinic,
                patient=plan.patient,
                decision=decision,
                protocol_key=plan.protocol.key,
                indication=plan.indication,
                target_infusions=min(6, plan.protocol.max_infusions_per_course),
                maximum_infusions=plan.protocol.max_infusions_per_course,
                minimum_interval_hours=24,
                maximum_per_week=3,
                review_checkpoints=[3, 4],
                starting_dose=plan.protocol.starting_dose,
                dose_unit=plan.protocol.dose_unit,
                titration_plan="Per protocol.",
                booster_plan="Single boosters on relapse.",
                status=status,
                signed_by=physician,
                signed_at=_moment(zone, plan.start - datetime.timedelta(days=7), 11),
            )
        )
    TreatmentCourse.objects.bulk_create(courses, batch_size=BATCH)

    appointments: list[Appointment] = []
    attended: list[tuple[_Plan, Appointment, TreatmentCourse]] = []
    for plan, course in zip(plans, courses, strict=True):
        esketamine = plan.protocol.route == Route.INTRANASAL
        kind = (
            VisitKind.ESKETAMINE
            if esketamine
            else VisitKind.PAIN_INFUSION
            if plan.indication == "chronic_pain"
            else VisitKind.IV_INFUSION
        )
        for day in plan.infusion_days:
            starts = _moment(zone, day, rng.randint(8, 14), rng.choice((0, 30)))
            ends = starts + datetime.timedelta(minutes=150 if esketamine else 90)
            if starts > now:
                appointment_status = AppointmentStatus.BOOKED
            elif rng.random() < 0.06:
                appointment_status = AppointmentStatus.NO_SHOW
            else:
                appointment_status = AppointmentStatus.COMPLETED
            appointment = Appointment(
                clinic=clinic,
                patient=plan.patient,
                kind=kind,
                starts_at=starts,
                ends_at=ends,
                chair=rng.choice(chairs) if chairs else None,
                course=course,
                clinician=nurse,
                status=appointment_status,
                booked_by=physician,
            )
            appointments.append(appointment)
            if appointment_status == AppointmentStatus.COMPLETED:
                attended.append((plan, appointment, course))
    Appointment.objects.bulk_create(appointments, batch_size=BATCH)

    sessions = []
    for plan, appointment, course in attended:
        given = rng.random() > 0.03
        starts = appointment.starts_at + datetime.timedelta(minutes=15)
        sessions.append(
            TreatmentSession(
                clinic=clinic,
                appointment=appointment,
                patient=plan.patient,
                course=course,
                route=SessionRoute.ESKETAMINE
                if plan.protocol.route == Route.INTRANASAL
                else SessionRoute.INTRAVENOUS,
                protocol_key=plan.protocol.key,
                status=SessionStatus.DISCHARGED if given else SessionStatus.NOT_GIVEN,
                status_reason="" if given else "Blood pressure above the pre-infusion limit.",
                checked_in_at=appointment.starts_at,
                checked_in_by=nurse,
                started_at=starts if given else None,
                stopped_at=starts + datetime.timedelta(minutes=40) if given else None,
                delivered_mg=Decimal("35.00") if given else None,
                observation_minimum_min=30,
                discharged_at=appointment.ends_at if given else None,
                discharged_by=nurse if given else None,
            )
        )
    TreatmentSession.objects.bulk_create(sessions, batch_size=BATCH)

    side_effects, readings, alarm_sessions = [], [], []
    for session in sessions:
        if session.status != SessionStatus.DISCHARGED or session.started_at is None:
            continue
        if rng.random() < 0.22:
            side_effects.append(
                SideEffect(
                    clinic=clinic,
                    session=session,
                    kind=rng.choice(_SIDE_EFFECTS),
                    onset_at=session.started_at + datetime.timedelta(minutes=rng.randint(5, 40)),
                    severity=rng.choices(list(Severity), weights=[80, 18, 2])[0],
                    action=SideEffectAction.NONE,
                    recorded_by=nurse,
                )
            )
        if rng.random() < 0.07:
            measured = session.started_at + datetime.timedelta(minutes=rng.randint(10, 40))
            readings.append(
                VitalSignReading(
                    clinic=clinic,
                    session=session,
                    measured_at=measured,
                    phase=VitalsPhase.INFUSION,
                    systolic_mmhg=rng.randint(165, 185),
                    diastolic_mmhg=rng.randint(92, 105),
                    heart_rate_bpm=rng.randint(70, 100),
                    spo2_percent=97,
                    alarm_level=1,
                    recorded_by=nurse,
                )
            )
            alarm_sessions.append(session)
    SideEffect.objects.bulk_create(side_effects, batch_size=BATCH)
    VitalSignReading.objects.bulk_create(readings, batch_size=BATCH)
    SessionAlarm.objects.bulk_create(
        [
            SessionAlarm(
                clinic=clinic,
                session=session,
                reading=reading,
                level=1,
                parameter="systolic_mmhg",
                message=f"Systolic {reading.systolic_mmhg} mmHg above the warning limit.",
                suggested_action="Slow the infusion; recheck in 5 minutes.",
                raised_at=reading.measured_at,
                acknowledge_by=reading.measured_at + datetime.timedelta(minutes=5),
                acknowledged_at=reading.measured_at + datetime.timedelta(minutes=2),
                acknowledged_by=nurse,
                action_taken="Rate slowed.",
            )
            for session, reading in zip(alarm_sessions, readings, strict=True)
        ],
        batch_size=BATCH,
    )

    QuestionnaireResponse.objects.bulk_create(
        _responses(clinic, plans, attended, today=today, nurse=nurse, rng=rng),
        batch_size=BATCH,
    )
    return len(patients)


def _responses(
    clinic: Clinic,
    plans: list[_Plan],
    attended: list[tuple[_Plan, Appointment, TreatmentCourse]],
    *,
    today: datetime.date,
    nurse: User,
    rng: random.Random,
) -> list[QuestionnaireResponse]:
    """Screening PHQ-9 and GAD-7, a PHQ-9 before each attended treatment, then weekly follow-ups
    after the course, ~20 in all; PHQ-9 improves along the patient's trajectory."""
    phq9, gad7 = instrument_get("phq9"), instrument_get("gad7")
    zone = clinic.zone
    visits: dict[int, list[datetime.datetime]] = {}
    for plan, appointment, _ in attended:
        visits.setdefault(id(plan), []).append(appointment.starts_at)
    rows: list[QuestionnaireResponse] = []

    def add(plan: _Plan, code: str, total: int, when: datetime.datetime, context: str) -> None:
        instrument = phq9 if code == "phq9" else gad7
        total = max(0, min(total, 24 if code == "phq9" else 21))
        rows.append(
            QuestionnaireResponse(
                clinic=clinic,
                patient=plan.patient,
                instrument=code,
                answers=_answers(code, len(instrument.items), total, rng),
                total=total,
                band=instrument.band_for(total),
                flags=[],
                context=context,
                source=ResponseSource.STAFF
                if context != ResponseContext.FOLLOW_UP
                else ResponseSource.PORTAL,
                completed_at=when,
                entered_by=nurse if context != ResponseContext.FOLLOW_UP else None,
            )
        )

    for plan in plans:
        baseline = plan.baseline_phq9

        def score(step: float, plan: _Plan = plan, baseline: int = baseline) -> int:
            improvement = plan.trajectory * (1 - math.exp(-step / 2.5))
            return round(baseline * (1 - improvement) + rng.gauss(0, 1.5))

        first_row = len(rows)
        screening = _moment(zone, plan.start - datetime.timedelta(days=10), 9)
        add(plan, "phq9", baseline + rng.randint(-1, 2), screening, ResponseContext.SCREENING)
        add(plan, "gad7", rng.randint(8, 18), screening, ResponseContext.SCREENING)
        given = 0
        for moment in visits.get(id(plan), []):
            add(
                plan,
                "phq9",
                score(given),
                moment + datetime.timedelta(minutes=5),
                ResponseContext.PRE_SESSION,
            )
            if given % 2 == 1:
                add(
                    plan,
                    "gad7",
                    rng.randint(4, 16),
                    moment + datetime.timedelta(minutes=6),
                    ResponseContext.PRE_SESSION,
                )
            given += 1
        day = plan.infusion_days[-1] + datetime.timedelta(days=7)
        weeks = 0
        while day < today and len(rows) - first_row < RESPONSES_PER_PATIENT:
            drift = weeks * 0.6 if plan.relapses else 0
            code = "phq9" if weeks % 3 != 2 else "gad7"
            total = score(given + weeks) + round(drift) if code == "phq9" else rng.randint(3, 14)
            add(plan, code, total, _moment(zone, day, 19), ResponseContext.FOLLOW_UP)
            weeks += 1
            day += datetime.timedelta(days=7)
    return rows
