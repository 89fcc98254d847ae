"""Reading the queue: one clinic's inquiries, for the roles that work it, filtered and found."""

from __future__ import annotations

import datetime
from typing import cast

import pytest
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.inquiries.selectors import (
    INQUIRY_NOT_FOUND,
    inquiry_counts_for_clinic,
    inquiry_get_for_staff,
    inquiry_list_for_clinic,
)
from ketaclinic.testing.factories import InquiryFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _inquiry(
    personas: Personas, name: str, status: str = InquiryStatus.NEW, **fields: object
) -> Inquiry:
    return cast(
        Inquiry,
        InquiryFactory(clinic=personas.clinic, full_name=name, status=status, **fields),
    )


def _names(personas: Personas, **filters: str) -> list[str]:
    return [
        inquiry.full_name
        for inquiry in inquiry_list_for_clinic(
            user=personas.fran, clinic=personas.clinic, **filters
        )
    ]


@pytest.fixture
def queue(personas: Personas) -> None:
    """One inquiry in each status at clinic A, received an hour apart, and one at clinic B."""
    now = timezone.now()
    for hours_ago, status in enumerate(InquiryStatus):
        inquiry = _inquiry(personas, f"Person {status.label}", status)
        Inquiry.objects.filter(pk=inquiry.pk).update(
            created_at=now - datetime.timedelta(hours=hours_ago)
        )
    InquiryFactory(clinic=personas.other_clinic, full_name="Person Elsewhere")


@pytest.mark.parametrize("role", list(Role))
def test_the_queue_is_read_only_by_the_roles_that_work_it(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.INQUIRY_MANAGE].roles:
        inquiry_list_for_clinic(user=user, clinic=personas.clinic)
        inquiry_counts_for_clinic(user=user, clinic=personas.clinic)
    else:
        with pytest.raises(PermissionRefused):
            inquiry_list_for_clinic(user=user, clinic=personas.clinic)
        with pytest.raises(PermissionRefused):
            inquiry_counts_for_clinic(user=user, clinic=personas.clinic)


def test_a_patients_portal_account_cannot_read_the_queue(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        inquiry_list_for_clinic(user=personas.pat_user, clinic=personas.clinic)


def test_the_queue_shows_open_inquiries_of_this_clinic_newest_first(
    personas: Personas, queue: None
) -> None:
    assert _names(personas) == ["Person New", "Person Contacted", "Person Consult booked"]


@pytest.mark.parametrize("status", list(InquiryStatus))
def test_the_queue_filters_by_one_status(
    personas: Personas, queue: None, status: InquiryStatus
) -> None:
    assert _names(personas, status=status.value) == [f"Person {status.label}"]


def test_all_shows_every_status_but_not_other_clinics(personas: Personas, queue: None) -> None:
    names = _names(personas, status="all")
    assert len(names) == len(InquiryStatus)
    assert "Person Elsewhere" not in names


def test_an_unknown_filter_is_refused(personas: Personas) -> None:
    with pytest.raises(InvalidInput):
        inquiry_list_for_clinic(user=personas.fran, clinic=personas.clinic, status="teleported")


def test_search_finds_part_of_a_name_a_phone_number_or_a_whole_email(personas: Personas) -> None:
    _inquiry(personas, "Rachel Simmons", email="rachel@mail.test", phone="")
    _inquiry(personas, "Marcus Webb", email="", phone="(720) 555-0188")
    _inquiry(personas, "Dana Simmonds", status=InquiryStatus.CLOSED)
    assert _names(personas, search="simmon") == ["Rachel Simmons"]
    assert sorted(_names(personas, search="simmon", status="all")) == [
        "Dana Simmonds",
        "Rachel Simmons",
    ]
    assert _names(personas, search="  rachel   simmons ") == ["Rachel Simmons"]
    assert _names(personas, search="555-0188") == ["Marcus Webb"]
    assert _names(personas, search="RACHEL@mail.test") == ["Rachel Simmons"]
    assert _names(personas, search="mail.test") == []


def test_each_inquiry_carries_its_note_count(personas: Personas) -> None:
    inquiry = _inquiry(personas, "Rachel Simmons")
    for text in ("Called.", "Called again."):
        InquiryNote.objects.create(
            inquiry=inquiry, clinic=personas.clinic, author=personas.fran, text=text
        )
    listed = inquiry_list_for_clinic(user=personas.fran, clinic=personas.clinic).get()
    assert listed.note_count == 2  # annotated by the selector


def test_the_counts_cover_every_filter(personas: Personas, queue: None) -> None:
    counts = inquiry_counts_for_clinic(user=personas.fran, clinic=personas.clinic)
    assert counts == {
        "open": 3,
        "all": 5,
        "new": 1,
        "contacted": 1,
        "consult_booked": 1,
        "not_a_fit": 1,
        "closed": 1,
    }


def test_one_inquiry_is_read_with_its_notes_and_the_read_is_audited(personas: Personas) -> None:
    inquiry = _inquiry(personas, "Rachel Simmons")
    read = inquiry_get_for_staff(user=personas.fran, clinic=personas.clinic, inquiry_id=inquiry.pk)
    assert read == inquiry
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_VIEWED)
    assert (event.actor_id, event.clinic_id, event.object_id) == (
        personas.fran.pk,
        personas.clinic.pk,
        str(inquiry.pk),
    )


def test_reading_in_order_to_change_is_not_recorded_as_a_view(personas: Personas) -> None:
    inquiry = _inquiry(personas, "Rachel Simmons")
    inquiry_get_for_staff(
        user=personas.fran, clinic=personas.clinic, inquiry_id=inquiry.pk, record_view=False
    )
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_VIEWED).exists()


def test_another_clinics_inquiry_and_a_missing_one_are_the_same_not_found(
    personas: Personas,
) -> None:
    elsewhere = cast(Inquiry, InquiryFactory(clinic=personas.other_clinic))
    for inquiry_id in (elsewhere.pk, 999_999):
        with pytest.raises(NotFound) as refusal:
            inquiry_get_for_staff(user=personas.fran, clinic=personas.clinic, inquiry_id=inquiry_id)
        assert refusal.value.message == INQUIRY_NOT_FOUND
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_VIEWED).exists()


def test_a_refused_reader_learns_nothing_about_whether_an_inquiry_exists(
    personas: Personas,
) -> None:
    inquiry = _inquiry(personas, "Rachel Simmons")
    for inquiry_id in (inquiry.pk, 999_999):
        with pytest.raises(PermissionRefused):
            inquiry_get_for_staff(user=personas.nina, clinic=personas.clinic, inquiry_id=inquiry_id)
