"""The front desk's queue pages: who reaches them, what they show, and what a change leaves."""

from __future__ import annotations

import datetime
from typing import Any, cast

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.testing.factories import InquiryFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

QUEUE = reverse("inquiries:queue")


def _detail(inquiry_id: int) -> str:
    return reverse("inquiries:detail", args=[inquiry_id])


@pytest.fixture
def inquiry(personas: Personas) -> Inquiry:
    return cast(
        Inquiry,
        InquiryFactory(
            clinic=personas.clinic,
            full_name="Rachel Simmons",
            message="Three antidepressants so far.",
        ),
    )


def test_the_queue_lives_under_staff() -> None:
    assert QUEUE == "/staff/inquiries/"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_the_queue_exactly_as_the_matrix_says(
    client_for: Any, personas: Personas, inquiry: Inquiry, role: Role
) -> None:
    allowed = role in PERMISSIONS[Action.INQUIRY_MANAGE].roles
    assert allowed is (role in {Role.FRONT_DESK, Role.CLINIC_ADMIN})
    client = client_for(personas.staff_by_role()[role])
    expected = 200 if allowed else 403
    assert client.get(QUEUE).status_code == expected
    assert client.get(_detail(inquiry.pk)).status_code == expected
    changed = client.post(_detail(inquiry.pk), {"status": "closed", "note_text": "Done."})
    assert changed.status_code == (302 if allowed else 403)
    inquiry.refresh_from_db()
    assert inquiry.status == (InquiryStatus.CLOSED if allowed else InquiryStatus.NEW)


@pytest.mark.parametrize(
    "role", [role for role in Role if role not in PERMISSIONS[Action.INQUIRY_MANAGE].roles]
)
def test_a_refused_role_sees_a_clear_page_and_the_refusal_is_audited(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(QUEUE)
    assert "does not allow you to work the inquiry queue" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.PERMISSION_REFUSED).exists()


def test_staff_of_another_clinic_are_refused(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    client = client_for(personas.charlie)
    assert client.get(QUEUE).status_code == 403
    assert client.get(_detail(inquiry.pk)).status_code == 403
    assert client.post(_detail(inquiry.pk), {"status": "closed"}).status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW


def test_another_clinics_inquiry_is_not_found_just_like_a_missing_one(
    client_for: Any, personas: Personas
) -> None:
    elsewhere = cast(Inquiry, InquiryFactory(clinic=personas.other_clinic))
    client = client_for(personas.fran)
    other = client.get(_detail(elsewhere.pk))
    missing = client.get(_detail(999_999))
    assert other.status_code == missing.status_code == 404
    assert other.content.decode().count("No such inquiry at this clinic.") == 1
    posted = client.post(_detail(elsewhere.pk), {"status": "closed", "note_text": "x"})
    assert posted.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == InquiryStatus.NEW


@pytest.mark.parametrize("url", [QUEUE, "/staff/inquiries/1/"])
def test_signed_out_visitors_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_patient_portal_account_is_refused(client_for: Any, personas: Personas) -> None:
    assert client_for(personas.pat_user).get(QUEUE).status_code == 403


def test_the_queue_shows_open_inquiries_newest_first_with_badge_and_age(
    client_for: Any, personas: Personas
) -> None:
    now = timezone.now()
    for name, status, hours_ago in [
        ("Old Open", InquiryStatus.CONTACTED, 30),
        ("Closed One", InquiryStatus.CLOSED, 1),
        ("New Open", InquiryStatus.NEW, 2),
    ]:
        made = InquiryFactory(clinic=personas.clinic, full_name=name, status=status)
        Inquiry.objects.filter(pk=made.pk).update(
            created_at=now - datetime.timedelta(hours=hours_ago)
        )
    InquiryFactory(clinic=personas.other_clinic, full_name="Elsewhere")
    html = client_for(personas.fran).get(QUEUE).content.decode()
    assert html.index("New Open") < html.index("Old Open")
    assert "Closed One" not in html
    assert "Elsewhere" not in html
    assert "2\xa0hours ago" in html
    assert "1\xa0day, 6\xa0hours ago" in html
    assert '<span class="badge status-badge status-new">New</span>' in html
    assert '<span class="badge status-badge status-contacted">Contacted</span>' in html


def test_the_status_filters_show_their_counts_and_mark_the_current_one(
    client_for: Any, personas: Personas
) -> None:
    InquiryFactory(clinic=personas.clinic, full_name="Closed One", status=InquiryStatus.CLOSED)
    InquiryFactory(clinic=personas.clinic, full_name="New One")
    client = client_for(personas.fran)
    closed = client.get(QUEUE, {"status": "closed"})
    html = closed.content.decode()
    assert "Closed One" in html
    assert "New One" not in html
    assert 'aria-current="page" href="?status=closed"' in html
    assert closed.context["tabs"] == [
        ("open", "Open", 1),
        ("new", "New", 1),
        ("contacted", "Contacted", 0),
        ("consult_booked", "Consult booked", 0),
        ("not_a_fit", "Not a fit", 0),
        ("closed", "Closed", 1),
        ("all", "All", 2),
    ]


def test_search_by_name_keeps_the_status_filter(client_for: Any, personas: Personas) -> None:
    InquiryFactory(clinic=personas.clinic, full_name="Rachel Simmons")
    InquiryFactory(clinic=personas.clinic, full_name="Marcus Webb")
    response = client_for(personas.fran).get(QUEUE, {"status": "open", "q": "simm"})
    html = response.content.decode()
    assert "Rachel Simmons" in html
    assert "Marcus Webb" not in html
    assert 'href="?status=all&amp;q=simm"' in html


def test_the_queue_pages_by_twenty_five(client_for: Any, personas: Personas) -> None:
    InquiryFactory.create_batch(30, clinic=personas.clinic)
    client = client_for(personas.fran)
    first = client.get(QUEUE)
    assert len(first.context["page"].object_list) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = client.get(QUEUE, {"page": 2})
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize(
    "query",
    [{"status": "bogus"}, {"page": "x"}, {"page": "999"}, {"q": "z" * 500}, {"status": ""}],
)
def test_odd_queue_parameters_never_crash(
    client_for: Any, personas: Personas, query: dict[str, str]
) -> None:
    InquiryFactory(clinic=personas.clinic, full_name="Rachel Simmons")
    response = client_for(personas.fran).get(QUEUE, query)
    assert response.status_code == 200
    assert response.context["status"] == "open"


def test_a_filter_that_was_not_understood_is_said_so(client_for: Any, personas: Personas) -> None:
    html = client_for(personas.fran).get(QUEUE, {"status": "bogus"}).content.decode()
    assert "Some filters were not understood" in html


def test_the_detail_shows_the_inquiry_and_its_notes_and_audits_the_view(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    InquiryNote.objects.create(
        inquiry=inquiry, clinic=personas.clinic, author=personas.ada, text="Left a voicemail."
    )
    html = client_for(personas.fran).get(_detail(inquiry.pk)).content.decode()
    assert "Rachel Simmons" in html
    assert "Three antidepressants so far." in html
    assert inquiry.email in html
    assert "Left a voicemail." in html
    assert "Ada Admin" in html
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_VIEWED)
    assert (event.actor_id, event.object_id) == (personas.fran.pk, str(inquiry.pk))


def test_changing_status_writes_a_note_and_an_audit_event(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    client = client_for(personas.fran)
    response = client.post(
        _detail(inquiry.pk), {"status": InquiryStatus.CONTACTED, "note_text": "Left a voicemail."}
    )
    assert response.status_code == 302
    assert response["Location"] == _detail(inquiry.pk)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CONTACTED
    assert inquiry.assigned_to == personas.fran
    note = InquiryNote.objects.get(inquiry=inquiry)
    assert (note.status_before, note.status_after, note.text, note.author) == (
        InquiryStatus.NEW,
        InquiryStatus.CONTACTED,
        "Left a voicemail.",
        personas.fran,
    )
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_UPDATED)
    assert event.actor_id == personas.fran.pk
    assert event.detail["status_after"] == InquiryStatus.CONTACTED
    # Reading the row to change it is the change, not a separate view.
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_VIEWED).exists()
    page = client.get(response["Location"]).content.decode()
    assert "Saved: Rachel Simmons&#x27;s inquiry." in page
    assert "New → Contacted" in page


def test_saving_nothing_is_refused_with_a_message_on_the_note(
    client_for: Any, personas: Personas, inquiry: Inquiry
) -> None:
    response = client_for(personas.fran).post(
        _detail(inquiry.pk), {"status": InquiryStatus.NEW, "note_text": "  "}
    )
    assert response.status_code == 200
    assert "Nothing to save" in response.content.decode()
    assert response.context["form"].errors["note_text"] == ["Write a note or choose a new status."]
    assert not InquiryNote.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"status": "teleported", "note_text": "x"}, "status"),
        ({"note_text": "x"}, "status"),
        ({"status": "contacted", "note_text": "x" * 4001}, "note_text"),
    ],
)
def test_bad_update_input_is_a_field_message_and_changes_nothing(
    client_for: Any, personas: Personas, inquiry: Inquiry, data: dict[str, str], field: str
) -> None:
    response = client_for(personas.fran).post(_detail(inquiry.pk), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert 'aria-invalid="true"' in response.content.decode()
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW
    assert not InquiryNote.objects.exists()


def test_the_queue_issues_the_same_queries_however_many_inquiries_it_lists(
    client_for: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    for inquiry in InquiryFactory.create_batch(
        30, clinic=personas.clinic, assigned_to=personas.ada
    ):
        InquiryNote.objects.create(
            inquiry=inquiry, clinic=personas.clinic, author=personas.fran, text="Called."
        )
    client = client_for(personas.fran)
    client.get(QUEUE)
    # session, user, memberships, MFA check; the status counts; the page count; one page of
    # inquiries with their note counts and assignees; the session save (savepoint, update,
    # release). A query per row would add 25.
    with django_assert_num_queries(10):
        response = client.get(QUEUE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 25


def test_the_detail_page_query_count_does_not_grow_with_notes(
    client_for: Any, personas: Personas, inquiry: Inquiry, django_assert_num_queries: Any
) -> None:
    for number in range(12):
        InquiryNote.objects.create(
            inquiry=inquiry, clinic=personas.clinic, author=personas.ada, text=f"Note {number}"
        )
    client = client_for(personas.fran)
    client.get(_detail(inquiry.pk))
    # session, user, memberships, MFA check; the inquiry with its assignee; its notes; their
    # authors; the audit event; the session save (savepoint, update, release). Sealing the audit
    # event runs after commit, outside the test's transaction.
    with django_assert_num_queries(11):
        response = client.get(_detail(inquiry.pk))
    assert response.status_code == 200
