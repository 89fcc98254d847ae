"""The demo clinic's outcome stories: five patients whose whole course lies in the past, with
realistic PHQ-9 trajectories (CLINICAL.md §8, §9.3), therapy notes and medication changes.

- CAT-00041 Lena Fischer, remitter: PHQ-9 21 → 3 (remission, response after infusion 3);
- CAT-00042 Marcus Reid, responder: 19 → 9 (response after infusion 6);
- CAT-00043 Sofia Lindqvist, partial responder: 20 → 14;
- CAT-00044 Tomas Novak, non-responder: 20 → 19, flagged at infusion 3 (stop rule) and stopped;
- CAT-00045 Hana Sato, remitted, in maintenance with a booster, then PHQ-9 rising 4 → 10: the
  relapse signal suggests another booster;
- CAT-00046 Nadia Haddad, screened seven weeks before infusion 1 (a wait list) and not scored the
  morning of infusion 1: no score within the baseline window (CLINICAL.md §9.3), so her course
  is not measured, on her outcome page as on the dashboard.

Each is registered, approved, consented and put on a signed course through the services (as
`demo/sessions_patients.py` does). Their infusions are history older than the inventory the demo
holds, so they are written as a clinic importing its records would: the appointment and a discharged
session with its delivered dose, nothing charted inside it. Scores go through
`outcomes.services.questionnaire_record`, and each is then set back to the morning it was given.

Idempotent: a patient who already has sessions is left as they are.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.care.models import MedicationChangeKind, TherapyNote, TherapyNoteKind
from ketaclinic.care.services import medication_change_record, therapy_note_record
from ketaclinic.charting.models import SessionNote, SessionRoute, SessionStatus, TreatmentSession
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.services import course_transition
from ketaclinic.demo.scale import WING_ROOM
from ketaclinic.demo.sessions import (
    DemoPatient,
    Staff,
    _local,
    _session_day,
    demo_staff,
    phq9_answers,
)
from ketaclinic.demo.sessions_patients import _approve_and_start_course, backdate_course
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

INDUCTION_DAYS = (0, 2, 4, 7, 9, 11)  # Monday–Wednesday–Friday for two weeks


@dataclass(frozen=True)
class Story:
    patient: DemoPatient
    start_days_ago: int  # infusion 1
    # PHQ-9 the morning of each induction infusion (the first: baseline); None: not scored.
    induction: tuple[int | None, ...]
    follow_up: tuple[tuple[int, int], ...]  # (days after the last induction infusion, PHQ-9)
    boosters: tuple[int, ...] = ()  # days after the last induction infusion
    end_status: CourseStatus | None = None
    end_reason: str = ""
    screened_days_before: int | None = None  # the intake screen, days before infusion 1


def _spec(mrn: str, first: str, last: str, sex: SexAtBirth, age: int, weight: str) -> DemoPatient:
    return DemoPatient(
        mrn, first, last, sex, age, Decimal(weight), Decimal("170"),
        ("Sam " + last, f"(720) 555-3{mrn[-3:]}"), (122, 78, 70), 0,
    )  # fmt: skip


STORIES = (
    Story(
        _spec("CAT-00041", "Lena", "Fischer", SexAtBirth.FEMALE, 41, "64.0"),
        start_days_ago=58,
        induction=(21, 16, 12, 9, 7, 5),
        follow_up=((3, 4), (14, 3)),
        end_status=CourseStatus.COMPLETED,
        end_reason="Remission after six infusions; boosters as needed.",
    ),
    Story(
        _spec("CAT-00042", "Marcus", "Reid", SexAtBirth.MALE, 36, "82.0"),
        start_days_ago=44,
        induction=(19, 17, 15, 13, 12, 10),
        follow_up=((3, 9),),
    ),
    Story(
        _spec("CAT-00043", "Sofia", "Lindqvist", SexAtBirth.FEMALE, 52, "70.5"),
        start_days_ago=40,
        induction=(20, 18, 17, 16, 15, 14),
        follow_up=((4, 14),),
    ),
    Story(
        _spec("CAT-00044", "Tomas", "Novak", SexAtBirth.MALE, 47, "88.0"),
        start_days_ago=30,
        induction=(20, 19, 19, 18),
        follow_up=((3, 19),),
        end_status=CourseStatus.STOPPED,
        end_reason=(
            "Under 20% improvement by infusion 3 (stop rule: Translational Psychiatry 2024, "
            "s41398-024-03027-2)."
        ),
    ),
    Story(
        _spec("CAT-00045", "Hana", "Sato", SexAtBirth.FEMALE, 33, "58.0"),
        start_days_ago=84,
        induction=(22, 16, 11, 8, 6, 4),
        follow_up=((7, 4), (28, 5), (42, 6), (63, 10)),
        boosters=(35,),
        end_status=CourseStatus.MAINTENANCE,
        end_reason="Remission; single boosters when PHQ-9 rises 5 points.",
    ),
    Story(
        _spec("CAT-00046", "Nadia", "Haddad", SexAtBirth.FEMALE, 38, "61.0"),
        start_days_ago=26,
        induction=(None, 15, 13, 12, 10, 9),
        follow_up=((4, 9),),
        screened_days_before=49,
    ),
)


def build_outcome_trajectories(clinic: Clinic, *, today: datetime.date) -> int:
    """The outcome stories; returns how many patients were new."""
    staff = demo_staff()
    # Not the benchmark wing's chairs (demo/scale.py): its generated treatments fill them.
    chairs = list(
        Chair.objects.filter(clinic=clinic, is_active=True)
        .exclude(room__name=WING_ROOM)
        .order_by("name")
    )
    created = 0
    for index, story in enumerate(STORIES):
        spec = story.patient
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=spec.mrn).first()
        if patient is None:
            patient = Patient.objects.create(
                clinic=clinic,
                medical_record_number=spec.mrn,
                legal_first_name=spec.first,
                legal_last_name=spec.last,
                date_of_birth=today.replace(year=today.year - spec.age, day=1),
                sex_at_birth=spec.sex,
                email=f"{spec.first.lower()}.{spec.last.lower()}@mail.example",
                phone=f"(720) 555-{2000 + int(spec.mrn[-2:]):04d}",
                journey_stage=JourneyStage.IN_INDUCTION,
                address_line1=f"{300 + 11 * int(spec.mrn[-2:])} Pearl Street",
                city="Denver",
                state="CO",
                postal_code="80203",
                escort_name=spec.escort[0],
                escort_phone=spec.escort[1],
            )
            created += 1
        if TreatmentSession.objects.filter(patient=patient).exists():
            continue
        _approve_and_start_course(clinic, patient, spec, staff=staff, today=today)
        course = TreatmentCourse.objects.filter(patient=patient).order_by("-signed_at").first()
        assert course is not None
        _history(clinic, story, course, staff=staff, today=today, chair=chairs[index % len(chairs)])
    _care_notes(clinic, staff=staff, today=today)
    return created


def _history(
    clinic: Clinic,
    story: Story,
    course: TreatmentCourse,
    *,
    staff: Staff,
    today: datetime.date,
    chair: Chair,
) -> None:
    # The Monday of that week: induction runs Monday–Wednesday–Friday (never on the closed Sunday).
    first_day = _session_day(today, story.start_days_ago)
    first_day -= datetime.timedelta(days=first_day.weekday())
    backdate_course(
        course,
        signed_at=_local(clinic, first_day - datetime.timedelta(days=3), 16),
        physician=staff.physician,
    )
    if story.screened_days_before is not None:
        QuestionnaireResponse.objects.filter(
            patient_id=course.patient_id, context=ResponseContext.SCREENING
        ).update(
            completed_at=_local(
                clinic, first_day - datetime.timedelta(days=story.screened_days_before), 10
            )
        )
    dose_mg = (Decimal("0.5") * story.patient.weight_kg).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    days = [first_day + datetime.timedelta(days=d) for d in INDUCTION_DAYS[: len(story.induction)]]
    for day, phq9 in zip(days, story.induction, strict=True):
        _infusion(clinic, course, day, chair=chair, staff=staff, dose_mg=dose_mg, phq9=phq9)
    last = days[-1]
    if story.end_status == CourseStatus.MAINTENANCE:  # boosters belong to maintenance
        course_transition(
            acting_user=staff.physician,
            course=course,
            to_status=CourseStatus.MAINTENANCE,
            reason=story.end_reason,
        )
        course.refresh_from_db()
    for after in story.boosters:
        day = _session_day(today, (today - last).days - after)
        before = [s for d, s in story.follow_up if d <= after]
        _infusion(
            clinic, course, day, chair=chair, staff=staff, dose_mg=dose_mg, phq9=before[-1] + 1
        )
    for after, phq9 in story.follow_up:
        _phq9(
            staff, course.patient, phq9, _local(clinic, last + datetime.timedelta(days=after), 19)
        )
    if story.end_status is not None and story.end_status != CourseStatus.MAINTENANCE:
        course_transition(
            acting_user=staff.physician,
            course=course,
            to_status=story.end_status,
            reason=story.end_reason,
        )
    stage = {
        CourseStatus.MAINTENANCE: JourneyStage.MAINTENANCE,
        CourseStatus.COMPLETED: JourneyStage.COMPLETED,
        CourseStatus.STOPPED: JourneyStage.DISCHARGED,
    }.get(story.end_status or CourseStatus.INDUCTION, JourneyStage.IN_INDUCTION)
    Patient.objects.filter(pk=course.patient_id).update(journey_stage=stage)


def _phq9(staff: Staff, patient: Patient, total: int, at: datetime.datetime) -> None:
    response = questionnaire_record(
        acting_user=staff.nurse,
        patient=patient,
        instrument_code="phq9",
        answers=phq9_answers(total),
        context=ResponseContext.FOLLOW_UP,
    )
    # Demo history entered after the fact: the PHQ-9 was answered on this day.
    QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at)


def _infusion(
    clinic: Clinic,
    course: TreatmentCourse,
    day: datetime.date,
    *,
    chair: Chair,
    staff: Staff,
    dose_mg: Decimal,
    phq9: int | None,
) -> None:
    check_in = _local(clinic, day, 8, 15)
    start = check_in + datetime.timedelta(minutes=20)
    if phq9 is not None:
        response = questionnaire_record(
            acting_user=staff.nurse,
            patient=course.patient,
            instrument_code="phq9",
            answers=phq9_answers(phq9),
            context=ResponseContext.PRE_SESSION,
        )
        # Demo history entered after the fact: filled in on the tablet at arrival.
        QuestionnaireResponse.objects.filter(pk=response.pk).update(
            completed_at=check_in + datetime.timedelta(minutes=2)
        )
    kind = VisitKind.IV_INFUSION if course.status != CourseStatus.MAINTENANCE else VisitKind.BOOSTER
    appointment = Appointment.objects.create(
        clinic=clinic,
        patient=course.patient,
        course=course,
        kind=kind,
        starts_at=check_in,
        ends_at=check_in + clinic_rules_get(clinic=clinic).visits.duration(kind),
        chair=chair,
        booked_by=staff.desk,
        status=AppointmentStatus.COMPLETED,
    )
    session = TreatmentSession.objects.create(
        clinic=clinic,
        appointment=appointment,
        patient=course.patient,
        course=course,
        route=SessionRoute.INTRAVENOUS,
        protocol_key=course.protocol_key,
        status=SessionStatus.DISCHARGED,
        checked_in_at=check_in,
        checked_in_by=staff.desk,
        weight_kg=None,
        started_at=start,
        stopped_at=start + datetime.timedelta(minutes=40),
        delivered_mg=dose_mg,
        observation_minimum_min=45,
        discharged_at=start + datetime.timedelta(minutes=100),
        discharged_by=staff.nurse,
        discharge_escort_name=course.patient.escort_name,
    )
    # Imported from the clinic's previous record (no chart inside it): its note says so, signed
    # then by the nurse and co-signed by the physician, so it is not left on anyone's to-sign list.
    discharged = start + datetime.timedelta(minutes=100)
    SessionNote.objects.create(
        clinic=clinic,
        session=session,
        body=(
            f"Imported from the clinic's previous record: IV ketamine infusion, {plain_decimal(dose_mg)} mg over "
            f"40 minutes, started {timezone.localtime(start, clinic.zone):%d %b %Y %H:%M}; "
            "discharged to the escort."
        ),
        nurse_signed_by=staff.nurse,
        nurse_signed_at=discharged,
        physician_signed_by=staff.physician,
        physician_signed_at=discharged + datetime.timedelta(hours=2),
    )


def _care_notes(clinic: Clinic, *, staff: Staff, today: datetime.date) -> None:
    """Integration and follow-up notes and medication changes beside two of the stories."""
    therapist = User.objects.get(email="therapist.brooks@catalyst.example")
    lena = Patient.objects.get(clinic=clinic, medical_record_number="CAT-00041")
    hana = Patient.objects.get(clinic=clinic, medical_record_number="CAT-00045")
    if TherapyNote.objects.filter(patient__in=[lena, hana]).exists():
        return
    start = _session_day(today, 58)
    therapy_note_record(
        acting_user=therapist,
        patient=lena,
        kind=TherapyNoteKind.INTEGRATION,
        session_date=start + datetime.timedelta(days=5),
        minutes=50,
        text=(
            "Integration after infusion 3. Describes 'a loosening' of the constant self-criticism; "
            "we named two activities she stopped doing when depressed and planned one this week."
        ),
    )
    therapy_note_record(
        acting_user=therapist,
        patient=lena,
        kind=TherapyNoteKind.THERAPY,
        session_date=start + datetime.timedelta(days=19),
        minutes=50,
        text="Behavioural activation review: both activities resumed. Sleep regular. PHQ-9 4.",
    )
    medication_change_record(
        acting_user=staff.nurse,
        patient=lena,
        medication_name="Lorazepam",
        change=MedicationChangeKind.HELD_FOR_INFUSION,
        dose_text="0.5 mg at night",
        changed_on=start - datetime.timedelta(days=1),
        reason="Benzodiazepines can blunt ketamine's effect; held the night before infusions.",
    )
    therapy_note_record(
        acting_user=staff.physician,
        patient=hana,
        kind=TherapyNoteKind.PSYCHIATRY_FOLLOW_UP,
        session_date=today - datetime.timedelta(days=1),
        minutes=30,
        text=(
            "PHQ-9 up from 4 to 10 over six weeks since the booster; work stress. No suicidal "
            "ideation. Offer a booster this week; continue sertraline."
        ),
    )
    medication_change_record(
        acting_user=staff.physician,
        patient=hana,
        medication_name="Sertraline",
        change=MedicationChangeKind.DOSE_CHANGED,
        dose_text="100 mg daily",
        changed_on=today - datetime.timedelta(days=20),
        reason="Residual anxiety between boosters.",
    )
