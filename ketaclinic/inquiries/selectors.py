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
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.inquiries.models import Inquiry, InquiryStatus

OPEN_STATUSES = (InquiryStatus.NEW, InquiryStatus.CONTACTED, InquiryStatus.CONSULT_BOOKED)
# The queue's filters: the open ones (its default), everything, or one status.
FILTER_OPEN = "open"
FILTER_ALL = "all"
QUEUE_FILTERS = (FILTER_OPEN, FILTER_ALL, *InquiryStatus.values)
INQUIRY_NOT_FOUND = "No such inquiry at this clinic."


def inquiry_list_for_clinic(
    *, user: User | AnonymousUser, clinic: Clinic, status: str = FILTER_OPEN, search: str = ""
) -> QuerySet[Inquiry]:
    """The queue: open inquiries by default, newest first, with note counts and assignees.

    `status` is "open", "all" or one InquiryStatus value; `search` matches part of a name or
    phone number, or a whole email address.
    """
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    if status not in QUEUE_FILTERS:
        raise InvalidInput(f"{status!r} is not a queue filter.", fields={"status": ["Unknown."]})
    inquiries = Inquiry.objects.filter(clinic=clinic)
    if status == FILTER_OPEN:
        inquiries = inquiries.filter(status__in=OPEN_STATUSES)
    elif status != FILTER_ALL:
        inquiries = inquiries.filter(status=status)
    search = " ".join(search.split())
    if search:
        inquiries = inquiries.filter(
            Q(full_name__icontains=search) | Q(email__iexact=search) | Q(phone__icontains=search)
        )
    return (
        inquiries.select_related("assigned_to")
        .annotate(note_count=Count("notes"))
        .order_by("-created_at", "-id")
    )


def inquiry_counts_for_clinic(*, user: User | AnonymousUser, clinic: Clinic) -> dict[str, int]:
    """How many inquiries each queue filter holds ("open", "all" and each status), one query."""
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    counts = dict.fromkeys(QUEUE_FILTERS, 0)
    rows = (
        Inquiry.objects.filter(clinic=clinic)
        .order_by()
        .values_list("status")
        .annotate(count=Count("id"))
    )
    for status, count in rows:
        counts[status] = count
        counts[FILTER_ALL] += count
        if status in OPEN_STATUSES:
            counts[FILTER_OPEN] += count
    return counts


def inquiry_get_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, inquiry_id: int, record_view: bool = True
) -> Inquiry:
    """One inquiry with its notes; the same NotFound for missing and another clinic's.

    A read is audited (an inquiry holds a person's contact details and reason for calling);
    `record_view=False` is for reading a row in order to change it, audited as the change.
    """
    require_permission(user=user, action=Action.INQUIRY_MANAGE, clinic=clinic)
    inquiry = (
        Inquiry.objects.filter(clinic=clinic, pk=inquiry_id)
        .select_related("clinic", "assigned_to")
        .prefetch_related("notes__author")
        .first()
    )
    if inquiry is None:
        raise NotFound(INQUIRY_NOT_FOUND)
    if record_view:
        audit_record(actor=user, action=AuditAction.INQUIRY_VIEWED, clinic=clinic, subject=inquiry)
    return inquiry
