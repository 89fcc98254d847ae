"""Writes about inquiries: one arriving from the website, and the front desk working it."""

from __future__ import annotations

import logging
import math
import time
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, RateLimited
from ketaclinic.core.request_context import address_bucket
from ketaclinic.inquiries.models import (
    ConditionOfInterest,
    ContactMethod,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)
from ketaclinic.inquiries.validation import (
    MESSAGE_MAX_LENGTH,
    inquiry_problems,
    normalize_full_name,
)

logger = logging.getLogger(__name__)

RATE_LIMIT_WINDOW_SECONDS = 3600
_RATE_LIMIT_KEY_PREFIX = "ketaclinic:inquiry-rate:"


class InquiryRateLimited(RateLimited):
    """Too many inquiries from one address within the hour; says when another will be taken."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


def _rate_limit_key(source_ip: str | None) -> str:
    """One bucket per IPv4 address and per IPv6 /64 (one household or phone is one /64)."""
    if not source_ip:
        return _RATE_LIMIT_KEY_PREFIX + "unknown"
    bucket = address_bucket(source_ip)
    return _RATE_LIMIT_KEY_PREFIX + (bucket if bucket is not None else "unparseable")


def _take_submission_slot(*, source_ip: str | None, clinic: Clinic) -> None:
    """Count one submission against its address, or refuse when the hour's limit is used up.

    A sliding hour: the times of the address's recent submissions are kept in the cache, each
    write with an explicit timeout (the database cache's incr() would reset a counter's expiry to
    the cache default, silently shortening the window). Two simultaneous submissions from one
    address may both be counted as the same slot; a form's rate limit can live with that.
    """
    limit = settings.INQUIRY_RATE_LIMIT_PER_HOUR
    key = _rate_limit_key(source_ip)
    now = time.time()
    try:
        stored = cache.get(key)
    except Exception:  # a cache outage must not stop a person reaching the clinic: fail open
        logger.exception("inquiry rate limit unavailable; submission from %s let through", key)
        return
    recent = [
        moment
        for moment in (stored if isinstance(stored, list) else [])
        if isinstance(moment, int | float) and now - moment < RATE_LIMIT_WINDOW_SECONDS
    ]
    if len(recent) >= limit:
        oldest = min(recent, default=now)
        retry_after = max(1, math.ceil(RATE_LIMIT_WINDOW_SECONDS - (now - oldest)))
        minutes = max(1, math.ceil(retry_after / 60))
        raise InquiryRateLimited(
            f"We have already received {limit} inquiries from your connection in the last hour, "
            f"so we cannot take another just now. Please call us at {clinic.phone}, or try "
            f"again in about {minutes} minute{'s' if minutes != 1 else ''}. Nothing you typed "
            "has been lost.",
            retry_after_seconds=retry_after,
        )
    recent.append(now)
    try:
        cache.set(key, recent, timeout=RATE_LIMIT_WINDOW_SECONDS)
    except Exception:  # as above: counting failed, the inquiry itself must still be taken
        logger.exception("inquiry rate limit could not record a submission from %s", key)


def _acknowledgement_body(inquiry: Inquiry) -> str:
    clinic = inquiry.clinic
    method = ContactMethod(inquiry.preferred_contact_method).label.lower()
    return (
        f"Dear {inquiry.full_name},\n\n"
        f"Thank you for contacting {clinic.name}. We have received your inquiry, and a member "
        f"of our team will reach you by {method} within one business day.\n\n"
        f"If you would rather talk now, call us at {clinic.phone}.\n\n"
        "If you are in crisis or thinking about suicide, call or text 988 (the Suicide & Crisis "
        "Lifeline, in the US) or call 911. This mailbox is not watched for emergencies.\n\n"
        "Please do not reply with medical details; we will ask about your health when we "
        "speak.\n\n"
        f"{clinic.name}\n" + "\n".join(clinic.address_lines) + f"\n{clinic.phone}\n"
    )


def _acknowledge(inquiry: Inquiry) -> None:
    """Send the acknowledgement; runs after commit, so the inquiry is already safe."""
    clinic = inquiry.clinic
    email = EmailMessage(
        subject=f"We received your message - {clinic.name}",
        body=_acknowledgement_body(inquiry),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[inquiry.email],
        reply_to=[clinic.email] if clinic.email else None,
    )
    try:
        email.send()
    except Exception:  # a mail outage must not turn a saved inquiry into an error page
        logger.exception("acknowledgement email for inquiry %s failed", inquiry.pk)


def inquiry_submit(
    *,
    clinic: Clinic,
    full_name: str,
    email: str,
    phone: str,
    preferred_contact_method: ContactMethod,
    condition_of_interest: ConditionOfInterest,
    message: str,
    has_consented_to_contact: bool,
    source_ip: str | None,
) -> Inquiry:
    """Place a website inquiry in the clinic's front-desk queue and acknowledge it by email.

    Refuses details that break the inquiry rules (InvalidInput, with a message per field) and a
    submission over the per-address hourly limit (InquiryRateLimited); neither stores anything.
    The acknowledgement goes out after commit, and only when an email address was given.
    """
    full_name = normalize_full_name(full_name)
    email, phone, message = email.strip(), phone.strip(), message.strip()
    problems = inquiry_problems(
        full_name=full_name,
        email=email,
        phone=phone,
        preferred_contact_method=preferred_contact_method,
        condition_of_interest=condition_of_interest,
        message=message,
        has_consented_to_contact=has_consented_to_contact,
    )
    if problems:
        raise InvalidInput("Please correct the fields marked below.", fields=problems)
    # Outside the transaction: the count is not clinic data, and must not roll back with it.
    _take_submission_slot(source_ip=source_ip, clinic=clinic)
    with transaction.atomic():
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
        audit_record(
            actor=None, action=AuditAction.INQUIRY_RECEIVED, clinic=clinic, subject=inquiry
        )
        if inquiry.email:
            transaction.on_commit(partial(_acknowledge, inquiry))
    return inquiry


def inquiry_spam_discard(*, clinic: Clinic, source_ip: str | None) -> None:
    """A submission that filled the spam trap: counted against its address, then dropped.

    The caller answers it exactly like an accepted inquiry, so a bot learns nothing; nothing is
    stored and no email is sent (a bot's "email" is often a stranger's address).
    """
    _take_submission_slot(source_ip=source_ip, clinic=clinic)
    logger.info("inquiry spam trap filled (from %s); discarded", source_ip or "unknown address")


@transaction.atomic
def inquiry_update(
    *,
    acting_user: User,
    inquiry: Inquiry,
    status: InquiryStatus | None = None,
    note_text: str = "",
) -> Inquiry:
    """Change an inquiry's status and/or add a note; each change is kept as a note.

    The note records the status before and after; the first status change assigns the inquiry
    to whoever made it, if nobody had it yet.
    """
    require_permission(user=acting_user, action=Action.INQUIRY_MANAGE, clinic=inquiry.clinic)
    note_text = note_text.strip()
    if len(note_text) > MESSAGE_MAX_LENGTH:
        raise InvalidInput(
            "Notes are limited to 4,000 characters.",
            fields={"note_text": [f"Keep the note to {MESSAGE_MAX_LENGTH:,} characters."]},
        )
    locked = Inquiry.objects.select_for_update().select_related("clinic").get(pk=inquiry.pk)
    status_before = InquiryStatus(locked.status)
    new_status = status if status is not None else status_before
    if new_status == status_before and not note_text:
        raise InvalidInput(
            "Nothing to save: change the status or write a note.",
            fields={"note_text": ["Write a note or choose a new status."]},
        )
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
            "status_before": status_before.value,
            "status_after": new_status.value,
            "note": bool(note_text),
        },
    )
    return locked
