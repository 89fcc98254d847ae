"""The door to a patient's thread for staff: for those who message patients, at their clinic,
recorded as a view of the chart."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.messaging.access import thread_patient_get_for_staff
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_a_thread_follows_the_matrix_for_every_role(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    views = AuditEvent.objects.filter(
        actor_id=user.pk, patient_id=personas.pat.pk, action=AuditAction.PATIENT_CHART_VIEWED
    )
    if role in PERMISSIONS[Action.PATIENT_MESSAGE].roles:
        patient = thread_patient_get_for_staff(
            user=user, clinic=personas.clinic, patient_id=personas.pat.pk
        )
        assert patient == personas.pat
        assert [event.detail for event in views] == [{"purpose": Action.PATIENT_MESSAGE.value}]
    else:
        with pytest.raises(PermissionRefused):
            thread_patient_get_for_staff(
                user=user, clinic=personas.clinic, patient_id=personas.pat.pk
            )
        assert not views.exists()


def test_another_clinics_patient_is_not_found(personas: Personas) -> None:
    with pytest.raises(NotFound):
        thread_patient_get_for_staff(
            user=personas.fran, clinic=personas.clinic, patient_id=personas.bea.pk
        )
