"""The front desk works the inquiry queue; nobody else reaches it, and nothing crosses clinics."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.inquiries.services import inquiry_update
from ketaclinic.testing.factories import InquiryFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def inquiry(personas: Personas) -> Inquiry:
    return cast(Inquiry, InquiryFactory(clinic=personas.clinic, full_name="Rachel Simmons"))


@pytest.mark.parametrize("role", list(Role))
def test_queue_access_follows_the_matrix_for_every_role(
    client_for: Any, personas: Personas, inquiry: Inquiry, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    allowed = role in PERMISSIONS[Action.INQUIRY_MANAGE].roles
    assert role in {Role.FRONT_DESK, Role.CLINIC_ADMIN} or not allowed
    assert client.get(reverse("inquiries:queue")).status_code == (200 if allowed else 403)
    detail = client.get(reverse("inquiries:detail", args=[inquiry.pk]))
    assert detail.status_code == (200 if allowed else 403)


def test_staff_of_another_clinic_are_refused(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    client = client_for(personas.charlie)
    assert client.get(reverse("inquiries:detail", args=[inquiry.pk])).status_code == 403


def test_another_clinics_inquiry_is_not_found_like_a_missing_one(
    client_for: Any, personas: Personas
) -> None:
    elsewhere = cast(Inquiry, InquiryFactory(clinic=personas.other_clinic))
    client = client_for(personas.fran)
    other = client.get(reverse("inquiries:detail", args=[elsewhere.pk]))
    missing = client.get(reverse("inquiries:detail", args=[999_999]))
    assert other.status_code == missing.status_code == 404
    assert "No such inquiry at this clinic." in other.content.decode()


def test_the_queue_shows_open_inquiries_newest_first(client_for: Any, personas: Personas) -> None:
    InquiryFactory(clinic=personas.clinic, full_name="Old Open")
    InquiryFactory(clinic=personas.clinic, full_name="Closed One", status=InquiryStatus.CLOSED)
    InquiryFactory(clinic=personas.clinic, full_name="New Open")
    InquiryFactory(clinic=personas.other_clinic, full_name="Elsewhere")
    html = client_for(personas.fran).get(reverse("inquiries:queue")).content.decode()
    assert html.index("New Open") < html.index("Old Open")
    assert "Closed One" not in html
    assert "Elsewhere" not in html
    closed = (
        client_for(personas.fran)
        .get(reverse("inquiries:queue"), {"status": "closed"})
        .content.decode()
    )
    assert "Closed One" in closed
    assert "New Open" not in closed


@pytest.mark.parametrize("query", [{"status": "bogus"}, {"page": "x"}, {"q": "z" * 500}])
def test_odd_queue_parameters_never_crash(
    client_for: Any, personas: Personas, query: dict[str, str]
) -> None:
    assert client_for(personas.fran).get(reverse("inquiries:queue"), query).status_code == 200


def test_changing_status_writes_a_note_and_an_audit_event(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    response = client_for(personas.fran).post(
        reverse("inquiries:detail", args=[inquiry.pk]),
        {"status": InquiryStatus.CONTACTED, "note_text": "Left a voicemail."},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CONTACTED
    assert inquiry.assigned_to == personas.fran
    note = InquiryNote.objects.get(inquiry=inquiry)
    assert (note.status_before, note.status_after, note.text) == (
        "new",
        "contacted",
        "Left a voicemail.",
    )
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_UPDATED)
    assert event.detail["status_after"] == "contacted"
    assert AuditEvent.objects.filter(
        action=AuditAction.INQUIRY_VIEWED, actor_id=personas.fran.pk
    ).exists()


def test_saving_nothing_is_refused_with_a_message(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    response = client_for(personas.fran).post(
        reverse("inquiries:detail", args=[inquiry.pk]),
        {"status": InquiryStatus.NEW, "note_text": "  "},
    )
    assert response.status_code == 200
    assert "Nothing to save" in response.content.decode()
    assert not InquiryNote.objects.exists()


def test_a_bad_status_is_a_field_message(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    response = client_for(personas.fran).post(
        reverse("inquiries:detail", args=[inquiry.pk]), {"status": "teleported", "note_text": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW


def test_the_service_refuses_an_overlong_note(personas: Personas, inquiry: Inquiry) -> None:
    with pytest.raises(InvalidInput, match="4,000"):
        inquiry_update(acting_user=personas.fran, inquiry=inquiry, note_text="x" * 4001)


def test_the_queue_query_count_does_not_grow_with_inquiries(
    client_for: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    for inquiry in InquiryFactory.create_batch(30, clinic=personas.clinic):
        InquiryNote.objects.create(
            inquiry=inquiry, clinic=personas.clinic, author=personas.fran, text="called"
        )
    client = client_for(personas.fran)
    client.get(reverse("inquiries:queue"))
    # session, user, memberships, MFA check, count, one page of inquiries with note counts and
    # assignees, and the session save (savepoint, update, release)
    with django_assert_num_queries(9):
        assert client.get(reverse("inquiries:queue")).status_code == 200
