"""A person finds the clinic's site, sends an inquiry, and the front desk works it in the queue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.clinics.models import OpeningHours
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_public_site_shows_the_clinic_and_loads_nothing_from_elsewhere(page: Any) -> None:
    personas = make_personas()
    OpeningHours.objects.create(
        clinic=personas.clinic, weekday=0, opens_at=datetime.time(7), closes_at=datetime.time(18)
    )
    page.goto("/")
    expect(page.get_by_role("heading", name="When depression hasn't lifted")).to_be_visible()
    expect(page.get_by_text("1 Main Street").first).to_be_visible()
    for link in ["Ketamine therapy", "Conditions", "What to expect", "Safety"]:
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=link, exact=True
        ).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.outside_requests == []


def test_an_inquiry_travels_from_the_website_to_the_front_desk(page: Any) -> None:
    personas = make_personas()
    page.goto("/contact/")
    page.get_by_label("Your name").fill("Rachel Simmons")
    page.get_by_role("button", name="Send").click()
    # Refused with messages on the fields; nothing stored.
    expect(page.get_by_text("We can only reply if you agree to be contacted.")).to_be_visible()
    assert Inquiry.objects.count() == 0

    page.get_by_role("textbox", name="Email").fill("rachel@mail.test")
    page.get_by_role("radio", name="Email").check()
    page.get_by_label("What would you like help with?").select_option("depression")
    page.get_by_label("Anything you would like us to know").fill("Three antidepressants so far.")
    page.get_by_label("I agree that the clinic may contact me").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/contact/thank-you/")
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    assert "rachel" not in page.url
    inquiry = Inquiry.objects.get()
    assert inquiry.clinic == personas.clinic

    sign_in_staff(page, personas.fran.email)
    page.get_by_role("link", name="Inquiries", exact=True).click()
    page.get_by_role("link", name="Rachel Simmons").click()
    expect(page.get_by_text("Three antidepressants so far.")).to_be_visible()
    page.get_by_label("Status").select_option("contacted")
    page.get_by_role("textbox", name="Note").fill("Called back; consult offered for Thursday.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Called back; consult offered for Thursday.")).to_be_visible()
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CONTACTED
    assert page.outside_requests == []
