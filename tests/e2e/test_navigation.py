"""The clinic admin, who has the most links, sees every one of them and Sign out on a 1024 px
screen, and finds a patient by MRN from the navigation bar (issue 16, item 11)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IN_THE_BAR = ("Today", "Arrivals", "Schedule", "Patients", "Inquiries", "Messages")
MENUS = {
    "Clinic": ("Dashboard", "Stock", "Clinic settings"),
    "Admin": ("Staff", "Audit", "API tokens"),
}


def _assert_on_screen(page: Any, locator: Any) -> None:
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["x"] >= 0, box
    assert box["y"] >= 0, box
    assert box["x"] + box["width"] <= viewport["width"], (box, viewport)
    assert box["y"] + box["height"] <= viewport["height"], (box, viewport)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1280, 800)])
def test_the_clinic_admins_navigation_fits_the_screen(page: Any, width: int, height: int) -> None:
    personas = make_personas()
    page.set_viewport_size({"width": width, "height": height})
    sign_in_staff(page, personas.ada.email)
    nav = page.get_by_role("navigation", name="Main")
    for name in IN_THE_BAR:
        _assert_on_screen(page, nav.get_by_role("link", name=name, exact=True))
    for menu, links in MENUS.items():
        toggle = nav.get_by_role("button", name=menu, exact=True)
        _assert_on_screen(page, toggle)
        toggle.click()
        for name in links:
            _assert_on_screen(page, nav.get_by_role("link", name=name, exact=True))
        page.keyboard.press("Escape")
        expect(nav.get_by_role("link", name=links[0], exact=True)).to_be_hidden()
    _assert_on_screen(page, nav.get_by_label("Find a patient by name, MRN or birth date"))
    _assert_on_screen(page, nav.get_by_text("Ada Admin"))
    _assert_on_screen(page, nav.get_by_role("button", name="Sign out"))
    assert page.outside_requests == []


def test_an_mrn_typed_in_the_navigation_opens_the_chart(page: Any) -> None:
    personas = make_personas()
    page.set_viewport_size({"width": 1024, "height": 768})
    sign_in_staff(page, personas.ada.email)
    search = page.get_by_label("Find a patient by name, MRN or birth date")
    search.fill(personas.quinn.medical_record_number.lower())
    search.press("Enter")
    page.wait_for_url(f"**/staff/patients/{personas.quinn.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{personas.quinn.legal_first_name} {personas.quinn.legal_last_name}"
    )
