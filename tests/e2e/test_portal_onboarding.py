"""Issue 16, item 1 in the browser: the front desk invites a patient the clinic registered to the
portal from the chart; the patient opens the link from that email on a phone (390 px), chooses a
password, signs in with it and the one-time code emailed to them, reaches the portal home and
fills in the PHQ-9 due before their first infusion."""

from __future__ import annotations

import datetime
import re
from typing import Any, cast
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.measures.services import measures_plan_for_course
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.portal.invitations import INVITATION_SUBJECT
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import Personas, make_personas
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "quiet-harbour-lantern-42"


def _patient_with_a_phq9_due(personas: Personas) -> Patient:
    """Registered without a portal account; approved, consented, a course signed and infusion 1
    booked for tomorrow, so the measurement plan has the PHQ-9 before it open now."""
    patient = cast(
        Patient,
        PatientFactory(
            clinic=personas.clinic, legal_first_name="Rosa", email="rosa.lindqvist@mail.test"
        ),
    )
    course = course_for(personas, patient)
    starts = datetime.datetime.combine(
        personas.clinic.local_today() + datetime.timedelta(days=1),
        datetime.time(10),
        tzinfo=personas.clinic.zone,
    )
    Appointment.objects.create(
        clinic=personas.clinic,
        patient=patient,
        kind="iv_infusion",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        course=course,
        booked_by=personas.fran,
    )
    measures_plan_for_course(course=course)
    return patient


def _emailed_link(subject: str) -> str:
    emails = [email for email in mail.outbox if email.subject == subject]
    assert len(emails) == 1
    links = re.findall(r"https?://\S+", emails[0].body)
    assert len(links) == 1
    return urlsplit(links[0]).path


def test_front_desk_invites_and_the_patient_signs_in_on_a_phone(
    browser: Any, live_server: Any
) -> None:
    personas = make_personas()
    patient = _patient_with_a_phq9_due(personas)
    assert MeasureDue.objects.filter(patient=patient, instrument="phq9", status="due").exists()

    # 1. The front desk opens the chart: no account, invites.
    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    staff = desk.new_page()
    staff.set_default_timeout(15_000)
    sign_in_staff(staff, personas.fran.email)
    staff.goto(f"/staff/patients/{patient.pk}/")
    portal_line = staff.locator(".portal-access")
    expect(portal_line).to_contain_text("Not invited")
    mail.outbox.clear()
    staff.get_by_role("button", name="Invite to the portal").click()
    expect(staff.get_by_text("Invitation emailed to rosa.lindqvist@mail.test")).to_be_visible()
    expect(portal_line).to_contain_text("Invited")
    link = _emailed_link(INVITATION_SUBJECT)

    # 2. The patient opens the link on her phone and chooses a password.
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    rosa = phone.new_page()
    rosa.set_default_timeout(15_000)
    rosa.goto(link)
    expect(rosa.get_by_role("heading", name="Set up your portal account")).to_be_visible()
    button = rosa.get_by_role("button", name="Create my account")
    box = button.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    assert rosa.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    rosa.get_by_label("Choose a password").fill("short")
    rosa.get_by_label("Type the password again").fill("short")
    button.click()
    expect(rosa.get_by_text("too short", exact=False)).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    rosa.screenshot(path=str(ARTIFACTS / "portal_onboarding_password.png"), full_page=True)
    rosa.get_by_label("Choose a password").fill(PASSWORD)
    rosa.get_by_label("Type the password again").fill(PASSWORD)
    rosa.get_by_role("button", name="Create my account").click()
    rosa.wait_for_url("**/accounts/login/")
    expect(rosa.get_by_text("Your portal account is ready")).to_be_visible()

    # 3. She signs in: password, then the code emailed to her.
    mail.outbox.clear()
    rosa.get_by_label("Email").fill("rosa.lindqvist@mail.test")
    rosa.get_by_label("Password").fill(PASSWORD)
    rosa.get_by_role("button", name="Sign in").click()
    rosa.locator("input[name='code']").wait_for()
    assert mail.outbox[-1].to == ["rosa.lindqvist@mail.test"]
    code = re.findall(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, flags=re.MULTILINE)[0]
    rosa.locator("input[name='code']").fill(code)
    rosa.locator("form button[type=submit]").first.click()
    rosa.wait_for_url("**/portal/")

    # 4. The portal home: her PHQ-9 before infusion 1 is waiting; she fills it in.
    rosa.get_by_role("link", name="Fill in").first.click()
    for number in range(1, 10):
        rosa.locator(f"input[name='phq9.{number}'][value='{1 if number < 9 else 0}']").check()
    rosa.get_by_role("button", name="Send my answers").click()
    rosa.get_by_text("Thank you").first.wait_for()
    assert QuestionnaireResponse.objects.get(patient=patient, instrument="phq9").total == 8
    assert MeasureDue.objects.get(patient=patient, instrument="phq9").status == DueStatus.COMPLETED

    # 5. The chart now says the account is active.
    staff.goto(f"/staff/patients/{patient.pk}/")
    expect(staff.locator(".portal-access")).to_contain_text("Active")
    expect(staff.get_by_role("button", name="Invite to the portal")).to_have_count(0)
    phone.close()
    desk.close()
