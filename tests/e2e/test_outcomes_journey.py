"""Issue 8 in the browser: a patient in an induction course signs in to the portal (password,
then the code emailed to them) on a phone and completes the PHQ-9 that is due; the physician
opens the patient's outcomes and sees the trend and the response; a later answer with item 9
positive shows the patient crisis resources and puts an urgent task on the physician's list."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail

from ketaclinic.care.tests.support import course_with_history
from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.models import MeasureDue, MeasurePlan
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import make_personas
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _due(course: Any, sequence: int) -> MeasureDue:
    today = course.clinic.local_today()
    plan, _ = MeasurePlan.objects.get_or_create(
        course=course,
        defaults={
            "clinic": course.clinic,
            "patient": course.patient,
            "instruments": ["phq9"],
            "planned_on": today,
        },
    )
    return MeasureDue.objects.create(
        clinic=course.clinic,
        plan=plan,
        course=course,
        patient=course.patient,
        instrument="phq9",
        reason="before_infusion",
        sequence=sequence,
        due_on=today,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=1),
    )


def _answer_phq9(page: Any, *, each: int, item9: int) -> None:
    for number in range(1, 9):
        page.locator(f"input[name='phq9.{number}'][value='{each}']").check()
    page.locator(f"input[name='phq9.9'][value='{item9}']").check()
    page.get_by_role("button", name="Send my answers").click()


def test_portal_phq9_to_the_physicians_trend_and_the_urgent_task(
    browser: Any, live_server: Any
) -> None:
    personas = make_personas()
    course = course_for(personas)
    # Baseline 20 before infusion 1, 18 before infusion 2, then two infusions given.
    course_with_history(personas, course, [20, 18, 17])
    _due(course, sequence=3)

    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, is_mobile=True
    )
    patient = phone.new_page()
    patient.set_default_timeout(15_000)
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
    _answer_phq9(patient, each=1, item9=0)  # total 8: from 20, a response
    patient.get_by_text("Thank you").first.wait_for()
    assert "phq" not in patient.url.lower()  # no instrument, score or name in the address

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    physician = desk.new_page()
    physician.set_default_timeout(15_000)
    sign_in_staff(physician, personas.bob.email)
    physician.goto(f"/staff/care/patients/{personas.pat.pk}/")
    physician.locator("svg").first.wait_for()
    physician.get_by_text("Response", exact=False).first.wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    physician.screenshot(path=str(ARTIFACTS / "outcomes_trend.png"), full_page=True)

    # A later answer with item 9 positive: crisis resources for the patient, a task for the
    # physician.
    _due(course, sequence=4)
    patient.goto("/portal/")
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
