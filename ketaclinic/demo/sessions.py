"""The demo clinic's session days, charted through the `charting` services: the past month's
completed sessions, and today's board with a patient in every state.

Every entry is made with its true time (the services' `checked_in_at`, `prepared_at`,
`occurred_at`, `measured_at`, `onset_at`, `given_at`, `discharged_at`). A few services stamp "now"
(checklist answers, the dose verification, scores, alarm acknowledgements, the reconciliation
record, note signatures, a questionnaire's completion): the demo's sessions are history entered
after the fact, so those stamps are set back to the time each step happened, right after the
service call. The controlled-substance ledger is append-only, so the witnessed waste posted by the
reconciliation keeps the time it was entered.

Appointments in the past are written directly (the booking service refuses times that have
passed), as a clinic importing its records would; the discharge service completes them.

Idempotent: patients, courses and orders are found by natural keys first; the past sessions are
built with the inventory (once); today's board is built once (and not before 04:00 clinic time,
when "earlier today" would still be yesterday).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import (
    ChecklistAnswer,
    DosePreparation,
    SessionAlarm,
    SessionNote,
    SessionScore,
    TreatmentSession,
)
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.inventory.models import Container, ContainerStatus, ProductForm
from ketaclinic.medicine.session import ChecklistItem, ItemStatus
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth
from ketaclinic.scheduling.models import Appointment

IV_PROTOCOL = "iv-ketamine-depression@1"
ESKETAMINE_PROTOCOL = "esketamine-trd@1"
ORDER_VALID_DAYS = 30
CADSS6 = {f"cadss.{n}": 1 for n in (1, 2, 6, 7, 15, 22)}
ALDRETE_FULL = {f"aldrete.{n}": 2 for n in range(1, 6)}
# Manual checklist items in the order a nurse goes through them (the pregnancy test is added).
MANUAL_ITEMS = (
    ChecklistItem.IDENTITY,
    ChecklistItem.FASTING,
    ChecklistItem.MEDICATION_HOLDS,
    ChecklistItem.NO_SUBSTANCES,
    ChecklistItem.EQUIPMENT,
)


@dataclass(frozen=True)
class DemoPatient:
    mrn: str
    first: str
    last: str
    sex: SexAtBirth
    age: int
    weight_kg: Decimal
    height_cm: Decimal
    escort: tuple[str, str]
    baseline: tuple[int, int, int]  # systolic, diastolic, heart rate at rest
    phq9: int  # this session's pre-session PHQ-9
    esketamine: bool = False


# Patients in treatment who fill today's board (Jordan, Wei and Aisha have the past month).
BOARD_PATIENTS = [
    DemoPatient(
        "CC-00010", "Nadia", "Haddad", SexAtBirth.FEMALE, 39, Decimal("63.2"), Decimal("165"),
        ("Karim Haddad (brother)", "(720) 555-2010"), (118, 76, 70), 11,
    ),
    DemoPatient(
        "CC-00011", "Owen", "Pryce", SexAtBirth.MALE, 45, Decimal("88.4"), Decimal("182"),
        ("Leah Pryce (wife)", "(720) 555-2011"), (128, 82, 74), 13,
    ),
    DemoPatient(
        "CC-00012", "Caleb", "Fraser", SexAtBirth.MALE, 31, Decimal("79.0"), Decimal("178"),
        ("Dee Fraser (mother)", "(720) 555-2012"), (122, 78, 68), 17,
    ),
    DemoPatient(
        "CC-00013", "Ines", "Moreau", SexAtBirth.FEMALE, 50, Decimal("68.5"), Decimal("162"),
        ("Paul Moreau (husband)", "(720) 555-2013"), (126, 80, 72), 15,
    ),
    DemoPatient(
        "CC-00014", "Ruth", "Adebayo", SexAtBirth.FEMALE, 44, Decimal("71.0"), Decimal("170"),
        ("Tunde Adebayo (husband)", "(720) 555-2014"), (120, 78, 76), 19, esketamine=True,
    ),
    DemoPatient(
        "CC-00015", "Victor", "Lindgren", SexAtBirth.MALE, 57, Decimal("92.3"), Decimal("185"),
        ("Eva Lindgren (wife)", "(720) 555-2015"), (132, 84, 66), 16,
    ),
    DemoPatient(
        "CC-00016", "Yara", "Costa", SexAtBirth.FEMALE, 28, Decimal("58.7"), Decimal("160"),
        ("Bruno Costa (partner)", "(720) 555-2016"), (112, 72, 78), 18,
    ),
    DemoPatient(
        "CC-00017", "Dmitri", "Volkov", SexAtBirth.MALE, 62, Decimal("84.1"), Decimal("176"),
        ("Irina Volkova (wife)", "(720) 555-2017"), (134, 84, 64), 20,
    ),
    DemoPatient(
        "CC-00018", "Elise", "Warren", SexAtBirth.FEMALE, 36, Decimal("66.0"), Decimal("168"),
        ("Tom Warren (father)", "(720) 555-2018"), (116, 74, 72), 17,
    ),
]  # fmt: skip
# The story patients in treatment: measured today as at intake, with their own resting vitals.
STORY_PATIENTS = {
    "CC-00001": ((124, 78, 72), Decimal("74.5"), Decimal("168")),
    "CC-00005": ((128, 80, 70), Decimal("74.5"), Decimal("168")),
    "CC-00006": ((130, 82, 66), Decimal("74.5"), Decimal("168")),
}
# (MRN, days ago, visit kind, what happens, PHQ-9 that morning)
PAST_SESSIONS = [
    ("CC-00005", 20, VisitKind.BOOSTER, "", 9),
    ("CC-00001", 8, VisitKind.IV_INFUSION, "", 19),
    ("CC-00010", 7, VisitKind.IV_INFUSION, "nausea", 17),
    ("CC-00005", 6, VisitKind.BOOSTER, "bp_alarm", 8),
    ("CC-00001", 5, VisitKind.IV_INFUSION, "", 15),
    ("CC-00011", 5, VisitKind.IV_INFUSION, "", 18),
    ("CC-00010", 4, VisitKind.IV_INFUSION, "", 14),
    ("CC-00011", 3, VisitKind.IV_INFUSION, "", 16),
    ("CC-00006", 3, VisitKind.IV_INFUSION, "", 18),
]
# Minutes from check-in to the pump start (or first device), and the infusion's readings.
START_AFTER_CHECK_IN = 18
INFUSION_READINGS = (5, 10, 15, 25, 35)
INFUSION_MIN = 40


@dataclass(frozen=True)
class Staff:
    desk: User
    nurse: User
    second_nurse: User
    physician: User
    director: User


def demo_staff() -> Staff:
    def user(email: str) -> User:
        return User.objects.get(email=email)

    return Staff(
        desk=user("frontdesk.patel@catalyst.example"),
        nurse=user("nurse.chen@catalyst.example"),
        second_nurse=user("nurse.alvarez@catalyst.example"),
        physician=user("dr.rivera@catalyst.example"),
        director=user("dr.okafor@catalyst.example"),
    )


def _minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def _local(clinic: Clinic, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    from ketaclinic.scheduling.services import local_moment

    return local_moment(clinic=clinic, day=day, time=datetime.time(hour, minute))


def phq9_answers(total: int) -> dict[str, int]:
    """A PHQ-9 with this total over items 1–8 (item 9, self-harm, answered 0)."""
    base, extra = divmod(min(total, 24), 8)
    return {f"phq9.{n}": (base + 1 if n <= extra else base) if n < 9 else 0 for n in range(1, 10)}


# --- patients in treatment --------------------------------------------------------------------


def build_treatment_patients(clinic: Clinic, *, today: datetime.date) -> int:
    """Nine more patients in induction, each approved, consented and on a signed course with a
    dose order (Ruth on esketamine, enrolled in the REMS); returns how many patients were new."""
    import random

    from ketaclinic.demo.builder import _birth_date

    staff = demo_staff()
    rng = random.Random(f"demo-board-{clinic.slug}")
    created = 0
    for spec in BOARD_PATIENTS:
        born = _birth_date(today, spec.age, rng)  # drawn for every patient: stays deterministic
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=spec.mrn).first()
        if patient is None:
            patient = Patient.objects.create(
                clinic=clinic,
                medical_record_number=spec.mrn,
                legal_first_name=spec.first,
                legal_last_name=spec.last,
                date_of_birth=born,
                sex_at_birth=spec.sex,
                email=f"{spec.first.lower()}.{spec.last.lower()}@mail.example",
                phone=f"(720) 555-{1000 + int(spec.mrn[-2:]):04d}",
                journey_stage=JourneyStage.IN_INDUCTION,
                address_line1=f"{200 + 13 * int(spec.mrn[-2:])} Downing Street",
                city="Denver",
                state="CO",
                postal_code="80218",
                escort_name=spec.escort[0],
                escort_phone=spec.escort[1],
            )
            created += 1
        _approve_and_start_course(clinic, patient, spec, staff=staff, today=today)
    return created


def _approve_and_start_course(
    clinic: Clinic, patient: Patient, spec: DemoPatient, *, staff: Staff, today: datetime.date
) -> None:
    from ketaclinic.consent.models import Treatment
    from ketaclinic.consent.services import consent_current, consent_document_latest, consent_sign
    from ketaclinic.courses.models import CourseStatus
    from ketaclinic.courses.services import course_create, course_transition
    from ketaclinic.demo.builder import _demo_baseline_scores, _signature_png_data_url
    from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome, Intake
    from ketaclinic.intake.services import (
        IntakeEntry,
        MedicationEntry,
        TrialEntry,
        eligibility_decide,
        intake_save,
    )
    from ketaclinic.medicine.eligibility import TrialOutcome

    if TreatmentCourse.objects.filter(patient=patient).exists():
        return
    female = spec.sex == SexAtBirth.FEMALE
    if not Intake.objects.filter(patient=patient).exists():
        intake_save(
            acting_user=staff.nurse,
            patient=patient,
            entry=IntakeEntry(
                indication="trd",
                psychiatric_history="Recurrent major depression; no response to two adequate trials.",
                allergies="None known",
                substance_use="Alcohol: rarely. No drugs.",
                is_pregnant=False if female else None,
                is_breastfeeding=False if female else None,
                height_cm=spec.height_cm,
                weight_kg=spec.weight_kg,
                baseline_systolic_mmhg=spec.baseline[0],
                baseline_diastolic_mmhg=spec.baseline[1],
                baseline_heart_rate_bpm=spec.baseline[2],
                baseline_spo2_percent=98,
                diagnoses=("F33.2",),
                trials=(
                    TrialEntry(
                        "sertraline", Decimal("150"), 8, True, True, TrialOutcome.NO_RESPONSE, True
                    ),
                    TrialEntry(
                        "venlafaxine",
                        Decimal("225"),
                        10,
                        True,
                        True,
                        TrialOutcome.NO_RESPONSE,
                        True,
                    ),
                ),
                medications=(MedicationEntry("bupropion", Decimal("300"), "daily"),),
            ),
            submit=True,
        )
        _demo_baseline_scores(patient, nurse=staff.nurse, severe=True)
    protocol_key = ESKETAMINE_PROTOCOL if spec.esketamine else IV_PROTOCOL
    if not EligibilityDecision.objects.filter(patient=patient).exists():
        eligibility_decide(
            acting_user=staff.physician,
            patient=patient,
            outcome=EligibilityOutcome.APPROVED,
            protocol_key=protocol_key,
            note="Treatment-resistant depression after two adequate trials; no contraindication.",
        )
    treatment = Treatment.ESKETAMINE if spec.esketamine else Treatment.IV_KETAMINE
    document = consent_document_latest(clinic=clinic, treatment=treatment)
    if document is not None and consent_current(patient=patient, treatment=treatment) is None:
        consent_sign(
            witness=staff.nurse,
            patient=patient,
            document=document,
            typed_name=f"{patient.legal_first_name} {patient.legal_last_name}",
            drawn_signature_data_url=_signature_png_data_url(),
        )
    dose = Decimal("56") if spec.esketamine else Decimal("0.5")
    course = course_create(
        acting_user=staff.physician,
        patient=patient,
        target_infusions=8 if spec.esketamine else 6,
        starting_dose=dose,
        titration_plan=(
            "56 mg on day 1, then 56 or 84 mg twice weekly for 4 weeks."
            if spec.esketamine
            else "0.5 mg/kg; step to 0.75 mg/kg at infusion 3 if under 20% better and tolerated."
        ),
        booster_plan="Single boosters when PHQ-9 rises 5 points from the best; review 3-monthly.",
        rems_patient_enrollment=f"REMS-{spec.mrn[-5:]}-7731" if spec.esketamine else "",
    )
    # The course and its order date from before the first session the demo charts for it.
    first_day = min(
        [_session_day(today, d) for m, d, *_ in PAST_SESSIONS if m == spec.mrn],
        default=today - datetime.timedelta(days=2),
    )
    backdate_course(
        course,
        signed_at=_local(clinic, first_day - datetime.timedelta(days=1), 16),
        physician=staff.physician,
    )
    course_transition(acting_user=staff.physician, course=course, to_status=CourseStatus.INDUCTION)
    # The decision leaves the patient "approved"; the story's stage is induction.
    Patient.objects.filter(pk=patient.pk).update(journey_stage=JourneyStage.IN_INDUCTION)


def backdate_course(
    course: TreatmentCourse, *, signed_at: datetime.datetime, physician: User
) -> None:
    """Demo history entered after the fact: the course and its screening scores date from before
    its first charted session, and a dose order signed then covers the sessions since."""
    from ketaclinic.courses.services import dose_order_sign

    TreatmentCourse.objects.filter(pk=course.pk).update(signed_at=signed_at)
    QuestionnaireResponse.objects.filter(
        patient_id=course.patient_id, context=ResponseContext.SCREENING, completed_at__gt=signed_at
    ).update(completed_at=signed_at - datetime.timedelta(days=1))
    if DoseOrder.objects.filter(course=course, signed_at__lte=signed_at).exists():
        return
    order = dose_order_sign(
        acting_user=physician, course=course, dose=course.starting_dose, valid_days=ORDER_VALID_DAYS
    )
    DoseOrder.objects.filter(pk=order.pk).update(
        signed_at=signed_at, expires_at=signed_at + datetime.timedelta(days=ORDER_VALID_DAYS)
    )


# --- one session, charted -----------------------------------------------------------------------

STAGES = ("arrived", "checklist", "infusing", "recovery", "ready", "discharged")


@dataclass
class Plan:
    """What to chart: the session's check-in time, how far it goes, and what happens in it."""

    check_in: datetime.datetime
    stage: str
    variant: str = ""
    phq9: int = 12
    baseline: tuple[int, int, int] = (124, 78, 72)
    weight_kg: Decimal = Decimal("74.5")
    height_cm: Decimal = Decimal("168")

    @property
    def start(self) -> datetime.datetime:
        return self.check_in + _minutes(START_AFTER_CHECK_IN)

    def reaches(self, stage: str) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(stage)


def _vial(clinic: Clinic, *, esketamine: bool, units: int, at: datetime.datetime) -> Container:
    """An opened container with enough left (within its beyond-use date), else a sealed one."""
    containers = Container.objects.filter(
        clinic=clinic,
        status__in=[ContainerStatus.OPEN, ContainerStatus.SEALED],
        balance__gte=units,
        lot__expires_on__gt=at.date(),
    ).filter(Q(beyond_use_at__isnull=True) | Q(beyond_use_at__gt=at))
    if esketamine:
        containers = containers.filter(lot__product__form=ProductForm.DEVICE_KIT)
    else:
        containers = containers.filter(
            lot__product__form=ProductForm.VIAL, lot__product__strength_mg_per_ml=Decimal("50")
        )
    opened = containers.filter(status=ContainerStatus.OPEN).order_by("opened_at", "pk").first()
    if opened is not None:
        return opened
    container = containers.order_by("lot__expires_on", "pk").first()
    if container is None:
        raise RuntimeError("The demo safe has no ketamine left for today's sessions.")
    return container


def _infusion_vitals(plan: Plan, minute: int) -> dict[str, Any]:
    """Ketamine's usual rise: BP up 10–15 mmHg by 30–40 minutes, pulse a little up."""
    systolic, diastolic, pulse = plan.baseline
    rise = round(13 * min(minute, 35) / 35)
    return {
        "systolic_mmhg": systolic + rise,
        "diastolic_mmhg": diastolic + rise // 2,
        "heart_rate_bpm": pulse + min(minute, 30) // 5,
        "spo2_percent": 98 if minute % 10 else 97,
        "respiratory_rate_per_min": 14 + (minute // 20),
        "moaa_s": 5 if minute < 10 else 4,
    }


def _recovery_vitals(plan: Plan, after_stop: int) -> dict[str, Any]:
    systolic, diastolic, pulse = plan.baseline
    settle = max(0, 10 - after_stop // 4)
    return {
        "systolic_mmhg": systolic + settle,
        "diastolic_mmhg": diastolic + settle // 2,
        "heart_rate_bpm": pulse + 2,
        "spo2_percent": 98,
        "respiratory_rate_per_min": 14,
        "moaa_s": 5,
    }


def chart_session(
    appointment: Appointment, plan: Plan, *, staff: Staff, nurse: User, checker: User
) -> TreatmentSession:
    """Check in and chart the session as far as `plan.stage`, each entry at its own time."""
    from ketaclinic.charting.selectors import pregnancy_test_applies
    from ketaclinic.charting.services import (
        checklist_answer,
        session_check_in,
        session_escort_confirm,
        session_measurements_record,
        vitals_record,
    )
    from ketaclinic.outcomes.services import questionnaire_record

    at = plan.check_in
    session = session_check_in(acting_user=staff.desk, appointment=appointment, checked_in_at=at)
    patient = session.patient
    if not plan.reaches("checklist"):
        return session
    response = questionnaire_record(
        acting_user=nurse,
        patient=patient,
        instrument_code="phq9",
        answers=phq9_answers(plan.phq9),
        context=ResponseContext.PRE_SESSION,
    )
    # Demo history entered after the fact: the PHQ-9 was filled in on the tablet at arrival.
    QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at + _minutes(2))
    session_measurements_record(
        acting_user=nurse, session=session, weight_kg=plan.weight_kg, height_cm=plan.height_cm
    )
    partial = plan.stage == "checklist"
    for index, item in enumerate(MANUAL_ITEMS[:2] if partial else MANUAL_ITEMS):
        answer = checklist_answer(
            acting_user=nurse, session=session, item=item, status=ItemStatus.PASS
        )
        # Demo history entered after the fact: each answer at the time it was given.
        ChecklistAnswer.objects.filter(pk=answer.pk).update(recorded_at=at + _minutes(4 + index))
    if partial:
        return session
    applies = pregnancy_test_applies(session)
    answer = checklist_answer(
        acting_user=nurse,
        session=session,
        item=ChecklistItem.PREGNANCY_TEST,
        status=ItemStatus.PASS if applies else ItemStatus.NOT_APPLICABLE,
        detail="Urine hCG negative" if applies else "",
    )
    ChecklistAnswer.objects.filter(pk=answer.pk).update(recorded_at=at + _minutes(9))
    session_escort_confirm(
        acting_user=nurse, session=session, name=patient.escort_name, phone=patient.escort_phone
    )
    systolic, diastolic, pulse = plan.baseline
    vitals_record(
        acting_user=nurse,
        session=session,
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        heart_rate_bpm=pulse,
        spo2_percent=98,
        respiratory_rate_per_min=14,
        moaa_s=5,
        measured_at=at + _minutes(10),
    )
    # Demo history entered after the fact: the checklist passed with the baseline reading.
    TreatmentSession.objects.filter(pk=session.pk, checklist_passed_at__isnull=False).update(
        checklist_passed_at=at + _minutes(10)
    )
    session.refresh_from_db()
    if session.is_esketamine:
        return _chart_esketamine(session, plan, nurse=nurse, checker=checker)
    return _chart_infusion(session, plan, staff=staff, nurse=nurse, checker=checker)


def _prepare(
    session: TreatmentSession, plan: Plan, *, nurse: User, checker: User
) -> DosePreparation:
    from ketaclinic.charting.services import dose_prepare, dose_verify

    prepared_at = plan.check_in + _minutes(12)
    # Units are only an estimate for choosing the container: the service computes the draw.
    estimate = 2 if session.is_esketamine else int(plan.weight_kg * 10) + 100
    container = _vial(
        session.clinic, esketamine=session.is_esketamine, units=estimate, at=prepared_at
    )
    preparation = dose_prepare(
        acting_user=nurse,
        session=session,
        container=container,
        prepared_at=prepared_at,
        diluent_lot="" if session.is_esketamine else "NS-24J118",
    )
    preparation = dose_verify(
        acting_user=checker,
        preparation=preparation,
        dose_mg=preparation.dose_mg,
        rate_ml_per_h=preparation.rate_ml_per_h,
        devices=preparation.devices,
    )
    # Demo history entered after the fact: the second clinician checked it at the chair.
    DosePreparation.objects.filter(pk=preparation.pk).update(
        verified_at=plan.check_in + _minutes(15)
    )
    return preparation


def _chart_infusion(
    session: TreatmentSession, plan: Plan, *, staff: Staff, nurse: User, checker: User
) -> TreatmentSession:
    from ketaclinic.charting.services import (
        alarm_acknowledge,
        controlled_substance_reconcile,
        prn_record,
        pump_event_record,
        session_score_record,
        side_effect_record,
        side_effect_resolve,
        vitals_record,
    )

    preparation = _prepare(session, plan, nurse=nurse, checker=checker)
    start = plan.start
    pump_event_record(acting_user=nurse, session=session, kind="start", occurred_at=start)
    now = timezone.now()
    alarm = plan.variant == "bp_alarm"
    length = INFUSION_MIN + (5 if alarm else 0)
    readings = [m for m in (*INFUSION_READINGS, 40) if m < length]
    if alarm:
        readings = sorted({*readings, 30})
    for minute in readings:
        moment = start + _minutes(minute)
        if moment > now:
            break
        values = _infusion_vitals(plan, minute)
        if alarm and minute in (25, 30):
            values.update(
                {"systolic_mmhg": 182, "diastolic_mmhg": 98}
                if minute == 25
                else {"systolic_mmhg": 186, "diastolic_mmhg": 102}
            )
        elif alarm and minute > 30:
            values.update({"systolic_mmhg": 158 - (minute - 35), "diastolic_mmhg": 92})
        if plan.variant == "spo2_warning" and minute == 15:
            values.update({"spo2_percent": 93, "moaa_s": 4})
        reading = vitals_record(acting_user=nurse, session=session, measured_at=moment, **values)
        if alarm and minute in (25, 30):
            acknowledged_at = moment + _minutes(1)
            for raised in reading.alarms.all():
                alarm_acknowledge(
                    acting_user=nurse,
                    alarm=raised,
                    action_taken=(
                        "Repeat BP in 5 minutes; room quiet, patient calm, no symptoms."
                        if minute == 25
                        else "Confirmed high: rate halved, Dr Rivera informed; no symptoms."
                    ),
                )
                # Demo history entered after the fact: acknowledged at the chair within a minute.
                SessionAlarm.objects.filter(pk=raised.pk).update(acknowledged_at=acknowledged_at)
            if minute == 30:
                assert preparation.rate_ml_per_h is not None
                pump_event_record(
                    acting_user=nurse,
                    session=session,
                    kind="rate_change",
                    rate_ml_per_h=(preparation.rate_ml_per_h / 2).quantize(
                        Decimal("0.1"), rounding=ROUND_HALF_UP
                    ),
                    reason="BP 186/102 confirmed on a repeat: rate halved per protocol.",
                    occurred_at=acknowledged_at,
                )
        if plan.variant == "nausea" and minute == 15:
            onset = moment + _minutes(3)
            effect = side_effect_record(
                acting_user=nurse,
                session=session,
                kind="nausea",
                severity="moderate",
                action="prn",
                onset_at=onset,
                note="Nauseated, no vomiting.",
            )
            prn_record(
                acting_user=nurse,
                session=session,
                side_effect=effect,
                drug="Ondansetron",
                dose=Decimal("4"),
                unit="mg",
                route="IV",
                given_at=onset + _minutes(2),
                response="Nausea settled within 10 minutes.",
            )
            side_effect_resolve(
                acting_user=nurse, side_effect=effect, resolved_at=onset + _minutes(12)
            )
    if not plan.reaches("recovery"):
        return session
    stop = start + _minutes(length)
    pump_event_record(
        acting_user=nurse,
        session=session,
        kind="stop",
        occurred_at=stop,
        # Halved for the BP alarm, the bag is not finished at the stop: an early stop says why.
        reason="Stopped at 45 minutes after the rate was halved for BP; remainder wasted."
        if alarm
        else "",
    )
    score = session_score_record(
        acting_user=nurse, session=session, instrument="cadss6", answers=CADSS6
    )
    # Demo history entered after the fact: scored as the infusion ended.
    SessionScore.objects.filter(pk=score.pk).update(recorded_at=stop + _minutes(1))
    controlled_substance_reconcile(
        acting_user=nurse,
        session=session,
        witness=checker,
        recorded_at=min(stop + _minutes(3), timezone.now()),
    )
    for after in (15, 30) if plan.reaches("ready") else (5,):
        vitals_record(
            acting_user=nurse,
            session=session,
            measured_at=stop + _minutes(after),
            **_recovery_vitals(plan, after),
        )
    if not plan.reaches("ready"):
        return session
    score = session_score_record(
        acting_user=nurse, session=session, instrument="modified_aldrete", answers=ALDRETE_FULL
    )
    SessionScore.objects.filter(pk=score.pk).update(recorded_at=stop + _minutes(30))
    if not plan.reaches("discharged"):
        return session
    session.refresh_from_db()
    return _discharge_and_sign(session, discharged_at=stop + _minutes(35), staff=staff, nurse=nurse)


def _discharge_and_sign(
    session: TreatmentSession,
    *,
    discharged_at: datetime.datetime,
    staff: Staff,
    nurse: User,
) -> TreatmentSession:
    from ketaclinic.charting.services import session_discharge, session_note_sign

    session = session_discharge(
        acting_user=nurse,
        session=session,
        escort_name=session.escort_name,
        instructions_given=True,
        discharged_at=discharged_at,
    )
    note = session_note_sign(acting_user=nurse, session=session)
    session_note_sign(acting_user=staff.physician, session=session)
    # Demo history entered after the fact: the nurse signed after the discharge and the
    # physician co-signed later that day.
    signed_at = min(discharged_at + _minutes(10), timezone.now())
    SessionNote.objects.filter(pk=note.pk).update(
        nurse_signed_at=signed_at,
        physician_signed_at=min(discharged_at + _minutes(90), timezone.now()),
    )
    return session


def _chart_esketamine(
    session: TreatmentSession, plan: Plan, *, nurse: User, checker: User
) -> TreatmentSession:
    """Two 28 mg devices five minutes apart, then observation (2 hours from the first device)."""
    from ketaclinic.charting.services import device_administer, vitals_record

    _prepare(session, plan, nurse=nurse, checker=checker)
    first = plan.start
    device_administer(acting_user=nurse, session=session, occurred_at=first)
    device_administer(acting_user=nurse, session=session, occurred_at=first + _minutes(5))
    now = timezone.now()
    for minute in (15, 30, 45):  # the label's checks: ~40 minutes after the dose, and as needed
        moment = first + _minutes(minute)
        if moment > now:
            break
        values = _infusion_vitals(plan, minute)
        values["moaa_s"] = 4 if minute < 30 else 5
        vitals_record(acting_user=nurse, session=session, measured_at=moment, **values)
    session.refresh_from_db()
    return session


# --- the past month -----------------------------------------------------------------------------


def _session_day(today: datetime.date, days_ago: int) -> datetime.date:
    day = today - datetime.timedelta(days=days_ago)
    return day - datetime.timedelta(days=1) if day.weekday() == 6 else day  # closed on Sundays


def _appointment(
    clinic: Clinic,
    *,
    patient: Patient,
    course: TreatmentCourse,
    kind: VisitKind,
    starts_at: datetime.datetime,
    chair: Chair,
    desk: User,
    note: str = "",
) -> Appointment:
    from ketaclinic.clinics.selectors import clinic_rules_get

    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        course=course,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + clinic_rules_get(clinic=clinic).visits.duration(kind),
        chair=chair,
        booked_by=desk,
        note=note,
    )


def _profile(mrn: str) -> tuple[tuple[int, int, int], Decimal, Decimal]:
    for spec in BOARD_PATIENTS:
        if spec.mrn == mrn:
            return spec.baseline, spec.weight_kg, spec.height_cm
    return STORY_PATIENTS.get(mrn, ((124, 78, 72), Decimal("74.5"), Decimal("168")))


def build_past_sessions(clinic: Clinic, *, today: datetime.date) -> int:
    """The past month's completed sessions, charted from check-in to the co-signed note; the
    drawn ketamine comes from each dose preparation. Returns how many were charted now."""
    staff = demo_staff()
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name"))
    now = timezone.now()
    per_day: dict[datetime.date, int] = {}
    built = 0
    with timezone.override(clinic.zone):
        for index, (mrn, days_ago, kind, variant, phq9) in enumerate(PAST_SESSIONS):
            day = _session_day(today, days_ago)
            slot = per_day.get(day, 0)
            per_day[day] = slot + 1
            patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
            course = (
                TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
                if patient
                else None
            )
            if patient is None or course is None:
                continue
            starts_at = _local(clinic, day, 9 + slot // 2, 30 * (slot % 2))
            if starts_at > now - datetime.timedelta(hours=4):
                continue  # a demo "today" in the future: no history yet
            if Appointment.objects.filter(patient=patient, starts_at=starts_at).exists():
                continue
            first_day = _session_day(today, max(d for m, d, *_ in PAST_SESSIONS if m == mrn))
            if course.signed_at > _local(clinic, first_day, 8):
                backdate_course(
                    course,
                    signed_at=_local(clinic, first_day - datetime.timedelta(days=1), 16),
                    physician=staff.physician,
                )
            appointment = _appointment(
                clinic,
                patient=patient,
                course=course,
                kind=kind,
                starts_at=starts_at,
                chair=chairs[slot % len(chairs)],
                desk=staff.desk,
            )
            baseline, weight, height = _profile(mrn)
            nurse, checker = (
                (staff.nurse, staff.second_nurse)
                if index % 2 == 0
                else (staff.second_nurse, staff.nurse)
            )
            chart_session(
                appointment,
                Plan(
                    check_in=starts_at - _minutes(5),
                    stage="discharged",
                    variant=variant,
                    phq9=phq9,
                    baseline=baseline,
                    weight_kg=weight,
                    height_cm=height,
                ),
                staff=staff,
                nurse=nurse,
                checker=checker,
            )
            built += 1
    return built


# --- today's board ----------------------------------------------------------------------------

# (MRN, board state, minutes before now of the check-in, chair number, variant)
TODAY = [
    ("CC-00010", "discharged", 190, 1, ""),
    ("CC-00011", "ready", 45 + INFUSION_MIN + START_AFTER_CHECK_IN, 3, ""),
    ("CC-00013", "recovery", 10 + INFUSION_MIN + START_AFTER_CHECK_IN, 4, ""),
    ("CC-00014", "esketamine", 50 + START_AFTER_CHECK_IN, 6, ""),
    ("CC-00012", "infusing", 20 + START_AFTER_CHECK_IN, 5, "spo2_warning"),
    ("CC-00015", "checklist", 15, 2, ""),
    ("CC-00016", "arrived", 5, 1, ""),
]
NO_SHOW = ("CC-00018", 150, 2)
EXPECTED = ("CC-00017", 60)
EARLIEST_LOCAL_HOUR = 4  # the first of today's entries is ~3h10 before now


def build_today(clinic: Clinic, *, now: datetime.datetime | None = None) -> int:
    """Today's board with a patient in every state, all before now; returns the sessions
    charted. Built once (skipped when the board's patients already have sessions)."""
    now = now or timezone.now()
    local_now = timezone.localtime(now, clinic.zone)
    mrns = [mrn for mrn, *_ in TODAY] + [NO_SHOW[0], EXPECTED[0]]
    patients = {
        patient.medical_record_number: patient
        for patient in Patient.objects.filter(clinic=clinic, medical_record_number__in=mrns)
    }
    if len(patients) < len(mrns) or local_now.hour < EARLIEST_LOCAL_HOUR:
        return 0
    # Built once: the board's own patients (those without history) have treatments only here.
    only_today = [patients[mrn] for mrn in mrns if all(m != mrn for m, *_ in PAST_SESSIONS)]
    if Appointment.objects.filter(patient__in=only_today, course__isnull=False).exists():
        return 0
    staff = demo_staff()
    chairs = {chair.name: chair for chair in Chair.objects.filter(clinic=clinic, is_active=True)}
    courses = {
        mrn: TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
        for mrn, patient in patients.items()
    }
    charted = 0
    with timezone.override(clinic.zone):
        for index, (mrn, state, minutes_ago, chair_number, variant) in enumerate(TODAY):
            course = courses[mrn]
            assert course is not None
            check_in = now - _minutes(minutes_ago)
            esketamine = state == "esketamine"
            appointment = _appointment(
                clinic,
                patient=patients[mrn],
                course=course,
                kind=VisitKind.ESKETAMINE if esketamine else VisitKind.IV_INFUSION,
                starts_at=check_in.replace(second=0, microsecond=0) + _minutes(5),
                chair=chairs[f"Chair {chair_number}"],
                desk=staff.desk,
            )
            spec = next(s for s in BOARD_PATIENTS if s.mrn == mrn)
            nurse, checker = (
                (staff.nurse, staff.second_nurse)
                if index % 2 == 0
                else (staff.second_nurse, staff.nurse)
            )
            chart_session(
                appointment,
                Plan(
                    check_in=check_in,
                    stage="recovery" if esketamine else state,
                    variant=variant,
                    phq9=spec.phq9,
                    baseline=spec.baseline,
                    weight_kg=spec.weight_kg,
                    height_cm=spec.height_cm,
                ),
                staff=staff,
                nurse=nurse,
                checker=checker,
            )
            charted += 1
        _no_show(clinic, patients[NO_SHOW[0]], courses[NO_SHOW[0]], now, chairs, staff)
        _expected(clinic, patients[EXPECTED[0]], courses[EXPECTED[0]], now, chairs, staff)
    return charted


def _no_show(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    now: datetime.datetime,
    chairs: dict[str, Chair],
    staff: Staff,
) -> None:
    from ketaclinic.scheduling.services import appointment_mark_no_show

    assert course is not None
    _, minutes_ago, chair_number = NO_SHOW
    appointment = _appointment(
        clinic,
        patient=patient,
        course=course,
        kind=VisitKind.IV_INFUSION,
        starts_at=(now - _minutes(minutes_ago)).replace(second=0, microsecond=0),
        chair=chairs[f"Chair {chair_number}"],
        desk=staff.desk,
    )
    appointment_mark_no_show(
        acting_user=staff.desk,
        appointment=appointment,
        reason="Did not arrive; two calls unanswered, voicemail left to rebook.",
    )


def _expected(
    clinic: Clinic,
    patient: Patient,
    course: TreatmentCourse | None,
    now: datetime.datetime,
    chairs: dict[str, Chair],
    staff: Staff,
) -> Appointment:
    """Booked through the scheduling service later today; written directly when the clinic is
    closed then or every chair is taken (the board still shows an expected patient)."""
    from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed
    from ketaclinic.scheduling.services import appointment_book

    assert course is not None
    local = timezone.localtime(now + _minutes(EXPECTED[1]), clinic.zone)
    starts_at = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    end_of_day = timezone.localtime(now, clinic.zone).replace(
        hour=23, minute=30, second=0, microsecond=0
    )
    starts_at = min(starts_at, max(end_of_day, timezone.localtime(now, clinic.zone)))
    for name in sorted(chairs):
        try:
            return appointment_book(
                acting_user=staff.desk,
                patient=patient,
                kind=VisitKind.IV_INFUSION,
                starts_at=starts_at,
                chair=chairs[name],
                course=course,
            )
        except (Conflict, InvalidInput, PreconditionFailed):
            continue
    return _appointment(
        clinic,
        patient=patient,
        course=course,
        kind=VisitKind.IV_INFUSION,
        starts_at=starts_at,
        chair=chairs[sorted(chairs)[2]],
        desk=staff.desk,
    )
