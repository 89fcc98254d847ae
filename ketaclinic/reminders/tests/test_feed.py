"""A staff member's calendar feed: only their appointments as clinician, no patient named,
token-protected, revocable (a revoked or replaced token is 404)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import PermissionRefused
from ketaclinic.reminders.services import calendar_feed_token_issue, calendar_feed_token_revoke
from ketaclinic.reminders.tests.support import appointment_for, ics_time, parse_ics
from ketaclinic.scheduling.models import AppointmentStatus
from ketaclinic.testing.personas import Personas


def _feed_path(client: Client) -> str:
    response = client.post(reverse("reminders:feed_settings"), {"action": "issue"}, follow=True)
    assert response.status_code == 200
    match = re.search(
        r"https://clinic\.example\.org(/calendar/[^<\s]+\.ics)", response.content.decode()
    )
    assert match
    return match.group(1)


@pytest.mark.django_db
def test_the_feed_lists_only_that_clinicians_appointments(client_for, personas: Personas) -> None:
    soon = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    mine = appointment_for(personas, starts_at=soon, clinician=personas.nina)
    appointment_for(personas, starts_at=soon, clinician=personas.bob, patient=personas.quinn)
    cancelled = appointment_for(
        personas, starts_at=soon + datetime.timedelta(hours=3), clinician=personas.nina
    )
    cancelled.status = AppointmentStatus.CANCELLED
    cancelled.save()
    appointment_for(  # nina at the other clinic would be another feed
        personas, starts_at=soon, clinician=personas.nina, patient=personas.bea
    )
    path = _feed_path(client_for(personas.nina))
    client = Client()  # a calendar app: no session
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    *events, calendar = parse_ics(text)
    assert calendar["X-WR-CALNAME"].startswith("Clinic A")
    assert [ics_time(event["DTSTART"]) for event in events] == [soon]
    assert events[0]["UID"] == f"appointment-{mine.pk}@clinic.example.org"
    assert events[0]["SUMMARY"] == "IV ketamine infusion"
    assert events[0]["URL"].endswith(f"/staff/schedule/appointments/{mine.pk}/")
    for name in (
        personas.pat.legal_first_name,
        personas.pat.legal_last_name,
        personas.pat.medical_record_number,
    ):
        assert name not in text
    assert AuditEvent.objects.filter(
        action=AuditAction.CALENDAR_FEED_ISSUED, actor_id=personas.nina.pk
    ).exists()


@pytest.mark.django_db
def test_a_revoked_or_replaced_token_is_404(client_for, personas: Personas) -> None:
    staff = client_for(personas.nina)
    first = _feed_path(staff)
    second = _feed_path(staff)
    assert Client().get(first).status_code == 404
    assert Client().get(second).status_code == 200
    page = staff.post(reverse("reminders:feed_settings"), {"action": "revoke"}, follow=True)
    assert "turned off" in page.content.decode()
    assert Client().get(second).status_code == 404
    assert Client().get("/calendar/nonsense.ics").status_code == 404
    assert AuditEvent.objects.filter(action=AuditAction.CALENDAR_FEED_REVOKED).count() == 1


@pytest.mark.django_db
def test_the_feed_stops_when_the_staff_member_leaves_the_clinic(
    client_for, personas: Personas
) -> None:
    path = _feed_path(client_for(personas.nina))
    StaffMembership.objects.filter(user=personas.nina).update(is_active=False)
    assert Client().get(path).status_code == 404


@pytest.mark.django_db
def test_only_members_issue_feeds_and_the_page_needs_sign_in(
    client: Client, personas: Personas
) -> None:
    with pytest.raises(PermissionRefused):
        calendar_feed_token_issue(acting_user=personas.charlie, clinic=personas.clinic)
    with pytest.raises(PermissionRefused):
        calendar_feed_token_revoke(acting_user=personas.charlie, clinic=personas.clinic)
    response = client.get(reverse("reminders:feed_settings"))
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


@pytest.mark.django_db
def test_the_settings_page_shows_the_state(client_for, personas: Personas) -> None:
    staff = client_for(personas.theo)
    page = staff.get(reverse("reminders:feed_settings")).content.decode()
    assert "Your feed is off." in page
    _feed_path(staff)
    page = staff.get(reverse("reminders:feed_settings")).content.decode()
    assert "Your feed is on since" in page
    assert "/calendar/" not in page  # the address is shown once only
    assert calendar_feed_token_revoke(acting_user=personas.theo, clinic=personas.clinic) == 1
    assert calendar_feed_token_revoke(acting_user=personas.theo, clinic=personas.clinic) == 0
