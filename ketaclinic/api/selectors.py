"""Reads the API makes, each scoped to the acting clinic and checked against the matrix.

Patients are read through patients/access.py and patients/selectors.py like every other
interface; the reads below are the ones with no shared selector to call.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.api.models import ApiToken
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.clinics.selectors import membership_list_for_user
from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.intake.models import EligibilityDecision
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.selectors import day_bounds

OPEN_INQUIRY_STATUSES = frozenset(
    {InquiryStatus.NEW, InquiryStatus.CONTACTED, InquiryStatus.CONSULT_BOOKED}
)
INQUIRY_NOT_FOUND = "No such inquiry at this clinic."
API_TOKEN_NOT_FOUND = "No such API token at this clinic."  # noqa: S105  (a message)
ELIGIBILITY_DECISION_NOT_FOUND = "No such eligibility decision at this clinic."
CONSENT_NOT_FOUND = "No such signed consent at this clinic."
COURSE_NOT_FOUND = "No such treatment course at this clinic."
APPOINTMENT_NOT_FOUND = "No such appointment at this clinic."
CHAIR_NOT_FOUND = "No such chair at this clinic."
CLINICIAN_NOT_FOUND = "No such clinician at this clinic."
# Who may be booked as the one who sees the patient (as on the staff booking form).
CLINICIAN_ROLES = (Role.PHYSICIAN, Role.MEDICAL_DIRECTOR, Role.NURSE, Role.THERAPIST)


def membership_list_for_caller(*, user: User, token: ApiToken | None) -> QuerySet[StaffMembership]:
    """The caller's active memberships; a token sees only the one at its own clinic."""
    memberships = membership_list_for_user(user=user)
    if token is not None:
        memberships = memberships.filter(clinic_id=token.clinic_id)
    return memberships


def clinic_list_for_caller(*, user: User, token: ApiToken | None) -> QuerySet[Clinic]:
    """The caller's clinics with hours, rooms and chairs, in four queries however many rows."""
    clinics = Clinic.objects.filter(
        is_active=True, memberships__user=user, memberships__is_active=True
    )
    if token is not None:
        clinics = clinics.filter(pk=token.clinic_id)
    return clinics.order_by("name", "id").prefetch_related(
        "opening_hours",
        Prefetch(
            "rooms",
            queryset=Room.objects.order_by("name", "id").prefetch_related(
                Prefetch("chairs", queryset=Chair.objects.order_by("name", "id"))
            ),
        ),
    )


def api_token_list_for_clinic(*, acting_user: User, clinic: Clinic) -> QuerySet[ApiToken]:
    """Every token of the clinic, newest first, for the admin's token page."""
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    return (
        ApiToken.objects.filter(clinic=clinic)
        .select_related("user", "created_by", "revoked_by")
        .order_by("-created_at", "-id")
    )


def api_token_get_for_clinic(*, acting_user: User, clinic: Clinic, token_id: int) -> ApiToken:
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    token = ApiToken.objects.filter(clinic=clinic, pk=token_id).select_related("clinic").first()
    if token is None:
        raise NotFound(API_TOKEN_NOT_FOUND)
    return token


def api_inquiry_list(
    *,
    user: User | AnonymousUser,
    clinic: Clinic,
    statuses: Collection[InquiryStatus] | None,
    search: str = "",
) -> QuerySet[Inquiry]:
    """The clinic's inquiry queue, newest first; `statuses=None` means every status."""
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    inquiries = Inquiry.objects.filter(clinic=clinic)
    if statuses is not None:
        inquiries = inquiries.filter(status__in=[status.value for status in statuses])
    search = search.strip()
    if search:
        inquiries = inquiries.filter(
            Q(full_name__icontains=search) | Q(email__iexact=search) | Q(phone__icontains=search)
        )
    return inquiries.order_by("-created_at", "-id")


def api_inquiry_get(
    *, user: User | AnonymousUser, clinic: Clinic, inquiry_id: int, record_view: bool = True
) -> Inquiry:
    """One inquiry with its notes. Missing and another clinic's get the same NotFound.

    A read is audited (an inquiry holds a person's contact details and reason for calling);
    `record_view=False` is for reading back a change that is audited as the change itself.
    """
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    inquiry = (
        Inquiry.objects.filter(clinic=clinic, pk=inquiry_id)
        .select_related("clinic")
        .prefetch_related("notes__author")
        .first()
    )
    if inquiry is None:
        raise NotFound(INQUIRY_NOT_FOUND)
    if record_view:
        audit_record(actor=user, action=AuditAction.INQUIRY_VIEWED, clinic=clinic, subject=inquiry)
    return inquiry


def api_eligibility_decision_get(
    *, user: User | AnonymousUser, clinic: Clinic, decision_id: int, action: Action
) -> EligibilityDecision:
    """One signed decision of the acting clinic; missing and another clinic's are alike."""
    require_permission(user=user, action=action, clinic=clinic)
    decision = (
        EligibilityDecision.objects.filter(clinic=clinic, pk=decision_id)
        .select_related("clinic", "signed_by")
        .first()
    )
    if decision is None:
        raise NotFound(ELIGIBILITY_DECISION_NOT_FOUND)
    return decision


def api_consent_document_get(
    *, clinic: Clinic, treatment: Treatment, version: int
) -> ConsentDocument:
    """The consent version a signature names; a version the clinic never published is a field
    error (a stale one is found here and refused by the signing service)."""
    document = ConsentDocument.objects.filter(
        clinic=clinic, treatment=treatment, version=version
    ).first()
    if document is None:
        raise InvalidInput(
            f"No version {version} of the {treatment.label} consent has been published at "
            "this clinic.",
            fields={"version": ["No such version."]},
        )
    return document


def api_consent_signature_get(*, clinic: Clinic, signature_id: int) -> ConsentSignature:
    """A signed consent of the acting clinic (the caller's permission is checked first)."""
    signature = (
        ConsentSignature.objects.filter(clinic=clinic, pk=signature_id)
        .select_related("document")
        .first()
    )
    if signature is None:
        raise NotFound(CONSENT_NOT_FOUND)
    return signature


# --- courses and scheduling (issue 5) ----------------------------------------------------------


def course_reading_action(*, user: User | AnonymousUser, clinic: Clinic) -> Action:
    """Clinical staff read a course whole; the front desk, who books its treatments, reads what
    scheduling needs and not its doses (as on the staff course page)."""
    if has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic):
        return Action.PATIENT_CHART_VIEW
    return Action.APPOINTMENT_BOOK


def api_course_get(
    *, user: User | AnonymousUser, clinic: Clinic, course_id: int, action: Action
) -> TreatmentCourse:
    """One course of the acting clinic; missing and another clinic's are alike."""
    require_permission(user=user, action=action, clinic=clinic)
    course = (
        TreatmentCourse.objects.filter(clinic=clinic, pk=course_id)
        .select_related("clinic", "patient", "signed_by")
        .first()
    )
    if course is None:
        raise NotFound(COURSE_NOT_FOUND)
    return course


def api_course_list_for_patient(*, patient: Patient) -> QuerySet[TreatmentCourse]:
    """A patient's courses, newest first (the caller has passed the patient access door)."""
    return (
        TreatmentCourse.objects.filter(patient=patient)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
    )


def api_dose_order_list_for_course(*, course: TreatmentCourse) -> QuerySet[DoseOrder]:
    return (
        DoseOrder.objects.filter(course=course)
        .select_related("signed_by")
        .order_by("-signed_at", "-id")
    )


def _appointments() -> QuerySet[Appointment]:
    return Appointment.objects.select_related("patient", "chair", "clinician")


def api_appointment_get(
    *, user: User | AnonymousUser, clinic: Clinic, appointment_id: int
) -> Appointment:
    """One appointment of the acting clinic, for someone who books appointments."""
    require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
    appointment = (
        _appointments()
        .select_related("clinic", "course")
        .filter(clinic=clinic, pk=appointment_id)
        .first()
    )
    if appointment is None:
        raise NotFound(APPOINTMENT_NOT_FOUND)
    return appointment


def api_appointment_list_for_day(
    *, user: User | AnonymousUser, clinic: Clinic, day: datetime.date
) -> QuerySet[Appointment]:
    """Every appointment starting on the clinic's `day` (its local day: 23 or 25 hours when the
    clocks change), whatever its status, in time order."""
    require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
    start, end = day_bounds(clinic=clinic, day=day)
    return (
        _appointments()
        .filter(clinic=clinic, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "id")
    )


def api_appointment_list_for_patient(*, patient: Patient) -> QuerySet[Appointment]:
    """A patient's appointments, latest first (the caller has passed the patient access door)."""
    return _appointments().filter(patient=patient).order_by("-starts_at", "-id")


def api_chair_get(*, clinic: Clinic, chair_id: int, field: str = "chair_id") -> Chair:
    """A chair of the acting clinic named in a body; any other id is that field's error."""
    chair = Chair.objects.filter(clinic=clinic, pk=chair_id).first()
    if chair is None:
        raise InvalidInput(CHAIR_NOT_FOUND, fields={field: [CHAIR_NOT_FOUND]})
    return chair


def api_clinician_get(*, clinic: Clinic, user_id: int) -> User:
    """A physician, nurse or therapist working at the acting clinic."""
    clinician = (
        User.objects.filter(
            pk=user_id,
            memberships__clinic=clinic,
            memberships__is_active=True,
            memberships__role__in=CLINICIAN_ROLES,
        )
        .distinct()
        .first()
    )
    if clinician is None:
        raise InvalidInput(CLINICIAN_NOT_FOUND, fields={"clinician_id": [CLINICIAN_NOT_FOUND]})
    return clinician
