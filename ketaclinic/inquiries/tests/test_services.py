"""inquiry_submit and inquiry_update: the rules hold whichever way an inquiry arrives."""

from __future__ import annotations

import datetime
import logging
from typing import Any, cast

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMessage

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, PermissionRefused, RateLimited
from ketaclinic.inquiries import services
from ketaclinic.inquiries.models import (
    ConditionOfInterest,
    ContactMethod,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)
from ketaclinic.inquiries.services import (
    InquiryRateLimited,
    inquiry_spam_discard,
    inquiry_submit,
    inquiry_update,
)
from ketaclinic.testing.factories import InquiryFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.UTC)


def _details(**changes: Any) -> dict[str, Any]:
    return {
        "full_name": "Marcus Webb",
        "email": "marcus@mail.test",
        "phone": "(720) 555-0188",
        "preferred_contact_method": ContactMethod.EMAIL,
        "condition_of_interest": ConditionOfInterest.PTSD,
        "message": "",
        "has_consented_to_contact": True,
        "source_ip": "192.0.2.10",
        **changes,
    }


def _submit(personas: Personas, **changes: Any) -> Inquiry:
    return inquiry_submit(clinic=personas.clinic, **_details(**changes))


# --- inquiry_submit ---------------------------------------------------------------------------


def test_submit_stores_the_inquiry_as_new_and_audits_it(personas: Personas) -> None:
    inquiry = _submit(personas, full_name="  Marcus \n Webb ", message="  Since 2019.  ")
    assert inquiry.full_name == "Marcus Webb"
    assert inquiry.message == "Since 2019."
    assert inquiry.status == InquiryStatus.NEW
    assert inquiry.source_ip == "192.0.2.10"
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_RECEIVED)
    assert (event.actor_id, event.clinic_id, event.object_id) == (
        None,
        personas.clinic.pk,
        str(inquiry.pk),
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"full_name": " "}, "full_name"),
        ({"email": "nope"}, "email"),
        ({"email": "", "phone": ""}, "email"),
        ({"email": "", "preferred_contact_method": ContactMethod.EMAIL}, "email"),
        ({"phone": "", "preferred_contact_method": ContactMethod.TEXT}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"preferred_contact_method": "pigeon"}, "preferred_contact_method"),
        ({"condition_of_interest": "flying"}, "condition_of_interest"),
        ({"message": "x" * 4001}, "message"),
        ({"has_consented_to_contact": False}, "has_consented_to_contact"),
    ],
)
def test_submit_refuses_what_the_form_refuses_even_without_the_form(
    personas: Personas, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        _submit(personas, **changes)
    assert list(refusal.value.fields) == [field]
    assert Inquiry.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_RECEIVED).exists()


def test_the_acknowledgement_waits_for_the_commit(
    personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _submit(personas)
    assert len(callbacks) >= 1
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert [message.to for message in mail.outbox] == [["marcus@mail.test"]]
    assert "by email within one business day" in mail.outbox[0].body


def test_a_mail_outage_loses_no_inquiry_and_shows_no_error(
    personas: Personas,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def refuse(self: EmailMessage, fail_silently: bool = False) -> int:
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", refuse)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        inquiry = _submit(personas)
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()
    assert f"acknowledgement email for inquiry {inquiry.pk} failed" in caplog.text


# --- the per-address hourly limit -------------------------------------------------------------


def test_the_limit_is_a_sliding_hour_that_outlasts_the_caches_default_timeout(
    personas: Personas, settings: Any
) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 3
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            _submit(personas)
            clock.shift(datetime.timedelta(minutes=20))  # longer than any default cache timeout
        # 15:60 is exactly an hour after the first: that one has left the window.
        _submit(personas)
        clock.shift(datetime.timedelta(minutes=10))
        with pytest.raises(InquiryRateLimited) as refusal:
            _submit(personas)
    assert Inquiry.objects.count() == 4
    assert refusal.value.retry_after_seconds == 10 * 60
    assert "try again in about 10 minutes" in refusal.value.message
    assert personas.clinic.phone in refusal.value.message


def test_a_refused_submission_does_not_extend_the_wait(personas: Personas, settings: Any) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 1
    with time_machine.travel(START, tick=False) as clock:
        _submit(personas)
        for _ in range(5):
            clock.shift(datetime.timedelta(minutes=10))
            with pytest.raises(RateLimited):
                _submit(personas)
        clock.shift(datetime.timedelta(minutes=10))
        _submit(personas)
    assert Inquiry.objects.count() == 2


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("2001:db8:1:2::10", "2001:db8:1:2:ffff::99", True),  # one /64: one household
        ("2001:db8:1:2::10", "2001:db8:1:3::10", False),
        ("::ffff:198.51.100.4", "198.51.100.4", True),  # IPv4 seen through IPv6
        ("198.51.100.4", "198.51.100.5", False),
        (None, None, True),  # no address at all still has a limit
    ],
)
def test_which_addresses_share_an_allowance(
    personas: Personas, settings: Any, first: str | None, second: str | None, shared: bool
) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 1
    _submit(personas, source_ip=first)
    if shared:
        with pytest.raises(RateLimited):
            _submit(personas, source_ip=second)
    else:
        _submit(personas, source_ip=second)


def test_a_cache_outage_lets_inquiries_through_rather_than_losing_them(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache server down")

    monkeypatch.setattr(services.cache, "get", broken)
    monkeypatch.setattr(services.cache, "set", broken)
    with caplog.at_level(logging.ERROR):
        _submit(personas)
    assert Inquiry.objects.count() == 1
    assert "inquiry rate limit unavailable" in caplog.text


def test_spam_is_counted_against_its_address_and_nothing_is_stored(
    personas: Personas, settings: Any
) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 1
    inquiry_spam_discard(clinic=personas.clinic, source_ip="192.0.2.10")
    assert Inquiry.objects.count() == 0
    assert AuditEvent.objects.count() == 0
    with pytest.raises(RateLimited):
        inquiry_spam_discard(clinic=personas.clinic, source_ip="192.0.2.10")


# --- inquiry_update ---------------------------------------------------------------------------


@pytest.fixture
def inquiry(personas: Personas) -> Inquiry:
    return cast(Inquiry, InquiryFactory(clinic=personas.clinic, full_name="Rachel Simmons"))


@pytest.mark.parametrize("role", list(Role))
def test_only_the_roles_that_work_the_queue_may_update_an_inquiry(
    personas: Personas, inquiry: Inquiry, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.INQUIRY_MANAGE].roles:
        inquiry_update(acting_user=user, inquiry=inquiry, note_text="Called.")
        assert InquiryNote.objects.filter(author=user).exists()
    else:
        with pytest.raises(PermissionRefused):
            inquiry_update(acting_user=user, inquiry=inquiry, note_text="Called.")
        assert not InquiryNote.objects.exists()


def test_staff_of_another_clinic_cannot_update_an_inquiry(
    personas: Personas, inquiry: Inquiry
) -> None:
    with pytest.raises(PermissionRefused, match="You do not work at Clinic A"):
        inquiry_update(acting_user=personas.charlie, inquiry=inquiry, status=InquiryStatus.CLOSED)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW


def test_a_status_change_is_kept_as_a_note_and_audited(
    personas: Personas, inquiry: Inquiry
) -> None:
    updated = inquiry_update(
        acting_user=personas.fran,
        inquiry=inquiry,
        status=InquiryStatus.CONSULT_BOOKED,
        note_text="  Consult on Thursday at 10.  ",
    )
    assert updated.status == InquiryStatus.CONSULT_BOOKED
    assert updated.assigned_to == personas.fran
    note = InquiryNote.objects.get()
    assert (note.status_before, note.status_after) == (
        InquiryStatus.NEW,
        InquiryStatus.CONSULT_BOOKED,
    )
    assert note.text == "Consult on Thursday at 10."
    assert note.author == personas.fran
    assert note.clinic == personas.clinic
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_UPDATED)
    assert event.actor_id == personas.fran.pk
    assert event.actor_role == Role.FRONT_DESK
    assert event.object_id == str(inquiry.pk)
    assert event.detail == {"status_before": "new", "status_after": "consult_booked", "note": True}


def test_a_status_change_without_words_writes_a_note_saying_so(
    personas: Personas, inquiry: Inquiry
) -> None:
    inquiry_update(acting_user=personas.ada, inquiry=inquiry, status=InquiryStatus.NOT_A_FIT)
    assert InquiryNote.objects.get().text == "Status changed to Not a fit."


def test_a_note_alone_keeps_the_status_and_the_assignee(
    personas: Personas, inquiry: Inquiry
) -> None:
    inquiry_update(acting_user=personas.fran, inquiry=inquiry, note_text="Left a voicemail.")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    assert inquiry.assigned_to is None
    note = InquiryNote.objects.get()
    assert note.status_before == note.status_after == InquiryStatus.NEW


def test_the_first_person_to_move_an_inquiry_keeps_it(personas: Personas, inquiry: Inquiry) -> None:
    inquiry_update(acting_user=personas.fran, inquiry=inquiry, status=InquiryStatus.CONTACTED)
    inquiry_update(acting_user=personas.ada, inquiry=inquiry, status=InquiryStatus.CLOSED)
    inquiry.refresh_from_db()
    assert inquiry.assigned_to == personas.fran
    assert inquiry.notes.count() == 2


@pytest.mark.parametrize("note_text", ["", "   \n "])
def test_saving_nothing_is_refused(personas: Personas, inquiry: Inquiry, note_text: str) -> None:
    with pytest.raises(InvalidInput, match="Nothing to save") as refusal:
        inquiry_update(
            acting_user=personas.fran,
            inquiry=inquiry,
            status=InquiryStatus.NEW,
            note_text=note_text,
        )
    assert "note_text" in refusal.value.fields
    assert not InquiryNote.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_UPDATED).exists()


def test_an_overlong_note_is_refused(personas: Personas, inquiry: Inquiry) -> None:
    with pytest.raises(InvalidInput, match="4,000"):
        inquiry_update(acting_user=personas.fran, inquiry=inquiry, note_text="x" * 4001)
    assert not InquiryNote.objects.exists()
