"""Writes about inquiries: one arriving from the website, and the front desk working it."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, RateLimited
from ketaclinic.inquiries.models import (
    ConditionOfInterest,
    ContactMethod,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)

logger = logging.getLogger(__name__)

RATE_LIMITED_MESSAGE = (
    "We have received several inquiries from your connection in the last hour. Please call us "
    "instead, or try again later."
)


def _over_rate_limit(source_ip: str | None) -> bool:
    """Count this submission against its IP address for the current hour."""
    if not source_ip:
        return False
    hour = timezone.now().strftime("%Y%m%d%H")
    key = f"ketaclinic:inquiry-rate:{source_ip}:{hour}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > settings.INQUIRY_RATE_LIMIT_PER_HOUR


def _acknowledge(inquiry: Inquiry) -> None:
    clinic = inquiry.clinic
    try:
        send_mail(
            subject=f"We received your message — {clinic.name}",
            message=(
                f"Dear {inquiry.full_name},\n\n"
                f"Thank you for contacting {clinic.name}. A member of our team will reach you by "
                f"{inquiry.get_preferred_contact_method_display().lower()} within one business "
                f"day. If you would rather talk now, call us at {clinic.phone}.\n\n"
                "If you are in crisis or thinking about suicide, call or text 988 (Suicide & "
                "Crisis Lifeline) or call 911. This mailbox is not watched for emergencies.\n\n"
                f"{clinic.name}\n" + "\n".join(clinic.address_lines) + "\n"
            ),
            from_email=None,
            recipient_list=[inquiry.email],
        )
    except Exception:  # the inquiry is saved; a mail outage must not lose it or show an error
        logger.exception("acknowledgement email for inquiry %s failed", inquiry.pk)


@transaction.atomic
def inquiry_submit(
    *,
    clinic: Clinic,
    full_name: str,
    email: str,
    phone: str,
    preferred_contact_method: ContactMethod,
    condition_of_interest: ConditionOfInterest,
    message: str,
    source_ip: str | None,
    is_spam_trap_filled: bool = False,
) -> Inquiry | None:
    """Place a website inquiry in the front-desk queue and acknowledge it by email.

    Returns None for a submission that filled the spam trap: it is answered as if accepted (so
    bots learn nothing) and nothing is stored. Too many submissions from one address in an hour
    are refused with RateLimited, and nothing is stored either.
    """
    if _over_rate_limit(source_ip):
        raise RateLimited(RATE_LIMITED_MESSAGE)
    if is_spam_trap_filled:
        logger.info("inquiry spam trap filled from %s; discarded", source_ip)
        return None
    if not email and not phone:
        raise InvalidInput("Give an email address or a phone number.")
    inquiry = Inquiry.objects.create(
        clinic=clinic,
        full_name=full_name,
        email=email,
        phone=phone,
        preferred_contact_method=preferred_contact_method,
        condition_of_interest=condition_of_interest,
        message=message,
        has_consented_to_contact=True,
        source_ip=source_ip,
    )
    audit_record(actor=None, action=AuditAction.INQUIRY_RECEIVED, clinic=clinic, subject=inquiry)
    if email:
        transaction.on_commit(lambda: _acknowledge(inquiry))
    return inquiry


@transaction.atomic
def inquiry_update(
    *,
    acting_user: User,
    inquiry: Inquiry,
    status: InquiryStatus | None = None,
    note_text: str = "",
) -> Inquiry:
    """Change an inquiry's status and/or add a note; each change is kept as a note."""
    require_permission(user=acting_user, action=Action.INQUIRY_MANAGE, clinic=inquiry.clinic)
    note_text = note_text.strip()
    locked = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
    new_status = status if status is not None else InquiryStatus(locked.status)
    if new_status == locked.status and not note_text:
        raise InvalidInput(
            "Nothing to save: change the status or write a note.",
            fields={"note_text": ["Write a note or choose a new status."]},
        )
    if len(note_text) > 4000:
        raise InvalidInput(
            "Notes are limited to 4,000 characters.", fields={"note_text": ["Too long."]}
        )
    status_before = locked.status
    InquiryNote.objects.create(
        inquiry=locked,
        clinic=locked.clinic,
        author=acting_user,
        text=note_text or f"Status changed to {new_status.label}.",
        status_before=status_before,
        status_after=new_status,
    )
    if new_status != status_before:
        locked.status = new_status
        if locked.assigned_to_id is None:
            locked.assigned_to = acting_user
        locked.save(update_fields=["status", "assigned_to", "updated_at"])
    audit_record(
        actor=acting_user,
        action=AuditAction.INQUIRY_UPDATED,
        clinic=locked.clinic,
        subject=locked,
        detail={
            "status_before": status_before,
            "status_after": new_status.value,
            "note": bool(note_text),
        },
    )
    return locked
