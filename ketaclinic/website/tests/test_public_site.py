"""The public website: pages from the clinic record, and the inquiry form refusing bad input."""

from __future__ import annotations

import datetime
import re
from typing import Any, cast

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.testing.factories import ClinicFactory

pytestmark = pytest.mark.django_db

PAGES = ["home", "ketamine_therapy", "conditions", "what_to_expect", "safety", "contact"]
VALID = {
    "full_name": "Rachel  Simmons",
    "email": "rachel@mail.test",
    "phone": "(303) 555-0142",
    "preferred_contact_method": "phone",
    "condition_of_interest": "depression",
    "message": "I have tried three antidepressants.",
    "has_consented_to_contact": "on",
    "website": "",
}


@pytest.fixture(autouse=True)
def _clear_rate_limits() -> None:
    cache.clear()


@pytest.fixture
def clinic() -> Clinic:
    clinic = cast(
        Clinic,
        ClinicFactory(
            name="Catalyst Clinic", phone="(303) 555-0142", address_line1="1450 Larimer Street"
        ),
    )
    OpeningHours.objects.create(
        clinic=clinic, weekday=0, opens_at=datetime.time(7), closes_at=datetime.time(18)
    )
    return clinic


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_clinic_from_its_record(
    client: Client, clinic: Any, page: str
) -> None:
    response = client.get(reverse(f"website:{page}"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Catalyst Clinic" in html
    assert "1450 Larimer Street" in html
    assert "(303) 555-0142" in html
    assert "7:00 AM–6:00 PM" in html
    assert "988" in html
    # Nothing from anywhere else: every src and stylesheet href is local.
    assert not re.search(r'(src|href)="https?://', html.replace('href="https://clinic', ""))


def test_the_site_explains_the_treatment_a_clinic_offers(client: Client, clinic: Any) -> None:
    html = " ".join(client.get(reverse(f"website:{page}")).content.decode() for page in PAGES)
    for phrase in [
        "off-label",
        "FDA-approved",
        "PTSD",
        "OCD",
        "chronic pain",
        "30 to 60 minutes",
        "drives you home",
        "6 infusions over 2 to 3 weeks",
        "booster",
        "Dizziness",
        "Nausea",
    ]:
        assert phrase in html, phrase


def test_an_inquiry_reaches_the_queue_and_is_acknowledged(
    client: Client, clinic: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("website:contact"), VALID, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    assert response["Location"] == reverse("website:thank_you")
    inquiry = Inquiry.objects.get()
    assert inquiry.full_name == "Rachel Simmons"
    assert inquiry.status == InquiryStatus.NEW
    assert inquiry.source_ip == "203.0.113.9"
    assert inquiry.clinic == clinic
    assert AuditEvent.objects.filter(
        action=AuditAction.INQUIRY_RECEIVED, clinic_id=clinic.pk
    ).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["rachel@mail.test"]
    assert "988" in mail.outbox[0].body
    assert "(303) 555-0142" in mail.outbox[0].body
    thank_you = client.get(response["Location"])
    assert thank_you.status_code == 200
    assert "rachel" not in thank_you.request["PATH_INFO"].lower()
    assert thank_you.request["QUERY_STRING"] == ""


def test_the_thank_you_page_is_only_for_someone_who_just_sent_one(
    client: Client, clinic: Any
) -> None:
    assert client.get(reverse("website:thank_you")).status_code == 302


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"email": "", "phone": ""}, "email", "email address or a phone number"),
        ({"preferred_contact_method": "email", "email": ""}, "email", "You chose email"),
        ({"preferred_contact_method": "text", "phone": ""}, "phone", "You chose a call or text"),
        ({"phone": "555"}, "phone", "area code"),
        ({"phone": "call me maybe"}, "phone", "area code"),
        ({"has_consented_to_contact": ""}, "has_consented_to_contact", "agree to be contacted"),
        ({"message": "x" * 4001}, "message", "at most 4000"),
        ({"full_name": " "}, "full_name", "required"),
        ({"condition_of_interest": "flying"}, "condition_of_interest", "valid choice"),
        ({"preferred_contact_method": "pigeon"}, "preferred_contact_method", "valid choice"),
    ],
)
def test_bad_input_gets_a_field_message_and_stores_nothing(
    client: Client, clinic: Any, changes: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("website:contact"), {**VALID, **changes})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message.lower() in errors.lower()
    assert Inquiry.objects.count() == 0
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_filled_spam_trap_looks_accepted_but_stores_nothing(client: Client, clinic: Any) -> None:
    response = client.post(reverse("website:contact"), {**VALID, "website": "http://spam.example"})
    assert response.status_code == 302
    assert Inquiry.objects.count() == 0
    assert len(mail.outbox) == 0


def test_one_address_is_limited_per_hour_while_others_still_get_through(
    client: Client, clinic: Any, settings: Any
) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 3
    for _ in range(3):
        assert (
            client.post(reverse("website:contact"), VALID, REMOTE_ADDR="198.51.100.7").status_code
            == 302
        )
    refused = client.post(reverse("website:contact"), VALID, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert "call us" in refused.content.decode()
    assert Inquiry.objects.count() == 3
    other = client.post(reverse("website:contact"), VALID, REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 302
    assert Inquiry.objects.count() == 4


def test_the_form_never_puts_personal_data_in_a_url(client: Client, clinic: Any) -> None:
    html = client.get(reverse("website:contact")).content.decode()
    assert 'method="post"' in html
    response = client.get(reverse("website:contact"), {"email": "leak@mail.test"})
    assert "leak@mail.test" not in response.content.decode()
