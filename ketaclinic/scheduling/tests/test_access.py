"""The doors to appointments: scoped to the acting clinic, for those who book; a patient's
appointments are read through the patient's door."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.courses.selectors import course_reading_action
from ketaclinic.scheduling.access import appointment_get_for_staff, appointment_list_for_staff
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_missing_appointment_is_not_found_for_those_who_book(personas: Personas) -> None:
    with pytest.raises(NotFound):
        appointment_get_for_staff(user=personas.fran, clinic=personas.clinic, appointment_id=1)


def test_one_appointment_is_refused_to_those_who_do_not_book(personas: Personas) -> None:
    assert Role.AUDITOR not in PERMISSIONS[Action.APPOINTMENT_BOOK].roles
    with pytest.raises(PermissionRefused):
        appointment_get_for_staff(user=personas.otto, clinic=personas.clinic, appointment_id=1)


@pytest.mark.parametrize("role", list(Role))
def test_a_patients_appointments_are_a_chart_read_for_every_role(
    personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    action = course_reading_action(user=user, clinic=personas.clinic)
    views = AuditEvent.objects.filter(
        actor_id=user.pk, patient_id=personas.pat.pk, action=AuditAction.PATIENT_CHART_VIEWED
    )
    if role in PERMISSIONS[action].roles:
        assert (
            list(
                appointment_list_for_staff(
                    user=user, clinic=personas.clinic, patient_id=personas.pat.pk
                )
            )
            == []
        )
        assert [event.detail for event in views] == [{"purpose": action.value}]
    else:
        with pytest.raises(PermissionRefused):
            appointment_list_for_staff(
                user=user, clinic=personas.clinic, patient_id=personas.pat.pk
            )
        assert not views.exists()


def test_another_clinics_patient_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        appointment_list_for_staff(
            user=personas.fran, clinic=personas.clinic, patient_id=personas.bea.pk
        )
