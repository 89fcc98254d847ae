"""Registering patients: duplicate detection first, then one audited write."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Length

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput
from ketaclinic.inquiries.models import Inquiry, InquiryNote
from ketaclinic.medicine.age import age_years
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth, digits_only


@dataclass(frozen=True)
class PatientDetails:
    legal_first_name: str
    legal_last_name: str
    date_of_birth: datetime.date
    sex_at_birth: SexAtBirth
    preferred_name: str = ""
    gender_identity: str = ""
    email: str = ""
    phone: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    preferred_language: str = "English"
    emergency_contact_name: str = ""
    emergency_contact_phone: str = ""
    emergency_contact_relationship: str = ""
    escort_name: str = ""
    escort_phone: str = ""
    referring_clinician: str = ""
    primary_care_clinician: str = ""
    payment_note: str = ""


class PossibleDuplicate(Conflict):
    """Someone like this is already registered; the front desk must look before creating."""

    def __init__(self, message: str, *, candidates: list[Patient]) -> None:
        super().__init__(message)
        self.candidates = candidates


def patient_duplicates_find(
    *, clinic: Clinic, details: PatientDetails, exclude_id: int | None = None
) -> list[Patient]:
    """Same name and date of birth, or the same phone number or email, at this clinic."""
    matches = Q(
        legal_first_name__iexact=details.legal_first_name.strip(),
        legal_last_name__iexact=details.legal_last_name.strip(),
        date_of_birth=details.date_of_birth,
    )
    if digits_only(details.phone):
        matches |= Q(phone_digits=digits_only(details.phone))
    if details.email.strip():
        matches |= Q(email__iexact=details.email.strip())
    candidates = Patient.objects.filter(matches, clinic=clinic)
    if exclude_id is not None:
        candidates = candidates.exclude(pk=exclude_id)
    return list(candidates.order_by("legal_last_name", "legal_first_name")[:10])


def date_of_birth_problem(date_of_birth: datetime.date, *, clinic: Clinic) -> str | None:
    """Why a date of birth cannot be registered at the clinic (in the future, more than 120
    years ago, under the clinic's minimum age), or None. The registration form asks it too, so
    that the date is named with the form's other errors in one submit."""
    today = clinic.local_today()
    # The clinic's eligibility rule (CLINICAL.md §1.2), the same the eligibility advice uses.
    minimum_age = clinic_rules_get(clinic=clinic).eligibility.minimum_age
    if date_of_birth > today:
        return "The date of birth is in the future."
    if date_of_birth < today.replace(year=today.year - 120):
        return "The date of birth is more than 120 years ago."
    if age_years(born=date_of_birth, on=today) < minimum_age:
        return f"The clinic treats patients aged {minimum_age} and over."
    return None


def _validate(details: PatientDetails, *, clinic: Clinic) -> None:
    fields: dict[str, list[str]] = {}
    if not details.legal_first_name.strip():
        fields["legal_first_name"] = ["Enter the legal first name."]
    if not details.legal_last_name.strip():
        fields["legal_last_name"] = ["Enter the legal last name."]
    born = date_of_birth_problem(details.date_of_birth, clinic=clinic)
    if born is not None:
        fields["date_of_birth"] = [born]
    if not details.phone.strip() and not details.email.strip():
        fields["phone"] = ["Give a phone number or an email address."]
    if fields:
        raise InvalidInput("Some details are missing or not valid.", fields=fields)


def _next_mrn(clinic: Clinic) -> str:
    prefix = re.sub(r"[^A-Z]", "", clinic.slug.upper())[:3] or "PT"
    numbers = Patient.objects.filter(clinic=clinic, medical_record_number__startswith=f"{prefix}-")
    # The highest number, not the highest text: past 99,999 the numbers grow a digit, and
    # "CAT-99999" sorts after "CAT-100000" as text (every registration would then collide).
    last = (
        numbers.annotate(digits=Length("medical_record_number"))
        .order_by("-digits", "-medical_record_number")
        .values_list("medical_record_number", flat=True)
        .first()
    )
    number = int(last.split("-")[-1]) + 1 if last and last.split("-")[-1].isdigit() else 1
    return f"{prefix}-{number:05d}"


_ALREADY_REGISTERED = "This inquiry has already been registered as a patient; open that record."


def patient_register(
    *,
    acting_user: User,
    clinic: Clinic,
    details: PatientDetails,
    confirmed_not_duplicate: bool = False,
    from_inquiry: Inquiry | None = None,
) -> Patient:
    """Register a patient. Refuses with PossibleDuplicate unless the front desk has looked at
    the candidates and confirmed this is a different person."""
    require_permission(user=acting_user, action=Action.PATIENT_REGISTER, clinic=clinic)
    _validate(details, clinic=clinic)
    if from_inquiry is not None and from_inquiry.clinic_id != clinic.pk:
        raise InvalidInput("That inquiry belongs to another clinic.")
    if from_inquiry is not None and from_inquiry.patient_id is not None:
        raise Conflict(_ALREADY_REGISTERED)
    candidates = patient_duplicates_find(clinic=clinic, details=details)
    if candidates and not confirmed_not_duplicate:
        raise PossibleDuplicate(
            f"{len(candidates)} registered patient(s) share this name and date of birth, phone or "
            "email. Open them to check, or confirm this is a different person.",
            candidates=candidates,
        )
    for _ in range(5):  # two desks registering at once may race for the next MRN
        try:
            with transaction.atomic():
                patient = Patient.objects.create(
                    clinic=clinic,
                    medical_record_number=_next_mrn(clinic),
                    registered_by=acting_user,
                    journey_stage=JourneyStage.REGISTERED,
                    **{
                        name: (value.strip() if isinstance(value, str) else value)
                        for name, value in details.__dict__.items()
                    },
                )
                audit_record(
                    actor=acting_user,
                    action=AuditAction.PATIENT_CREATED,
                    clinic=clinic,
                    patient_id=patient.pk,
                    subject=patient,
                    detail={
                        "duplicate_override": bool(candidates),
                        "inquiry_id": from_inquiry.pk if from_inquiry else None,
                    },
                )
                if from_inquiry is not None:
                    # Conditional, so two desks registering one inquiry at once make one patient.
                    linked = Inquiry.objects.filter(
                        pk=from_inquiry.pk, patient__isnull=True
                    ).update(patient=patient)
                    if not linked:
                        raise Conflict(_ALREADY_REGISTERED)
                    InquiryNote.objects.create(
                        inquiry=from_inquiry,
                        clinic=clinic,
                        author=acting_user,
                        text=f"Registered as patient {patient.medical_record_number}.",
                        status_before=from_inquiry.status,
                        status_after=from_inquiry.status,
                    )
                return patient
        except IntegrityError:
            continue
    raise Conflict("Could not assign a record number; please try again.")  # pragma: no cover
