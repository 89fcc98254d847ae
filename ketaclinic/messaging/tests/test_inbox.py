"""The staff inbox: who may read and answer patients' messages, unread threads first, replies
that email the patient only that a message is waiting, and a pinned query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.messaging.models import MAX_MESSAGE_LENGTH, Direction, Message
from ketaclinic.messaging.services import (
    message_notify_patient,
    message_reply,
    message_send_from_patient,
)
from ketaclinic.patients.models import Patient
from ketaclinic.reminders.tests.support import work
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MAY_MESSAGE = {
    Role.MEDICAL_DIRECTOR,
    Role.PHYSICIAN,
    Role.NURSE,
    Role.FRONT_DESK,
    Role.CLINIC_ADMIN,
}


def _from_patient(personas: Personas, patient: Patient, body: str = "A question") -> Message:
    return message_send_from_patient(patient_user=personas.pat_user, patient=patient, body=body)


@pytest.mark.parametrize("role", list(Role))
def test_who_may_read_and_answer_the_inbox(client_for, personas: Personas, role: Role) -> None:
    _from_patient(personas, personas.pat)
    client = client_for(personas.staff_by_role()[role])
    inbox = client.get(reverse("messaging:inbox"))
    thread_url = reverse("messaging:thread", args=[personas.pat.pk])
    thread = client.get(thread_url)
    reply = client.post(thread_url, {"body": "Our answer"})
    if role in MAY_MESSAGE:
        assert inbox.status_code == 200
        assert personas.pat.display_name in inbox.content.decode()
        assert thread.status_code == 200
        assert reply.status_code == 302
        assert Message.objects.filter(direction=Direction.TO_PATIENT).count() == 1
    else:
        assert inbox.status_code == 403
        assert thread.status_code == 403
        assert reply.status_code == 403
        assert not Message.objects.filter(direction=Direction.TO_PATIENT).exists()


def test_another_clinics_patient_is_not_found(client_for, personas: Personas) -> None:
    response = client_for(personas.nina).get(reverse("messaging:thread", args=[personas.bea.pk]))
    assert response.status_code == 404


def test_the_inbox_lists_unread_threads_first_and_only_this_clinics(
    client_for, personas: Personas
) -> None:
    answered = PatientFactory(clinic=personas.clinic, legal_first_name="Answered")
    _from_patient(personas, answered)  # oldest, will be read
    _from_patient(personas, personas.quinn)
    _from_patient(personas, personas.pat)  # latest
    Message.objects.create(
        clinic=personas.bea.clinic,
        patient=personas.bea,
        direction=Direction.TO_CLINIC,
        body="Other clinic",
        author=personas.pat_user,
    )
    message_reply(acting_user=personas.nina, patient=personas.pat, body="Answered")
    page = client_for(personas.fran).get(reverse("messaging:inbox")).content.decode()
    assert page.index(personas.quinn.display_name) < page.index(personas.pat.display_name)
    assert page.index(answered.display_name) < page.index(personas.pat.display_name)
    assert personas.bea.display_name not in page
    assert page.count("1 unread") == 2


def test_opening_a_thread_reads_it_and_is_audited(client_for, personas: Personas) -> None:
    _from_patient(personas, personas.pat)
    client = client_for(personas.nina)
    page = client.get(reverse("messaging:thread", args=[personas.pat.pk])).content.decode()
    assert "A question" in page
    message = Message.objects.get()
    assert message.read_at is not None
    assert message.read_by == personas.nina
    assert AuditEvent.objects.filter(
        action=AuditAction.MESSAGE_READ, actor_id=personas.nina.pk
    ).exists()
    assert "unread" not in client.get(reverse("messaging:inbox")).content.decode()


def test_a_reply_emails_the_patient_only_that_a_message_waits(
    client_for, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    _from_patient(personas, personas.pat)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(personas.bob).post(
            reverse("messaging:thread", args=[personas.pat.pk]),
            {"body": "Please hold your lamotrigine the night before."},
        )
    work()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == "You have a new message"
    assert "lamotrigine" not in email.body
    assert personas.pat.legal_first_name not in email.body
    assert AuditEvent.objects.filter(
        action=AuditAction.MESSAGE_SENT, actor_id=personas.bob.pk
    ).exists()


def test_no_email_once_the_patient_has_read_it_or_without_a_portal_account(
    personas: Personas,
) -> None:
    reply = message_reply(acting_user=personas.nina, patient=personas.quinn, body="Hello")
    assert message_notify_patient(message_id=reply.pk) is False  # Quinn has no portal account
    reply = message_reply(acting_user=personas.nina, patient=personas.pat, body="Hello")
    Message.objects.filter(pk=reply.pk).update(read_at=reply.created_at)
    assert message_notify_patient(message_id=reply.pk) is False
    assert mail.outbox == []


def test_services_refuse_empty_long_and_unpermitted_messages(personas: Personas) -> None:
    with pytest.raises(InvalidInput):
        message_reply(acting_user=personas.nina, patient=personas.pat, body=" ")
    with pytest.raises(InvalidInput):
        _from_patient(personas, personas.pat, body="x" * (MAX_MESSAGE_LENGTH + 1))
    with pytest.raises(PermissionRefused):
        message_reply(acting_user=personas.otto, patient=personas.pat, body="Hi")
    with pytest.raises(PermissionRefused):
        message_reply(acting_user=personas.charlie, patient=personas.pat, body="Hi")


def test_the_inbox_query_count_is_pinned(
    client_for, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = client_for(personas.nina)
    _from_patient(personas, personas.pat)
    client.get(reverse("messaging:inbox"))
    with django_assert_num_queries(INBOX_QUERIES) as first:
        client.get(reverse("messaging:inbox"))
    for _ in range(3):
        _from_patient(personas, PatientFactory(clinic=personas.clinic))
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("messaging:inbox"))


INBOX_QUERIES = 8
