"""The front desk registers a patient and sends questionnaires; the patient answers by link with a
suicide-risk answer; the physician sees the urgent task at once and closes it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_registration_screening_link_and_the_urgent_task(
    page: Any, browser: Any, live_server: Any
) -> None:
    personas = make_personas()
    sign_in_staff(page, personas.fran.email)
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Legal first name").fill("Maya")
    page.get_by_label("Legal last name").fill("Torres")
    page.get_by_label("Date of birth").fill("1988-04-12")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Phone", exact=True).fill("(303) 555-0199")
    page.get_by_label("Driver home (escort)").fill("Luis Torres")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Maya Torres")).to_be_visible()
    patient = Patient.objects.get(legal_last_name="Torres")

    page.get_by_role("link", name="Send a link").click()
    # Nothing is ticked for the staff member; the clinic's general screening set is named as a
    # suggestion (what a patient can answer alone), and the link holds what is ticked.
    expect(page.get_by_text("still asks for PHQ-9, GAD-7, AUDIT-C")).to_be_visible()
    for name in ("PHQ-9", "GAD-7", "AUDIT-C"):
        assert not page.get_by_label(name, exact=True).is_checked()
        page.get_by_label(name, exact=True).check()
    assert not page.get_by_label("PCL-5").is_checked()
    page.get_by_role("button", name="Create link").click()
    expect(page.get_by_text("Link ready with PHQ-9, GAD-7, AUDIT-C.", exact=False)).to_be_visible()
    link = page.locator("code").inner_text()
    assert re.search(r"/q/[A-Za-z0-9_-]{20,}/$", link)

    patient_context = browser.new_context(base_url=live_server.url)
    patient_page = patient_context.new_page()
    patient_page.goto(link)
    for number in range(1, 10):
        patient_page.locator(f'input[name="phq9__phq9.{number}"][value="1"]').check()
    for number in range(1, 8):
        patient_page.locator(f'input[name="gad7__gad7.{number}"][value="0"]').check()
    for number in range(1, 4):
        patient_page.locator(f'input[name="audit_c__audit_c.{number}"][value="0"]').check()
    patient_page.get_by_role("button", name="Send my answers").click()
    patient_page.locator("#crisis-resources-heading").wait_for()  # the crisis resources panel
    expect(patient_page.get_by_text("988").first).to_be_visible()
    assert ClinicalTask.objects.filter(patient=patient, priority="urgent").exists()
    patient_context.close()

    physician_context = browser.new_context(base_url=live_server.url)
    physician = physician_context.new_page()
    sign_in_staff(physician, personas.bob.email)
    expect(physician.get_by_role("heading", name="Needs a physician now")).to_be_visible()
    physician.get_by_role("link", name="Maya Torres").click()
    physician.get_by_role("link", name="Complete").click()
    physician.get_by_label("What was done").fill(
        "Called Maya; safety plan reviewed; consult moved to tomorrow."
    )
    physician.get_by_role("button", name="Complete task").click()
    expect(physician.get_by_text("Task completed.")).to_be_visible()
    assert not ClinicalTask.objects.filter(patient=patient, completed_at__isnull=True).exists()
    physician_context.close()
    assert page.outside_requests == []
