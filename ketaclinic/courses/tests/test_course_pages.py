"""The course pages: who plans and signs, who books; the front desk books without seeing doses."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.consent.models import Treatment
from ketaclinic.courses.models import CourseStatus, DoseOrder, TreatmentCourse
from ketaclinic.courses.services import dose_order_sign
from ketaclinic.courses.tests.support import consent, course_for, open_weekdays
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

SIGNERS = {Role.PHYSICIAN, Role.MEDICAL_DIRECTOR}


@pytest.mark.parametrize("role", list(Role))
def test_only_physicians_plan_a_course(client_for: Any, personas: Personas, role: Role) -> None:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    client = client_for(personas.staff_by_role()[role])
    url = reverse("courses:new", args=[personas.pat.pk])
    page = client.get(url)
    assert page.status_code == (200 if role in SIGNERS else 403)
    response = client.post(
        url,
        {
            "target_infusions": "6",
            "starting_dose": "0.5",
            "titration_plan": "Ladder at review.",
            "booster_plan": "As needed.",
        },
    )
    assert response.status_code == (302 if role in SIGNERS else 403)
    assert TreatmentCourse.objects.exists() == (role in SIGNERS)


def test_a_refused_plan_keeps_what_was_typed(client_for: Any, personas: Personas) -> None:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    response = client_for(personas.bob).post(
        reverse("courses:new", args=[personas.pat.pk]),
        {
            "target_infusions": "6",
            "starting_dose": "1.3",
            "titration_plan": "My own words",
            "booster_plan": "As needed.",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "above this protocol&#x27;s cap" in text
    assert "My own words" in text
    assert not TreatmentCourse.objects.exists()


def test_a_patient_not_approved_cannot_have_a_course_planned(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.bob).get(reverse("courses:new", args=[personas.pat.pk]))
    assert response.status_code == 409
    assert b"once a physician has approved" in response.content


def test_the_physician_signs_an_order_and_the_front_desk_books_from_the_course(
    client_for: Any, personas: Personas
) -> None:
    open_weekdays(personas.clinic)
    course = course_for(personas)
    chair = ChairFactory(room__clinic=personas.clinic, name="Chair 3")
    url = reverse("courses:detail", args=[course.pk])
    signed = client_for(personas.bob).post(
        url, {"action": "order", "order-dose": "0.5", "order-valid_days": "30"}
    )
    assert signed.status_code == 302
    assert DoseOrder.objects.filter(course=course).count() == 1

    desk = client_for(personas.fran)
    page = desk.get(url)
    assert page.status_code == 200
    assert "Dose orders" not in page.content.decode()  # no doses for the front desk
    day = personas.clinic.local_today() + datetime.timedelta(days=2)
    booked = desk.post(
        url,
        {
            "action": "book",
            "book-kind": "iv_infusion",
            "book-day": day.isoformat(),
            "book-time": "09:00",
            "book-chair": str(chair.pk),
        },
    )
    assert booked.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.course == course
    refused = desk.post(
        url,
        {
            "action": "book",
            "book-kind": "iv_infusion",
            "book-day": (day + datetime.timedelta(days=1)).isoformat(),
            "book-time": "09:00",
            "book-chair": str(chair.pk),
        },
    )
    assert refused.status_code == 200
    assert "the minimum is 48 h" in refused.content.decode()


def test_the_course_status_changes_from_its_page(client_for: Any, personas: Personas) -> None:
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    url = reverse("courses:detail", args=[course.pk])
    client_for(personas.bob).post(url, {"action": "status", "status-to_status": "induction"})
    course.refresh_from_db()
    assert course.status == CourseStatus.INDUCTION
    nurse = client_for(personas.nina).post(
        url, {"action": "status", "status-to_status": "completed"}
    )
    assert nurse.status_code == 403
    chart = client_for(personas.bob).get(reverse("patients:detail", args=[personas.pat.pk]))
    assert "Open the course" in chart.content.decode()


def test_the_front_desk_proposes_adjusts_and_confirms_the_series(
    client_for: Any, personas: Personas
) -> None:
    open_weekdays(personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    chairs = [ChairFactory(room__clinic=personas.clinic, name=f"Chair {n}") for n in (1, 2)]
    url = reverse("courses:detail", args=[course.pk])
    desk = client_for(personas.fran)
    today = personas.clinic.local_today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    proposal = desk.post(
        url,
        {
            "action": "propose",
            "series-first_day": monday.isoformat(),
            "series-weekdays": ["0", "2", "4"],
            "series-preferred_time": "09:00",
            "series-count": "6",
        },
    )
    assert proposal.status_code == 200
    rows = proposal.context["proposal_forms"]
    assert len(rows) == 6
    data: dict[str, str] = {"action": "confirm", "rows": "6"}
    for number, row in enumerate(rows):
        data[f"row{number}-day"] = row.initial["day"].isoformat()
        data[f"row{number}-time"] = row.initial["time"].strftime("%H:%M")
        data[f"row{number}-chair"] = str(row.initial["chair"].pk)
    # The front desk moves the third one to 10:30 in Chair 2.
    data["row2-time"] = "10:30"
    data["row2-chair"] = str(chairs[1].pk)
    # A clash first: the fourth moved onto the third's day is refused and nothing is booked.
    clash = {**data, "row3-day": data["row2-day"]}
    refused = desk.post(url, clash)
    assert refused.status_code == 200
    assert "Nothing in the series was booked" in refused.content.decode()
    assert not Appointment.objects.exists()
    confirmed = desk.post(url, data)
    assert confirmed.status_code == 302
    appointments = list(Appointment.objects.filter(course=course).order_by("starts_at"))
    assert len(appointments) == 6
    third = appointments[2].starts_at.astimezone(personas.clinic.zone)
    assert (third.hour, third.minute, appointments[2].chair) == (10, 30, chairs[1])
