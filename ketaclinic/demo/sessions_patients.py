"""The demo's patients in treatment: approved, consented and on a signed course with a dose
order, dated from before the first session the demo charts for them.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import consent_current, consent_document_latest, consent_sign
from ketaclinic.courses.models import CourseStatus, DoseOrder, TreatmentCourse
from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
from ketaclinic.demo.journey import _demo_baseline_scores, _signature_png_data_url
from ketaclinic.demo.people import _birth_date
from ketaclinic.demo.sessions import (
    BOARD_PATIENTS,
    ESKETAMINE_PROTOCOL,
    IV_PROTOCOL,
    ORDER_VALID_DAYS,
    PAST_SESSIONS,
    DemoPatient,
    Staff,
    _local,
    _session_day,
    demo_staff,
)
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome, Intake
from ketaclinic.intake.services import (
    IntakeEntry,
    MedicationEntry,
    TrialEntry,
    eligibility_decide,
    intake_save,
)
from ketaclinic.medicine.eligibility import TrialOutcome
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth


def build_treatment_patients(clinic: Clinic, *, today: datetime.date) -> int:
    """Nine more patients in induction, each approved, consented and on a signed course with a
    dose order (Ruth on esketamine, enrolled in the REMS); returns how many patients were new."""
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
