"""Reads the API makes, each scoped to the acting clinic and checked against the matrix.

Patients are read through patients/access.py and patients/selectors.py like every other
interface; the reads below are the ones with no shared selector to call.
"""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.models import ApiToken
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.clinics.selectors import membership_list_for_user
from ketaclinic.consent.models import ConsentDocument, ConsentSignature, Treatment
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.intake.models import EligibilityDecision

OPEN_INQUIRY_STATUSES = frozenset(
    {InquiryStatus.NEW, InquiryStatus.CONTACTED, InquiryStatus.CONSULT_BOOKED}
)
INQUIRY_NOT_FOUND = "No such inquiry at this clinic."
API_TOKEN_NOT_FOUND = "No such API token at this clinic."  # noqa: S105  (a message)
ELIGIBILITY_DECISION_NOT_FOUND = "No such eligibility decision at this clinic."
CONSENT_NOT_FOUND = "No such signed consent at this clinic."


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
