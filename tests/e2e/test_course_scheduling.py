"""Issue 5 in the browser: the physician plans and signs a course and its dose order; the front
desk books the induction series in one step, finds it on the day view and moves one."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.consent.models import Treatment
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.tests.support import consent, open_weekdays
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_course_series_day_view_and_reschedule(page: Any, browser: Any, live_server: Any) -> None:
    personas = make_personas()
    open_weekdays(personas.clinic)
    for n in (1, 2, 3):
        ChairFactory(room__clinic=personas.clinic, name=f"Chair {n}")
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    name = personas.pat.display_name

    # The physician plans the course and signs the dose order.
    sign_in_staff(page, personas.bob.email)
    page.goto(f"/staff/patients/{personas.pat.pk}/")
    page.get_by_role("link", name="Plan a course").click()
    page.get_by_label("Induction infusions").fill("6")
    page.get_by_role("button", name="Sign the course").click()
    page.get_by_text("Course signed.").wait_for()
    page.get_by_label("Dose (mg/kg)").fill("0.5")
    page.get_by_role("button", name="Sign dose order").click()
    page.get_by_text("Dose order signed.").wait_for()
    course = TreatmentCourse.objects.get(patient=personas.pat)
    assert course.orders.count() == 1

    # The front desk proposes the series (Mon/Wed/Fri at 9:00) and confirms it.
    desk_context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 900}
    )
    desk = desk_context.new_page()
    desk.set_default_timeout(15_000)
    sign_in_staff(desk, personas.fran.email)
    desk.goto(f"/staff/courses/{course.pk}/")
    today = personas.clinic.local_today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    desk.get_by_label("From").fill(monday.isoformat())
    desk.get_by_label("Preferred time").fill("09:00")
    desk.get_by_role("button", name="Propose the series").click()
    expect(desk.get_by_role("button", name="Confirm the series")).to_be_visible()
    assert (
        desk.locator("#id_row5-day").input_value()
        == (monday + datetime.timedelta(days=11)).isoformat()
    )
    desk.get_by_role("button", name="Confirm the series").click()
    desk.get_by_text("Booked 6 treatments.").wait_for()
    assert Appointment.objects.filter(course=course).count() == 6

    # On the day view for Monday, in Chair 1 at 9:00.
    desk.goto(f"/staff/schedule/?day={monday.isoformat()}")
    chair = desk.get_by_role("region", name="Chair 1")
    expect(chair.get_by_text(name)).to_be_visible()
    chair.get_by_role("link", name="09:00–10:40").click()

    # Move it to 8:00 in Chair 2 (11:00 would be under 48 h before Wednesday's: refused).
    desk.get_by_label("Time (clinic time)").fill("11:00")
    desk.get_by_label("Reason for moving it").fill("Patient works until 10 on Mondays")
    desk.get_by_role("button", name="Move").click()
    expect(desk.get_by_text("the minimum is 48 h")).to_be_visible()
    desk.get_by_label("Time (clinic time)").fill("08:00")
    desk.get_by_label("Chair").select_option(label="Chair 2")
    desk.get_by_role("button", name="Move").click()
    desk.get_by_text("Appointment moved.").wait_for()
    moved = Appointment.objects.filter(course=course).order_by("starts_at").first()
    assert moved is not None
    local = moved.starts_at.astimezone(personas.clinic.zone)
    assert (local.date(), local.hour, moved.chair.name) == (monday, 8, "Chair 2")
    desk.goto(f"/staff/schedule/?day={monday.isoformat()}")
    expect(
        desk.get_by_role("region", name="Chair 2").get_by_role("link", name="08:00–09:40")
    ).to_be_visible()
    desk_context.close()
    assert page.outside_requests == []
