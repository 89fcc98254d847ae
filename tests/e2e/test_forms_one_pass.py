"""Forms report every problem in one submit, in a summary at the top that takes the focus and
links each message to its field; intake lists grow and shrink in the page (issue 16, items 3
and 5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from ketaclinic.intake.models import Intake
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_registration_shows_four_linked_messages_after_one_submit(page: Any) -> None:
    personas = make_personas()
    sign_in_staff(page, personas.fran.email)
    page.goto(reverse("patients:register"))
    page.get_by_label("Legal first name").fill("Maya")
    page.get_by_label("Legal last name").fill("Torres")
    page.get_by_label("Date of birth").fill("2999-01-01")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Phone", exact=True).fill("555")
    page.get_by_label("Email").fill("maya@")
    page.get_by_label("State").fill("Colorado")
    page.get_by_role("button", name="Register patient").click()

    summary = page.get_by_role("alert").filter(has_text="things need attention")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    expect(links).to_have_count(4)
    expect(links.nth(0)).to_have_text("Date of birth: The date of birth is in the future.")
    expect(links.nth(0)).to_have_attribute("href", "#id_date_of_birth")
    for index, field in enumerate(("phone", "email", "state"), start=1):
        expect(links.nth(index)).to_have_attribute("href", f"#id_{field}")
    links.nth(2).click()
    expect(page.locator("#id_email")).to_be_focused()
    assert not Patient.objects.filter(legal_last_name="Torres").exists()
    assert page.outside_requests == []


def test_a_medication_row_is_added_and_removed_without_a_reload(page: Any) -> None:
    personas = make_personas()
    sign_in_staff(page, personas.nina.email)
    page.goto(reverse("intake:edit", args=[personas.pat.pk]))
    page.get_by_label("Psychiatric history").fill("Recurrent depression since 2009.")
    page.locator("#id_medication-0-name").fill("sertraline")
    page.evaluate("window.notReloaded = true")

    page.get_by_role("button", name="Add medication").click()
    expect(page.locator("#id_medication-1-name")).to_be_focused()
    page.locator("#id_medication-1-name").fill("lorazepam")
    page.get_by_role("button", name="Add medication").click()
    page.locator("#id_medication-2-name").fill("bupropion")
    page.get_by_role("button", name="Remove medication").nth(2).click()
    expect(page.locator("#id_medication-2-name")).to_be_hidden()
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("input[name='medication-TOTAL_FORMS']")).to_have_value("3")

    page.get_by_role("button", name="Save draft").click()
    page.get_by_text("Draft saved.").wait_for()
    names = set(Intake.objects.get(patient=personas.pat).medications.values_list("name", flat=True))
    assert names == {"sertraline", "lorazepam"}
