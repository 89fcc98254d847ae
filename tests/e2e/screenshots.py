"""`make screenshots`: the pictures in docs/screenshots/, taken in Chromium over the demo clinic.

The demo (`ketaclinic demo`'s own builder) is built in the live test server's database at a fixed
moment, a Tuesday mid-morning at Catalyst Clinic, so its board is live and every run pictures the
same scene: the session page of the patient mid-infusion with a low-saturation warning
on a tablet (1024×768 landscape, 768×1024 portrait), the demo patient's portal home on a 390 px
phone, and the dashboard on a 1280×800 laptop.

Not a test of the suite: pytest collects `test_*.py` only, so `make test` (CI) never runs this
file; `make screenshots` names it. It is linted and type-checked with the rest of tests/.
"""

from __future__ import annotations

import datetime
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.utils import timezone

from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.demo.builder import build_demo
from ketaclinic.demo.people import (
    DEMO_PASSWORD,
    DEMO_PATIENT_EMAIL,
    DEMO_TIME_ZONE,
    demo_totp_secret,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
# A Tuesday at 11:30 in Denver, within opening hours: the demo charts its busy board as of then
# (demo/clinic_day.py), a patient in every state of the day.
MOMENT = datetime.datetime(2026, 3, 10, 11, 30, tzinfo=ZoneInfo(DEMO_TIME_ZONE))
INFUSING_MRN = "CAT-00012"  # demo/sessions_today.py: mid-infusion, SpO2 warning


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """Opens a page at a viewport in its own browser context (its own sign-in)."""
    contexts: list[Any] = []

    def open_page(viewport: dict[str, int]) -> Any:
        context = browser.new_context(base_url=live_server.url, viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        # Bootstrap animates only when motion is welcome: still pictures, every run alike.
        page.emulate_media(reduced_motion="reduce")
        return page

    yield open_page
    for context in contexts:
        context.close()


def _sign_in_staff(page: Any, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    code = format_hotp_value(hotp_value(demo_totp_secret(email), int(time.time()) // 30))
    page.get_by_label("Authenticator code").fill(code)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/staff/")


def _sign_in_patient(page: Any, email: str) -> None:
    mail.outbox.clear()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name='code']").wait_for()
    code = re.findall(r"^\s*(\d{6})\s*$", mail.outbox[-1].body, flags=re.MULTILINE)[0]
    page.locator("input[name='code']").fill(code)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/portal/")


def _shot(page: Any, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / name))


def test_regenerate_the_screenshots(new_page: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with time_machine.travel(MOMENT, tick=True):
        summary = build_demo(now=timezone.now())
        assert summary.busy is not None
        assert summary.busy.is_live, "the demo's board is not charted at MOMENT"
        session = TreatmentSession.objects.get(
            patient__medical_record_number=INFUSING_MRN, status=SessionStatus.INFUSING
        )

        tablet = new_page(LANDSCAPE)
        _sign_in_staff(tablet, "nurse.chen@catalyst.example")
        tablet.goto(f"/staff/sessions/{session.pk}/")
        tablet.locator("#session-header .session-alarm").first.wait_for()
        _shot(tablet, "session-tablet-landscape.png")
        tablet.set_viewport_size(PORTRAIT)
        _shot(tablet, "session-tablet-portrait.png")

        phone = new_page(PHONE)
        _sign_in_patient(phone, DEMO_PATIENT_EMAIL)
        phone.goto("/portal/")  # again, without the one-off "signed in" message
        phone.locator("main").wait_for()
        _shot(phone, "portal-home-phone.png")

        laptop = new_page(LAPTOP)
        _sign_in_staff(laptop, "dr.rivera@catalyst.example")
        laptop.goto("/staff/dashboard/")
        laptop.locator("main svg").first.wait_for()
        _shot(laptop, "dashboard-laptop.png")
