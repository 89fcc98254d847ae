"""The rows of the generated patients (`demo/scale.py` orchestrates them): each patient, course,
appointment, session, reading, alarm, side effect and questionnaire response built in memory
from a patient's plan (`demo/scale_plan.py`), for `demo/bulk.py` to load. Demo data, never
clinical records: see `demo/scale.py`.
"""

from __future__ import annotations

import datetime
import math
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import TruncDate

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import (
    SessionAlarm,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.demo.bulk import insert_rows
from ketaclinic.demo.scale_plan import (
    NOT_GIVEN_RATE,
    OpeningDay,
    PatientPlan,
    PlannedCourse,
)
from ketaclinic.intake.models import EligibilityDecision
from ketaclinic.medicine.config import ClinicRules
from ketaclinic.medicine.monitoring import acknowledge_within_min
from ketaclinic.medicine.protocols import DoseUnit, Route
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.session import SideEffectKind
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.medicine.vital_signs import (
    AlarmLevel,
    VitalSigns,
    evaluate_vital_signs,
    pre_infusion_decision,
)
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext, ResponseSource
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth, digits_only
from ketaclinic.scheduling.models import Appointment

# Patients per transaction: ~4,000 rows per table, so a chunk is a few seconds of work and an
# interrupted run keeps every finished chunk whole.
CHUNK_PATIENTS = 2000
RESPONSES_PER_PATIENT = 22
# The generated MRNs: "CCX-0000001"…, in the clinic's letters-dash-digits shape. The patients
# app numbers a clinic's registrations "<first three letters of the slug>-00001" (Catalyst:
# "CAT-"), from the highest MRN with its own prefix; "CCX-" is not that prefix (checked below),
# so registrations made later neither collide with nor continue from the generated ones.
MRN_PREFIX = "CCX"
WING_ROOM = "Benchmark infusion wing"
ALARM_RATE = 0.07
SIDE_EFFECT_RATE = 0.22

SIDE_EFFECT_KINDS = [
    SideEffectKind.DISSOCIATION,
    SideEffectKind.NAUSEA,
    SideEffectKind.DIZZINESS,
    SideEffectKind.HEADACHE,
    SideEffectKind.ANXIETY,
    SideEffectKind.HYPERTENSION,
]
# The clinic's Monday–Friday if it has recorded no opening hours.
DEFAULT_OPENING = {
    weekday: OpeningDay(opens=datetime.time(8), minutes=9 * 60) for weekday in range(5)
}
# Within every default limit (CLINICAL.md §4 and §5.3): the baseline is a "go", the infusion's
# usual rise stays below the warning, so these readings carry no assessment beyond the go.
_GO = [{"message": "Vital signs within limits."}]

Progress = Callable[[int, int], None]  # (patients added so far, patients to add)


def generated_mrn(index: int) -> str:
    return f"{MRN_PREFIX}-{index:07d}"


def registration_prefix(clinic: Clinic) -> str:
    """The prefix the patients app gives this clinic's registrations (patients/services.py)."""
    return re.sub(r"[^A-Z]", "", clinic.slug.upper())[:3] or "PT"


@dataclass
class WingStaff:
    physician: User
    nurse: User


@dataclass
class BuildContext:
    clinic: Clinic
    today: datetime.date
    seed: int
    rules: ClinicRules
    staff: WingStaff
    opening: dict[int, OpeningDay]
    closed_days: frozenset[datetime.date]
    durations_min: dict[VisitKind, int]
    wing: Wing


class Wing:
    """The benchmark wing's chairs, filled day by day and chair by chair, back to back from
    opening: no chair ever holds two generated treatments at once, and none of the hand-built
    demo's chairs is used. A later run starts each day on a chair that day has not used."""

    def __init__(self, clinic: Clinic, room: Room, *, zone: datetime.tzinfo) -> None:
        self.clinic = clinic
        self.room = room
        self.chair_ids = list(
            Chair.objects.filter(clinic=clinic, room=room)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        used = (
            Appointment.objects.filter(chair__room=room)
            .annotate(day=TruncDate("starts_at", tzinfo=zone))
            .values("day")
            .annotate(chairs=Count("chair", distinct=True))
            .values_list("day", "chairs")
        )
        # day → [chair number, first free minute after opening on it]
        self.cursor: dict[datetime.date, list[int]] = {day: [n, 0] for day, n in used}

    def place(self, day: datetime.date, *, minutes: int, day_minutes: int) -> tuple[int, int]:
        """(chair number, minutes after opening) for a treatment of `minutes` on `day`."""
        cursor = self.cursor.setdefault(day, [0, 0])
        if cursor[1] + minutes > day_minutes:
            cursor[0], cursor[1] = cursor[0] + 1, 0
        start = cursor[1]
        cursor[1] += minutes
        return cursor[0], start

    def chair_id(self, number: int) -> int:
        return self.chair_ids[number]

    def ensure(self, chairs: int) -> None:
        """Add the chairs the placements so far need (one statement, only when some are)."""
        have = len(self.chair_ids)
        if chairs <= have:
            return
        created = [
            Chair(clinic=self.clinic, room=self.room, name=f"Wing chair {n}")
            for n in range(have + 1, chairs + 1)
        ]
        insert_rows(Chair, created)
        self.chair_ids.extend(chair.pk for chair in created)


def local_moment_at(
    zone: datetime.tzinfo, day: datetime.date, hour: int, minute: int = 0
) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=zone)


def patient_row(clinic: Clinic, plan: PatientPlan) -> Patient:
    index = plan.index
    phone = f"(720) 555-{index % 10000:04d}"
    last_open = plan.courses[-1]
    stage = (
        (JourneyStage.MAINTENANCE if last_open.is_booster else JourneyStage.IN_INDUCTION)
        if last_open.is_open
        else JourneyStage.COMPLETED
    )
    return Patient(
        clinic=clinic,
        medical_record_number=generated_mrn(index),
        legal_first_name=plan.first_name,
        legal_last_name=plan.last_name,
        date_of_birth=plan.date_of_birth,
        sex_at_birth=SexAtBirth.FEMALE if plan.is_female else SexAtBirth.MALE,
        email=f"{plan.first_name.lower()}.{plan.last_name.lower()}.{index}@mail.example",
        phone=phone,
        phone_digits=digits_only(phone),
        # Everyone past approval has named who drives them home (CLINICAL.md §4, §7.2).
        escort_name=f"{plan.escort_first_name} {plan.last_name}",
        escort_phone=f"(303) 555-{index % 10000:04d}",
        journey_stage=stage,
    )


def course_row(
    context: BuildContext,
    plan: PatientPlan,
    patient: Patient,
    decision: EligibilityDecision,
    planned: PlannedCourse,
) -> TreatmentCourse:
    protocol = plan.protocol
    maximum = protocol.max_infusions_per_course
    if planned.is_open:
        status = CourseStatus.MAINTENANCE if planned.is_booster else CourseStatus.INDUCTION
    elif not plan.is_responder:
        status = CourseStatus.STOPPED
    else:
        status = CourseStatus.COMPLETED
    return TreatmentCourse(
        clinic=context.clinic,
        patient=patient,
        decision=decision,
        protocol_key=protocol.key,
        indication=plan.indication,
        target_infusions=min(len(planned.days) if planned.is_booster else 6, maximum),
        maximum_infusions=maximum,
        # Treatments are two days or more apart; the course rules allow 24 h (CLINICAL.md §8).
        minimum_interval_hours=24,
        maximum_per_week=context.rules.course.maximum_per_week,
        review_checkpoints=sorted({min(4, maximum), min(6, maximum)}),
        starting_dose=protocol.starting_dose,
        dose_unit=protocol.dose_unit,
        titration_plan="Per protocol.",
        booster_plan="Single boosters on relapse.",
        status=status,
        status_reason="" if plan.is_responder or planned.is_open else "No response at review.",
        signed_by=context.staff.physician,
        signed_at=local_moment_at(context.clinic.zone, planned.signed_on, 11),
    )


def session_row(
    context: BuildContext, plan: PatientPlan, appointment: Appointment, course: TreatmentCourse
) -> TreatmentSession:
    protocol = plan.protocol
    esketamine = protocol.route == Route.INTRANASAL
    recovery = context.rules.recovery
    staff = context.staff
    given = plan.rng.random() >= NOT_GIVEN_RATE
    arrived = appointment.starts_at
    started = arrived + datetime.timedelta(minutes=15)  # the visit's preparation
    if esketamine:
        treatment_min = 10  # three devices five minutes apart
    elif protocol.dose_unit == DoseUnit.MG_PER_KG_PER_HOUR:
        treatment_min = 240
    else:
        treatment_min = 40
    if protocol.dose_unit == DoseUnit.MG:
        delivered = protocol.starting_dose
    elif protocol.dose_unit == DoseUnit.MG_PER_KG_PER_HOUR:
        delivered = protocol.starting_dose * plan.weight_kg * treatment_min / 60
    else:
        delivered = protocol.starting_dose * plan.weight_kg
    escort = f"{plan.escort_first_name} {plan.last_name}"
    return TreatmentSession(
        clinic=context.clinic,
        appointment=appointment,
        patient=appointment.patient,
        course=course,
        route=SessionRoute.ESKETAMINE if esketamine else SessionRoute.INTRAVENOUS,
        protocol_key=protocol.key,
        status=SessionStatus.DISCHARGED if given else SessionStatus.NOT_GIVEN,
        status_reason="" if given else "Blood pressure above the pre-infusion limit.",
        checked_in_at=arrived,
        checked_in_by=staff.nurse,
        weight_kg=plan.weight_kg,
        height_cm=plan.height_cm,
        escort_name=escort,
        checklist_passed_at=arrived + datetime.timedelta(minutes=10) if given else None,
        started_at=started if given else None,
        stopped_at=started + datetime.timedelta(minutes=treatment_min) if given else None,
        delivered_mg=delivered.quantize(Decimal("0.01")) if given else None,
        observation_minimum_min=recovery.esketamine_minimum_observation_min
        if esketamine
        else recovery.iv_minimum_observation_min,
        # The visit's end: its recovery is at least the minimum (medicine/visits.py).
        discharged_at=appointment.ends_at if given else None,
        discharged_by=staff.nurse if given else None,
        discharge_escort_name=escort if given else "",
    )


def reading_rows(
    context: BuildContext,
    plan: PatientPlan,
    session: TreatmentSession,
    alarms: list[SessionAlarm],
) -> Iterable[VitalSignReading]:
    """Baseline, one during the treatment at its usual peak and one in recovery; a held session
    has only its baseline. Some infusions also have a high reading, its warning and the calm
    repeat five minutes later."""
    rng, nurse, clinic = plan.rng, context.staff.nurse, context.clinic
    systolic, diastolic, pulse = plan.blood_pressure
    systolic += rng.randint(-4, 4)
    diastolic += rng.randint(-3, 3)
    pulse += rng.randint(-4, 4)
    spo2 = rng.randint(96, 99)
    baseline_at = session.checked_in_at + datetime.timedelta(minutes=10)

    def reading(
        phase: VitalsPhase, at: datetime.datetime, values: tuple[int, int, int], **extra: object
    ) -> VitalSignReading:
        return VitalSignReading(
            clinic=clinic,
            session=session,
            measured_at=at,
            phase=phase,
            systolic_mmhg=values[0],
            diastolic_mmhg=values[1],
            heart_rate_bpm=values[2],
            spo2_percent=spo2,
            respiratory_rate_per_min=14,
            recorded_by=nurse,
            **extra,
        )

    if session.started_at is None or session.stopped_at is None:
        held = (rng.randint(161, 178), rng.randint(88, 99), pulse)
        assessment = pre_infusion_decision(
            VitalSigns(held[0], held[1], held[2], spo2, 14), limits=context.rules.pre_infusion
        )
        return [
            reading(
                VitalsPhase.BASELINE,
                baseline_at,
                held,
                moaa_s=5,
                pre_infusion_decision=assessment.decision.value,
                assessment=[{"message": reason} for reason in assessment.reasons],
            )
        ]
    rise = rng.randint(8, 13)  # ketamine's usual rise by 30–40 minutes
    peak_at = session.started_at + datetime.timedelta(minutes=30)
    rows = [
        reading(
            VitalsPhase.BASELINE,
            baseline_at,
            (systolic, diastolic, pulse),
            moaa_s=5,
            pre_infusion_decision="go",
            assessment=_GO,
        ),
        reading(
            VitalsPhase.INFUSION,
            peak_at,
            (systolic + rise, diastolic + rise // 2, pulse + 5),
            moaa_s=4,
            assessment=[],
        ),
        reading(
            VitalsPhase.RECOVERY,
            max(session.stopped_at, peak_at) + datetime.timedelta(minutes=20),
            (systolic + 4, diastolic + 2, pulse + 2),
            moaa_s=5,
            assessment=[],
        ),
    ]
    if rng.random() < ALARM_RATE:
        high_at = session.started_at + datetime.timedelta(minutes=20)
        high = (rng.randint(180, 195), rng.randint(92, 105), pulse + 8)
        signs = VitalSigns(
            *high,
            spo2,
            14,
            moaa_s=4,
            minute=(high_at - session.checked_in_at).total_seconds() / 60,
        )
        evaluated = evaluate_vital_signs(signs, limits=context.rules.alarms)
        high_reading = reading(
            VitalsPhase.INFUSION,
            high_at,
            high,
            moaa_s=4,
            alarm_level=int(evaluated.level),
            assessment=[
                {
                    "level": alarm.level.name.lower(),
                    "message": alarm.message,
                    "action": alarm.suggested_action,
                }
                for alarm in evaluated.alarms
            ],
        )
        repeat_at = high_at + datetime.timedelta(minutes=5)
        rows[1:1] = [
            high_reading,
            reading(
                VitalsPhase.INFUSION,
                repeat_at,
                (high[0] - rng.randint(18, 30), high[1] - rng.randint(8, 14), pulse + 4),
                moaa_s=4,
                assessment=[],
            ),
        ]
        for alarm in evaluated.alarms:
            if alarm.level == AlarmLevel.NONE:  # pragma: no cover - evaluate gives real ones
                continue
            alarms.append(
                SessionAlarm(
                    clinic=clinic,
                    session=session,
                    reading=high_reading,
                    level=int(alarm.level),
                    parameter=alarm.parameter,
                    message=alarm.message[:300],
                    suggested_action=alarm.suggested_action[:300],
                    raised_at=high_at,
                    acknowledge_by=high_at
                    + datetime.timedelta(
                        minutes=acknowledge_within_min(alarm.level, context.rules.monitoring)
                    ),
                    acknowledged_at=high_at + datetime.timedelta(minutes=2),
                    acknowledged_by=nurse,
                    action_taken="Repeated in 5 minutes: settled.",
                )
            )
    return rows


def _answers(instrument: str, items: int, total: int, rng: random.Random) -> dict[str, int]:
    """Item answers (0–3) summing to `total`, spread evenly with the remainder on random items;
    PHQ-9 item 9 stays 0 (no suicide-risk tasks)."""
    free = items - 1 if instrument == "phq9" else items
    total = max(0, min(total, 3 * free))
    each, extra = divmod(total, free)
    values = [each] * free + [0] * (items - free)
    for index in rng.sample(range(free), extra):
        values[index] += 1
    return {f"{instrument}.{n + 1}": value for n, value in enumerate(values)}


def response_rows(
    context: BuildContext,
    plans: Sequence[PatientPlan],
    patients: Sequence[Patient],
    attended: Sequence[tuple[PatientPlan, Appointment, TreatmentCourse]],
) -> list[QuestionnaireResponse]:
    """Screening PHQ-9 and GAD-7, a PHQ-9 before each attended treatment, then weekly follow-ups
    after the last one, ~20 in all; PHQ-9 improves along the patient's trajectory."""
    clinic, today, nurse = context.clinic, context.today, context.staff.nurse
    phq9, gad7 = instrument_get("phq9"), instrument_get("gad7")
    zone = clinic.zone
    visits: dict[int, list[datetime.datetime]] = {}
    for plan, appointment, _ in attended:
        visits.setdefault(plan.index, []).append(appointment.starts_at)
    rows: list[QuestionnaireResponse] = []

    def add(
        plan: PatientPlan,
        patient: Patient,
        code: str,
        total: int,
        when: datetime.datetime,
        where: str,
    ) -> None:
        instrument = phq9 if code == "phq9" else gad7
        total = max(0, min(total, 24 if code == "phq9" else 21))
        at_clinic = where != ResponseContext.FOLLOW_UP
        rows.append(
            QuestionnaireResponse(
                clinic=clinic,
                patient=patient,
                instrument=code,
                answers=_answers(code, len(instrument.items), total, plan.rng),
                total=total,
                band=instrument.band_for(total),
                flags=[],
                context=where,
                source=ResponseSource.STAFF if at_clinic else ResponseSource.PORTAL,
                completed_at=when,
                entered_by=nurse if at_clinic else None,
            )
        )

    for plan, patient in zip(plans, patients, strict=True):
        rng = plan.rng
        baseline = plan.baseline_phq9

        def score(step: float, plan: PatientPlan = plan, baseline: int = baseline) -> int:
            improvement = plan.trajectory * (1 - math.exp(-step / 2.5))
            return round(baseline * (1 - improvement) + plan.rng.gauss(0, 1.5))

        first_row = len(rows)
        first_day = plan.courses[0].signed_on
        screening = local_moment_at(zone, first_day - datetime.timedelta(days=10), 9)
        add(
            plan,
            patient,
            "phq9",
            baseline + rng.randint(-1, 2),
            screening,
            ResponseContext.SCREENING,
        )
        add(plan, patient, "gad7", rng.randint(8, 18), screening, ResponseContext.SCREENING)
        given = 0
        for moment in visits.get(plan.index, []):
            add(
                plan,
                patient,
                "phq9",
                score(given),
                moment + datetime.timedelta(minutes=5),
                ResponseContext.PRE_SESSION,
            )
            if given % 2 == 1:
                add(
                    plan,
                    patient,
                    "gad7",
                    rng.randint(4, 16),
                    moment + datetime.timedelta(minutes=6),
                    ResponseContext.PRE_SESSION,
                )
            given += 1
        day = plan.courses[-1].days[-1] + datetime.timedelta(days=7)
        weeks = 0
        while day < today and len(rows) - first_row < RESPONSES_PER_PATIENT:
            drift = weeks * 0.6 if plan.relapses else 0
            code = "phq9" if weeks % 3 != 2 else "gad7"
            total = score(given + weeks) + round(drift) if code == "phq9" else rng.randint(3, 14)
            add(
                plan,
                patient,
                code,
                total,
                local_moment_at(zone, day, 19),
                ResponseContext.FOLLOW_UP,
            )
            weeks += 1
            day += datetime.timedelta(days=7)
    return rows
