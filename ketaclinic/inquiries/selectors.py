"""Reads of the inquiry queue, scoped to the acting clinic and the front-desk permission."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.inquiries.models import Inquiry, InquiryStatus

OPEN_STATUSES = (InquiryStatus.NEW, InquiryStatus.CONTACTED, InquiryStatus.CONSULT_BOOKED)
INQUIRY_NOT_FOUND = "No such inquiry at this clinic."


def inquiry_list_for_clinic(
    *, user: User | AnonymousUser, clinic: Clinic, status: str = "open", search: str = ""
) -> QuerySet[Inquiry]:
    """The queue: open inquiries by default, newest first, with their note counts."""
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    inquiries = Inquiry.objects.filter(clinic=clinic)
    if status == "open":
        inquiries = inquiries.filter(status__in=OPEN_STATUSES)
    elif status in InquiryStatus.values:
        inquiries = inquiries.filter(status=status)
    search = search.strip()
    if search:
        inquiries = inquiries.filter(
            Q(full_name__icontains=search) | Q(email__iexact=search) | Q(phone__icontains=search)
        )
    return (
        inquiries.select_related("assigned_to")
        .annotate(note_count=Count("notes"))
        .order_by("-created_at", "-id")
    )


def inquiry_get_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, inquiry_id: int
) -> Inquiry:
    """One inquiry with its notes; the same NotFound for missing and another clinic's."""
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    inquiry = (
        Inquiry.objects.filter(clinic=clinic, pk=inquiry_id)
        .select_related("clinic", "assigned_to")
        .prefetch_related("notes__author")
        .first()
    )
    if inquiry is None:
        raise NotFound(INQUIRY_NOT_FOUND)
    audit_record(actor=user, action=AuditAction.INQUIRY_VIEWED, clinic=clinic, subject=inquiry)
    return inquiry
