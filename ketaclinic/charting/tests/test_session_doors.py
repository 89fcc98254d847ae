"""The doors to a session and its REMS form: who may open them, one answer for "missing" and
"not yours", and the read each records (CONVENTIONS.md §4)."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.access import rems_form_get_for_staff, session_get_for_staff
from ketaclinic.charting.models import TreatmentSession
from ketaclinic.charting.services import session_check_in
from ketaclinic.charting.tests.support import at_appointment, booked_infusion
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(personas: Personas) -> TreatmentSession:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        return session_check_in(acting_user=personas.fran, appointment=appointment)


def _viewed(session: TreatmentSession) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.SESSION_VIEWED, object_id=session.pk))


@pytest.mark.parametrize("role", list(Role))
def test_opening_a_session_follows_the_matrix_for_every_role(
    personas: Personas, session: TreatmentSession, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles:
        opened = session_get_for_staff(user=user, clinic=personas.clinic, session_id=session.pk)
        assert opened == session
        [event] = _viewed(session)
        assert (event.actor_id, event.patient_id, event.detail) == (
            user.pk,
            session.patient_id,
            {},
        )
    else:
        with pytest.raises(PermissionRefused):
            session_get_for_staff(user=user, clinic=personas.clinic, session_id=session.pk)
        assert _viewed(session) == []


def test_an_api_read_records_the_part_it_read(
    personas: Personas, session: TreatmentSession
) -> None:
    session_get_for_staff(
        user=personas.nina, clinic=personas.clinic, session_id=session.pk, api_part="vitals"
    )
    [event] = _viewed(session)
    assert event.detail == {"session": session.pk, "part": "vitals", "via": "api"}


def test_another_clinics_session_and_a_missing_one_look_the_same(
    personas: Personas, session: TreatmentSession
) -> None:
    with pytest.raises(NotFound) as other_clinic:
        session_get_for_staff(
            user=personas.charlie, clinic=personas.other_clinic, session_id=session.pk
        )
    with pytest.raises(NotFound) as missing:
        session_get_for_staff(user=personas.bob, clinic=personas.clinic, session_id=999_999)
    assert other_clinic.value.message == missing.value.message
    assert _viewed(session) == []


def test_a_session_without_a_rems_form_has_no_pdf_and_records_nothing(
    personas: Personas, session: TreatmentSession
) -> None:
    with pytest.raises(NotFound):
        rems_form_get_for_staff(user=personas.nina, clinic=personas.clinic, session_id=session.pk)
    assert not AuditEvent.objects.filter(action=AuditAction.SESSION_VIEWED).exists()
