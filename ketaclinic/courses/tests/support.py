"""A patient approved and consented for IV ketamine through the real services, and a course."""

from __future__ import annotations

import datetime
from decimal import Decimal

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.accounts.roles import Role
from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.consent import texts
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import consent_document_publish, consent_sign
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.services import course_create
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import StaffShift
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.personas import Personas


def consent(personas: Personas, patient: Patient, treatment: Treatment) -> None:
    from ketaclinic.consent.services import consent_document_latest

    document = consent_document_latest(clinic=patient.clinic, treatment=treatment)
    if document is None:
        document = consent_document_publish(
            acting_user=personas.alice,
            clinic=patient.clinic,
            treatment=treatment,
            title=f"Consent to {treatment.label}",
            body=texts.IV_KETAMINE if treatment == Treatment.IV_KETAMINE else texts.ESKETAMINE,
            valid_for_days=180,
        )
    consent_sign(
        witness=personas.nina,
        patient=patient,
        document=document,
        typed_name=f"{patient.legal_first_name} {patient.legal_last_name}",
        drawn_signature_data_url=drawn_signature(),
    )


def course_for(personas: Personas, patient: Patient | None = None) -> TreatmentCourse:
    patient = patient or personas.pat
    approve(personas, patient)
    consent(personas, patient, Treatment.IV_KETAMINE)
    return course_create(
        acting_user=personas.bob,
        patient=patient,
        target_infusions=6,
        starting_dose=Decimal("0.5"),
        titration_plan="0.5 → 0.75 mg/kg at infusion 3 if under 20% better and tolerated.",
        booster_plan="Single boosters when PHQ-9 rises 5 points; review every 3 months.",
    )


def open_weekdays(
    clinic: Clinic,
    opens: int = 7,
    closes: int = 19,
    *,
    staff_from: datetime.date | None = None,
    staff_days: int = 60,
) -> None:
    """Open every day, and put the clinic's first nurse on shift for those hours for
    `staff_days` days (treatments need a nurse on shift)."""
    OpeningHours.objects.filter(clinic=clinic).delete()
    for weekday in range(7):
        OpeningHours.objects.create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(opens),
            closes_at=datetime.time(closes),
        )
    staff_nurse(
        clinic,
        first_day=staff_from or clinic.local_today(),
        days=staff_days,
        opens=opens,
        closes=closes,
    )


def staff_nurse(
    clinic: Clinic, *, first_day: datetime.date, days: int, opens: int = 7, closes: int = 19
) -> None:
    membership = (
        StaffMembership.objects.filter(clinic=clinic, role=Role.NURSE, is_active=True)
        .order_by("pk")
        .first()
    )
    assert membership is not None, "the clinic needs a nurse"
    StaffShift.objects.bulk_create(
        StaffShift(
            clinic=clinic,
            user_id=membership.user_id,
            starts_at=datetime.datetime.combine(
                first_day + datetime.timedelta(days=n), datetime.time(opens)
            ).replace(tzinfo=clinic.zone),
            ends_at=datetime.datetime.combine(
                first_day + datetime.timedelta(days=n), datetime.time(closes)
            ).replace(tzinfo=clinic.zone),
            created_by_id=membership.user_id,
        )
        for n in range(days)
    )
