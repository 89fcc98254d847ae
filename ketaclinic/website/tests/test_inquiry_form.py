"""The inquiry form: field-level messages, spam refused quietly, nothing personal in a URL."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import Clinic
from ketaclinic.inquiries.models import ConditionOfInterest, ContactMethod, Inquiry, InquiryStatus

pytestmark = pytest.mark.django_db

VALID = {
    "full_name": "Rachel  Simmons",
    "email": "rachel@mail.test",
    "phone": "(720) 555-0177",
    "preferred_contact_method": "phone",
    "condition_of_interest": "depression",
    "message": "I have tried three antidepressants.",
    "has_consented_to_contact": "on",
    "website": "",
}
PERSONAL = ["rachel", "simmons", "mail.test", "555", "0177", "antidepressants"]


def _send(client: Client, ip: str = "203.0.113.9", **changes: str) -> Any:
    return client.post(reverse("website:contact"), {**VALID, **changes}, REMOTE_ADDR=ip)


def test_an_inquiry_reaches_the_front_desk_queue(client: Client, clinic: Clinic) -> None:
    response = _send(client)
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.clinic == clinic
    assert inquiry.full_name == "Rachel Simmons"
    assert inquiry.email == "rachel@mail.test"
    assert inquiry.phone == "(720) 555-0177"
    assert inquiry.preferred_contact_method == ContactMethod.PHONE
    assert inquiry.condition_of_interest == ConditionOfInterest.DEPRESSION
    assert inquiry.message == "I have tried three antidepressants."
    assert inquiry.has_consented_to_contact is True
    assert inquiry.status == InquiryStatus.NEW


def test_the_inquiry_keeps_the_address_it_came_from(client: Client, clinic: Clinic) -> None:
    _send(client, ip="198.51.100.23")
    assert Inquiry.objects.get().source_ip == "198.51.100.23"


def test_a_received_inquiry_is_audited_with_no_acting_user(client: Client, clinic: Clinic) -> None:
    _send(client, ip="198.51.100.23")
    inquiry = Inquiry.objects.get()
    event = AuditEvent.objects.get(action=AuditAction.INQUIRY_RECEIVED)
    assert event.actor_id is None
    assert event.clinic_id == clinic.pk
    assert event.object_id == str(inquiry.pk)
    assert event.source_ip == "198.51.100.23"


def test_the_answer_is_a_redirect_to_a_thank_you_page_with_no_personal_data(
    client: Client, clinic: Clinic
) -> None:
    response = _send(client)
    assert response.status_code == 302
    location = response["Location"]
    assert location == reverse("website:thank_you")
    assert "?" not in location
    for fragment in PERSONAL:
        assert fragment not in location.lower()
    thank_you = client.get(location)
    assert thank_you.status_code == 200
    assert "we received your message" in thank_you.content.decode()
    assert thank_you.request["QUERY_STRING"] == ""


def test_the_thank_you_page_is_shown_once_and_only_after_sending(
    client: Client, clinic: Clinic
) -> None:
    assert client.get(reverse("website:thank_you"))["Location"] == reverse("website:contact")
    _send(client)
    assert client.get(reverse("website:thank_you")).status_code == 200
    assert client.get(reverse("website:thank_you")).status_code == 302


def test_the_form_page_is_not_cached(client: Client, clinic: Clinic) -> None:
    for response in (client.get(reverse("website:contact")), _send(client, email="bad")):
        assert "no-store" in response["Cache-Control"]


def test_the_inquirer_gets_a_plain_text_acknowledgement_after_commit(
    client: Client, clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(client)
    assert mail.outbox == [], "nothing is sent before the inquiry is committed"
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["rachel@mail.test"]
    assert email.from_email == django_settings.DEFAULT_FROM_EMAIL
    assert email.reply_to == ["hello@catalyst.example"]
    assert email.content_subtype == "plain"
    assert not getattr(email, "alternatives", [])
    assert "Catalyst Clinic" in email.subject
    assert "Dear Rachel Simmons" in email.body
    assert "(303) 555-0142" in email.body
    assert "988" in email.body
    assert "911" in email.body
    assert "by phone call within one business day" in email.body
    # What they wrote about their health stays out of email.
    assert "antidepressants" not in email.body


def test_no_email_goes_out_when_the_inquirer_gave_only_a_phone(
    client: Client, clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, email="")
    assert response.status_code == 302
    assert Inquiry.objects.count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"full_name": ""}, "full_name", "Please enter your name."),
        ({"full_name": "   "}, "full_name", "Please enter your name."),
        ({"full_name": "R"}, "full_name", "Please enter your name."),
        ({"full_name": "R" * 201}, "full_name", "under 200 characters"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"email": "rachel@"}, "email", "Enter a valid email address"),
        ({"email": "r" * 250 + "@mail.test"}, "email", "at most 254 characters"),
        ({"email": "", "phone": ""}, "email", "Give us an email address or a phone number."),
        ({"preferred_contact_method": "email", "email": ""}, "email", "You chose email"),
        ({"preferred_contact_method": "phone", "phone": ""}, "phone", "You chose a call or text"),
        ({"preferred_contact_method": "text", "phone": ""}, "phone", "You chose a call or text"),
        ({"phone": "555"}, "phone", "area code"),
        ({"phone": "call me maybe"}, "phone", "area code"),
        ({"phone": "303-555-0142 ext 7"}, "phone", "area code"),
        ({"phone": "1" * 16}, "phone", "area code"),
        ({"phone": "(303) 555-0142" + " " * 20 + "1"}, "phone", "area code"),
        ({"preferred_contact_method": ""}, "preferred_contact_method", "how we should contact"),
        ({"preferred_contact_method": "pigeon"}, "preferred_contact_method", "valid choice"),
        ({"condition_of_interest": ""}, "condition_of_interest", "what you would like help"),
        ({"condition_of_interest": "flying"}, "condition_of_interest", "valid choice"),
        ({"message": "x" * 4001}, "message", "4000 characters"),
        ({"has_consented_to_contact": ""}, "has_consented_to_contact", "agree to be contacted"),
    ],
)
def test_bad_input_gets_a_message_on_its_field_and_stores_nothing(
    client: Client, clinic: Clinic, changes: dict[str, str], field: str, message: str
) -> None:
    response = _send(client, **changes)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert message.lower() in errors.lower()
    html = response.content.decode()
    assert "Please correct the fields marked below." in html
    assert 'aria-invalid="true"' in html
    assert Inquiry.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_RECEIVED).exists()
    assert mail.outbox == []


def test_a_refused_form_keeps_what_the_person_typed(client: Client, clinic: Clinic) -> None:
    html = _send(client, has_consented_to_contact="").content.decode()
    assert 'value="Rachel  Simmons"' in html
    assert "I have tried three antidepressants." in html


@pytest.mark.parametrize(
    "changes",
    [
        {"message": ""},
        {"message": "x" * 4000},
        {"email": "", "preferred_contact_method": "text"},
        {"phone": "", "preferred_contact_method": "email"},
        {"phone": "+1 303 555 0142"},
        {"phone": "303.555.0142"},
        {"condition_of_interest": "other"},
    ],
)
def test_good_variations_are_accepted(
    client: Client, clinic: Clinic, changes: dict[str, str]
) -> None:
    assert _send(client, **changes).status_code == 302
    assert Inquiry.objects.count() == 1


def test_a_filled_spam_trap_looks_accepted_but_stores_and_sends_nothing(
    client: Client, clinic: Clinic, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, website="http://cheap-pills.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("website:thank_you")
    assert client.get(response["Location"]).status_code == 200
    assert Inquiry.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.INQUIRY_RECEIVED).exists()
    assert mail.outbox == []


def test_a_bot_that_fills_everything_badly_is_still_answered_as_accepted(
    client: Client, clinic: Clinic
) -> None:
    response = _send(client, website="x", email="junk", has_consented_to_contact="")
    assert response.status_code == 302
    assert Inquiry.objects.count() == 0


def test_the_spam_trap_is_hidden_from_people_and_labelled_for_screen_readers(
    client: Client, clinic: Clinic
) -> None:
    html = client.get(reverse("website:contact")).content.decode()
    assert '<div class="hp-field" aria-hidden="true">' in html
    assert '<label for="id_website">Leave this field empty</label>' in html
    assert 'name="website" id="id_website" value="" tabindex="-1" autocomplete="off"' in html


def test_one_address_is_limited_per_hour_while_another_still_gets_through(
    client: Client, clinic: Clinic
) -> None:
    limit = django_settings.INQUIRY_RATE_LIMIT_PER_HOUR
    assert limit == 5, "the default limit is five an hour"
    for _ in range(limit):
        assert _send(client, ip="198.51.100.7").status_code == 302
    refused = _send(client, ip="198.51.100.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert "Please call us at (303) 555-0142" in html
    assert 'value="Rachel  Simmons"' in html, "what they typed is still there"
    assert Inquiry.objects.count() == limit
    assert _send(client, ip="198.51.100.8").status_code == 302
    assert Inquiry.objects.count() == limit + 1


def test_the_limit_follows_the_setting(client: Client, clinic: Clinic, settings: Any) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 2
    assert [_send(client).status_code for _ in range(3)] == [302, 302, 429]


def test_bad_input_does_not_use_up_the_hours_allowance(
    client: Client, clinic: Clinic, settings: Any
) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 2
    for _ in range(5):
        assert _send(client, email="typo@").status_code == 200
    assert _send(client).status_code == 302


def test_spam_counts_against_its_address(client: Client, clinic: Clinic, settings: Any) -> None:
    settings.INQUIRY_RATE_LIMIT_PER_HOUR = 2
    _send(client, website="spam")
    _send(client, website="spam")
    assert _send(client, website="spam").status_code == 429
    assert _send(client).status_code == 429
    assert Inquiry.objects.count() == 0


def test_the_form_is_answered_plainly_when_no_clinic_is_set_up(client: Client) -> None:
    response = _send(client)
    assert response.status_code == 503
    assert "We cannot take inquiries online at the moment" in response.content.decode()
    assert Inquiry.objects.count() == 0


def test_the_form_asks_to_be_sent_by_post(client: Client, clinic: Clinic) -> None:
    html = client.get(reverse("website:contact")).content.decode()
    assert f'method="post" action="{reverse("website:contact")}"' in html


def test_details_in_the_query_string_are_never_taken_up(client: Client, clinic: Clinic) -> None:
    response = client.get(reverse("website:contact"), {"email": "leak@mail.test", "full_name": "X"})
    assert "leak@mail.test" not in response.content.decode()
    assert Inquiry.objects.count() == 0


def test_the_form_fields_are_labelled_and_marked_for_autofill(
    client: Client, clinic: Clinic
) -> None:
    html = client.get(reverse("website:contact")).content.decode()
    for label in [
        "Your name",
        "Email",
        "Phone",
        "How should we contact you?",
        "What would you like help with?",
        "Anything you would like us to know (optional)",
        "I agree that the clinic may contact me",
    ]:
        assert label in html
    assert 'autocomplete="name"' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="tel"' in html
    assert 'maxlength="4000"' in html
