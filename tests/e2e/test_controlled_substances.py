"""Issue 6 in the browser: the nurse receives stock into the safe; at a session she draws,
records what was given and wastes the rest with the physician signing as witness; the safe is
counted; the dispensing report shows the administration and the waste."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.inventory.models import Container, Discrepancy, Movement, MovementKind, StockCount
from ketaclinic.inventory.tests.support import infusion, ketamine_50, safe
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_receive_draw_waste_count_and_report(page: Any, live_server: Any) -> None:
    personas = make_personas()
    product = ketamine_50(personas.clinic)
    location = safe(personas.clinic)
    appointment = infusion(personas)
    today = personas.clinic.local_today()

    sign_in_staff(page, personas.nina.email)
    page.get_by_role("link", name="Stock", exact=True).click()
    page.get_by_role("link", name="Receive stock").first.click()
    page.get_by_label("Supplier name").fill("Henry Schein Medical")
    page.get_by_label("Supplier address").fill("135 Duryea Road, Melville, NY 11747")
    page.get_by_label("Supplier's DEA number").fill("BR1234563")
    page.get_by_label("Invoice number").fill("HS-771")
    page.get_by_label("Date actually received").fill(today.isoformat())
    page.get_by_label("Product").select_option(label=product.name)
    page.get_by_label("Lot number").fill("KT2611")
    page.get_by_label("Expiry").fill((today + datetime.timedelta(days=400)).isoformat())
    page.get_by_label("Number of containers (vials or kits)").fill("2")
    page.get_by_label("Location").select_option(label=location.name)
    page.get_by_role("button", name="Record the receipt").click()
    page.get_by_text("V-00002").first.wait_for()
    assert Container.objects.count() == 2

    # The session: draw 0.8 mL, give 0.7 mL (35 mg), waste 0.1 mL witnessed by the physician.
    page.goto(f"/staff/inventory/sessions/{appointment.pk}/")
    vial = page.get_by_label("Container")
    vial.select_option(value=str(Container.objects.get(label="V-00001").pk))
    page.get_by_label("Amount drawn").fill("0.8")
    page.get_by_role("button", name="Record the draw").click()
    page.get_by_text("Still to account for").wait_for()
    page.get_by_label("Amount administered").fill("0.7")
    page.get_by_role("button", name="Record administered").click()
    page.get_by_label("Amount wasted").fill("0.1")
    page.locator("select[name$='-witness']").select_option(label=personas.bob.full_name)
    page.get_by_label("Witness's password").fill("not the password")
    page.get_by_role("button", name="Record the waste").click()
    page.get_by_text("password").first.wait_for()
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()
    page.get_by_label("Amount wasted").fill("0.1")
    page.locator("select[name$='-witness']").select_option(label=personas.bob.full_name)
    page.get_by_label("Witness's password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Record the waste").click()
    page.get_by_text("Fully accounted for.").wait_for()
    waste = Movement.objects.get(kind=MovementKind.WASTE)
    assert (waste.witness, waste.recorded_by) == (personas.bob, personas.nina)

    # The daily count of the safe: blind, then compared.
    page.goto("/staff/inventory/counts/record/")
    page.get_by_label("Count").select_option("daily")
    page.get_by_label("Location").select_option(label=location.name)
    page.get_by_role("button", name="Open the count sheet").click()
    page.get_by_label("V-00001: mL left").fill("9.2")
    page.get_by_text("Found, sealed").click()
    page.get_by_role("button", name="Record the count").click()
    page.get_by_text("9.2").first.wait_for()
    assert StockCount.objects.count() == 1
    assert not Discrepancy.objects.exists()

    # The dispensing log: one click from the reports.
    page.get_by_role("link", name="Reports").click()
    page.get_by_role("link", name="Dispensing log").first.click()
    expect(page.get_by_text(personas.pat.display_name).first).to_be_visible()
    rows = page.get_by_role("row").filter(has_text=personas.pat.display_name)
    administered = rows.filter(has_text="Administered").first
    expect(administered.get_by_role("cell", name="0.7", exact=True)).to_be_visible()
    expect(administered.get_by_role("cell", name="35", exact=True)).to_be_visible()
    wasted = rows.filter(has_text="Wasted (witnessed)").first
    expect(wasted.get_by_role("cell", name=personas.bob.full_name)).to_be_visible()
    assert page.outside_requests == []
