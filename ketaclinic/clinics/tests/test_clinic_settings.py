"""The clinic admin keeps the site's details, hours and chairs; bad input never saves half."""

from __future__ import annotations

import datetime
from typing import Any, cast

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import Chair, OpeningHours
from ketaclinic.clinics.services import opening_hours_replace
from ketaclinic.core.errors import InvalidInput
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

DETAILS = {
    "section": "details",
    "clinic-name": "Clinic A",
    "clinic-address_line1": "9 Elm Street",
    "clinic-city": "Denver",
    "clinic-state": "co",
    "clinic-postal_code": "80203",
    "clinic-phone": "(303) 555-0177",
    "clinic-timezone": "America/Denver",
    "clinic-dea_registration_number": "fc1234563",
    "clinic-patients_per_nurse": "3",
}


@pytest.mark.parametrize("role", list(Role))
def test_only_the_clinic_admin_manages_the_clinic(
    client_for: Any, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(reverse("clinic_settings"))
    assert response.status_code == (200 if role == Role.CLINIC_ADMIN else 403)


def test_saving_details_normalises_and_audits(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.ada).post(reverse("clinic_settings"), DETAILS)
    assert response.status_code == 302
    personas.clinic.refresh_from_db()
    assert personas.clinic.state == "CO"
    assert personas.clinic.dea_registration_number == "FC1234563"
    event = AuditEvent.objects.get(action=AuditAction.CLINIC_UPDATED)
    assert event.detail["changed"]["address_line1"] == {
        "before": "1 Main Street",
        "after": "9 Elm Street",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("clinic-dea_registration_number", "FC1234564", "check digit"),
        ("clinic-postal_code", "8020", "12345"),
        ("clinic-state", "Colorado", "two-letter"),
        ("clinic-timezone", "Mars/Olympus", "valid choice"),
        ("clinic-phone", "call me", "digits"),
        ("clinic-name", "", "required"),
    ],
)
def test_bad_details_are_refused_field_by_field(
    client_for: Any, personas: Personas, field: str, value: str, message: str
) -> None:
    response = client_for(personas.ada).post(reverse("clinic_settings"), {**DETAILS, field: value})
    assert response.status_code == 200
    errors = " ".join(response.context["details_form"].errors[field.removeprefix("clinic-")])
    assert message.lower() in errors.lower()
    personas.clinic.refresh_from_db()
    assert personas.clinic.address_line1 == "1 Main Street"


def test_weekly_hours_replace_the_old_ones(client_for: Any, personas: Personas) -> None:
    form = {
        "section": "hours",
        "hours-is_open_0": "on",
        "hours-opens_0": "07:00",
        "hours-closes_0": "18:00",
    }
    response = client_for(personas.ada).post(reverse("clinic_settings"), form)
    assert response.status_code == 302
    hours = list(OpeningHours.objects.filter(clinic=personas.clinic))
    assert [(h.weekday, h.opens_at, h.closes_at) for h in hours] == [
        (0, datetime.time(7), datetime.time(18))
    ]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (
            {"hours-is_open_2": "on", "hours-opens_2": "18:00", "hours-closes_2": "07:00"},
            "closes_2",
        ),
        ({"hours-is_open_2": "on", "hours-closes_2": "07:00"}, "opens_2"),
        ({"hours-is_open_2": "on", "hours-opens_2": "25:99", "hours-closes_2": "07:00"}, "opens_2"),
    ],
)
def test_bad_hours_name_the_day_and_keep_the_old_hours(
    client_for: Any, personas: Personas, form: dict[str, str], field: str
) -> None:
    OpeningHours.objects.create(
        clinic=personas.clinic, weekday=2, opens_at=datetime.time(8), closes_at=datetime.time(17)
    )
    response = client_for(personas.ada).post(
        reverse("clinic_settings"), {"section": "hours", **form}
    )
    assert response.status_code == 200
    assert response.context["hours_form"].errors[field]
    assert OpeningHours.objects.get(clinic=personas.clinic).opens_at == datetime.time(8)


def test_the_service_refuses_closing_before_opening(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="closing time must be after opening time"):
        opening_hours_replace(
            acting_user=personas.ada,
            clinic=personas.clinic,
            hours={1: (datetime.time(9), datetime.time(8))},
        )


def test_adding_a_chair_and_taking_it_out_of_service(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.ada)
    response = client.post(
        reverse("clinic_settings"),
        {"section": "chair", "chair-room_name": "Suite A", "chair-chair_name": "Chair 1"},
    )
    assert response.status_code == 302
    chair = Chair.objects.get(clinic=personas.clinic, name="Chair 1")
    duplicate = client.post(
        reverse("clinic_settings"),
        {"section": "chair", "chair-room_name": "Suite B", "chair-chair_name": "chair 1"},
    )
    assert duplicate.status_code == 200
    assert duplicate.context["chair_form"].errors["chair_name"]
    client.post(
        reverse("clinic_settings"),
        {"section": "chair_status", "chair_id": chair.pk, "is_active": "false"},
    )
    chair.refresh_from_db()
    assert not chair.is_active


def test_another_clinics_chair_cannot_be_touched(client_for: Any, personas: Personas) -> None:
    from ketaclinic.testing.factories import ChairFactory

    other_chair = cast(Chair, ChairFactory(room__clinic=personas.other_clinic))
    response = client_for(personas.ada).post(
        reverse("clinic_settings"),
        {"section": "chair_status", "chair_id": other_chair.pk, "is_active": "false"},
    )
    assert response.status_code == 404
    other_chair.refresh_from_db()
    assert other_chair.is_active


@pytest.mark.parametrize("chair_id", ["", "abc"])
def test_a_malformed_chair_id_is_a_404_not_a_crash(
    client_for: Any, personas: Personas, chair_id: str
) -> None:
    response = client_for(personas.ada).post(
        reverse("clinic_settings"), {"section": "chair_status", "chair_id": chair_id}
    )
    assert response.status_code == 404
