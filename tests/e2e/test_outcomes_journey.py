"""Issue 8 in the browser: the daily round plans the PHQ-9 due before a patient's next infusion
and emails them a single-use link; the patient opens the link from that email on a phone and
answers; the physician sees the score on the patient's questionnaires, the trend and the response.
A later PHQ-9, planned by the next round and answered in the portal (password, then the code
emailed to them), with item 9 positive shows the patient crisis resources and puts an urgent task
on the physician's list."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from ketaclinic.care.tests.support import course_with_history
from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.measures.services import REMINDER_SUBJECT
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas, make_personas
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _book_infusion(personas: Personas, course: Any, on: datetime.date) -> None:
    """The course's next infusion, booked as course_with_history writes its history; what is due
    before it is left to the app's daily round."""
    starts = datetime.datetime.combine(on, datetime.time(10), tzinfo=course.clinic.zone)
    Appointment.objects.create(
        clinic=course.clinic,
        patient=course.patient,
        kind="iv_infusion",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        course=course,
        booked_by=personas.fran,
    )


def _daily_round_link() -> str:
    """Run the daily round as `ketaclinic measures run` does, and the path of the one link in
    the reminder it emails."""
    mail.outbox.clear()
    call_command("measures", "run", stdout=io.StringIO())
    reminders = [email for email in mail.outbox if email.subject == REMINDER_SUBJECT]
    assert len(reminders) == 1
    links = re.findall(r"https?://\S+", reminders[0].body)
    assert len(links) == 1
    return urlsplit(links[0]).path


def _answer_phq9(page: Any, *, each: int, item9: int, prefix: str = "") -> None:
    """`prefix`: the emailed link's page names each item after its instrument (`phq9__`)."""
    for number in range(1, 9):
        page.locator(f"input[name='{prefix}phq9.{number}'][value='{each}']").check()
    page.locator(f"input[name='{prefix}phq9.9'][value='{item9}']").check()
    page.get_by_role("button", name="Send my answers").click()


def test_emailed_phq9_to_the_physicians_trend_and_the_urgent_task(
    browser: Any, live_server: Any
) -> None:
    personas = make_personas()
    course = course_for(personas)
    # Baseline 20 before infusion 1, 18 before infusion 2, then two infusions given; the third is
    # booked for today, so the round sends the PHQ-9 due before it.
    course_with_history(personas, course, [20, 18, 17])
    today = course.clinic.local_today()
    _book_infusion(personas, course, today)
    link_path = _daily_round_link()

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    patient = phone.new_page()
    patient.set_default_timeout(15_000)
    patient.goto(link_path)
    _answer_phq9(patient, each=1, item9=0, prefix="phq9__")  # total 8: from 20, a response
    patient.get_by_text("Thank you").first.wait_for()
    assert "phq" not in patient.url.lower()  # no instrument, score or name in the address

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    physician = desk.new_page()
    physician.set_default_timeout(15_000)
    sign_in_staff(physician, personas.bob.email)
    physician.goto(f"/staff/care/patients/{personas.pat.pk}/")
    latest = physician.locator("tr.outcome-row[data-instrument='phq9']").get_by_role("cell").nth(1)
    expect(latest).to_have_text(re.compile(r"^\s*8\s"))  # the score just sent, the latest
    physician.locator("svg").first.wait_for()
    physician.get_by_text("Response", exact=False).first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    physician.screenshot(path=str(ARTIFACTS / "outcomes_trend.png"), full_page=True)

    # The fourth infusion is booked for tomorrow: the next round plans its PHQ-9 and the patient
    # answers it in the portal, item 9 positive: crisis resources for the patient, a task for
    # the physician.
    _book_infusion(personas, course, today + datetime.timedelta(days=1))
    _daily_round_link()
    # The round also matched the emailed answer to what was due before infusion 3.
    answered = MeasureDue.objects.get(course=course, reason="before_infusion", sequence=3)
    assert answered.status == DueStatus.COMPLETED
    physician.goto(f"/staff/measures/patients/{personas.pat.pk}/")
    row = physician.get_by_role("row").filter(has_text="Before infusion 3")
    expect(row.get_by_role("cell", name=re.compile(r"^8 \("))).to_be_visible()
    patient.goto("/accounts/login/")
    patient.get_by_label("Email").fill(personas.pat_user.email)
    patient.get_by_label("Password").fill(TEST_PASSWORD)
    patient.get_by_role("button", name="Sign in").click()
    patient.locator("input[name='code']").wait_for()
    code = re.findall(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, flags=re.MULTILINE)[0]
    assert personas.pat.legal_last_name not in mail.outbox[-1].body
    patient.locator("input[name='code']").fill(code)
    patient.locator("form button[type=submit]").first.click()
    patient.wait_for_url("**/portal/")
    patient.get_by_role("link", name="Fill in").first.click()
    _answer_phq9(patient, each=1, item9=1)
    patient.locator("#crisis-resources-heading").wait_for()
    patient.get_by_text("988").first.wait_for()
    task = ClinicalTask.objects.get(patient=personas.pat, priority="urgent")
    assert task.acknowledge_by is not None
    physician.goto("/staff/outcomes/tasks/")
    physician.get_by_text(task.title).first.wait_for()
    phone.close()
    desk.close()
