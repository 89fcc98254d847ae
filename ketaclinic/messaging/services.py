"""Sending and reading messages. A patient writes from the portal (the clinic's inbox shows it; no
email). A staff reply emails the patient only that there is a new message: never its text."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput
from ketaclinic.jobs.services import enqueue
from ketaclinic.messaging.models import MAX_MESSAGE_LENGTH, Direction, Message
from ketaclinic.patients.models import Patient

NOTIFY_JOB = "messaging.notify_patient"
PATIENT_ROLE = "patient"


def _clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput("Please write a message.", fields={"body": ["Required."]})
    if len(text) > MAX_MESSAGE_LENGTH:
        message = f"A message can be at most {MAX_MESSAGE_LENGTH} characters."
        raise InvalidInput(message, fields={"body": [message]})
    return text


@transaction.atomic
def message_send_from_patient(*, patient_user: User, patient: Patient, body: str) -> Message:
    """The signed-in patient writes to their clinic (the portal passes their own record)."""
    text = _clean_body(body)
    message = Message.objects.create(
        clinic=patient.clinic,
        patient=patient,
        direction=Direction.TO_CLINIC,
        body=text,
        author=patient_user,
    )
    audit_record(
        actor=patient_user,
        action=AuditAction.MESSAGE_SENT,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=message,
        actor_role=PATIENT_ROLE,
        detail={"direction": Direction.TO_CLINIC, "channel": "portal"},
    )
    return message


@transaction.atomic
def message_reply(*, acting_user: User, patient: Patient, body: str) -> Message:
    """A staff member answers a patient; the patient gets an email saying only that a message is
    waiting in the portal."""
    require_permission(user=acting_user, action=Action.PATIENT_MESSAGE, clinic=patient.clinic)
    text = _clean_body(body)
    message = Message.objects.create(
        clinic=patient.clinic,
        patient=patient,
        direction=Direction.TO_PATIENT,
        body=text,
        author=acting_user,
    )
    # Answering a thread reads it.
    _mark_read(patient=patient, direction=Direction.TO_CLINIC, reader=acting_user)
    audit_record(
        actor=acting_user,
        action=AuditAction.MESSAGE_SENT,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=message,
        detail={"direction": Direction.TO_PATIENT},
    )
    if patient.portal_user_id is not None:
        transaction.on_commit(
            lambda: enqueue(
                NOTIFY_JOB, {"message_id": message.pk}, key=f"{NOTIFY_JOB}:{message.pk}"
            )
        )
    return message


def _mark_read(*, patient: Patient, direction: Direction, reader: User) -> int:
    return Message.objects.filter(
        clinic=patient.clinic, patient=patient, direction=direction, read_at__isnull=True
    ).update(read_at=timezone.now(), read_by=reader, updated_at=timezone.now())


@transaction.atomic
def messages_read_by_clinic(*, acting_user: User, patient: Patient) -> int:
    """A staff member opened the patient's thread: the patient's messages are read."""
    require_permission(user=acting_user, action=Action.PATIENT_MESSAGE, clinic=patient.clinic)
    count = _mark_read(patient=patient, direction=Direction.TO_CLINIC, reader=acting_user)
    audit_record(
        actor=acting_user,
        action=AuditAction.MESSAGE_READ,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=patient,
        detail={"newly_read": count},
    )
    return count


def messages_read_by_patient(*, patient_user: User, patient: Patient) -> int:
    """The patient opened their messages: the clinic's replies are read (no audit row per view;
    the patient's own reading is not a chart access)."""
    return _mark_read(patient=patient, direction=Direction.TO_PATIENT, reader=patient_user)


def message_notify_patient(*, message_id: int) -> bool:
    """Email the patient that a message is waiting: no text, no name of a treatment, only a link
    to the portal. Returns False when there is nothing to send (already read, no address)."""
    message = (
        Message.objects.select_related("patient__portal_user", "clinic")
        .filter(pk=message_id, direction=Direction.TO_PATIENT)
        .first()
    )
    if message is None or message.read_at is not None or message.patient.portal_user is None:
        return False
    address = message.patient.portal_user.email.strip()
    if not address:
        return False
    clinic = message.clinic
    link = f"{settings.SITE_URL}{reverse('portal:messages')}"
    EmailMessage(
        subject="You have a new message",
        body=(
            "You have a new message in your patient portal.\n\n"
            f"Sign in to read it: {link}\n\n"
            f"If you did not expect this email, call us on {clinic.phone}.\n"
        ),
        to=[address],
    ).send()
    return True
