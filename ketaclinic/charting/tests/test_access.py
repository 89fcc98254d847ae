"""Who may do what on the session day, for every role at the clinic and for a physician of
another clinic (CONVENTIONS.md §9)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.charting.services import (
    checklist_override,
    dose_prepare,
    dose_verify,
    session_check_in,
    session_discharge,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    at_appointment,
    booked_infusion,
    ready_session,
    vial,
)
from ketaclinic.core.errors import PermissionRefused, PreconditionFailed
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PHYSICIANS = {Role.MEDICAL_DIRECTOR, Role.PHYSICIAN}
CLINICAL = PHYSICIANS | {Role.NURSE}
CHECK_IN = CLINICAL | {Role.FRONT_DESK, Role.CLINIC_ADMIN}
ROLES = list(Role)
OTHER_CLINIC = "charlie"


def _user(personas: Personas, who: Role | str) -> User:
    return personas.charlie if who == OTHER_CLINIC else personas.staff_by_role()[Role(who)]


def _expect(allowed: bool, attempt: Callable[[], Any]) -> Any:
    if allowed:
        return attempt()
    with pytest.raises(PermissionRefused):
        attempt()
    return None


WHO = [*ROLES, OTHER_CLINIC]


def test_every_role_is_covered(personas: Personas) -> None:
    assert set(personas.staff_by_role()) == set(Role)


@pytest.mark.parametrize("who", WHO)
def test_who_may_check_a_patient_in(personas: Personas, who: Role | str) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = _expect(
            who in CHECK_IN,
            lambda: session_check_in(acting_user=_user(personas, who), appointment=appointment),
        )
    assert TreatmentSession.objects.exists() == (who in CHECK_IN)
    if session is not None:
        assert session.status == SessionStatus.ARRIVED


@pytest.mark.parametrize("who", WHO)
def test_who_may_chart_vitals(personas: Personas, who: Role | str) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = session_check_in(acting_user=personas.fran, appointment=appointment)
        _expect(
            who in CLINICAL,
            lambda: vitals_record(acting_user=_user(personas, who), session=session, **GOOD_VITALS),
        )
    assert session.readings.exists() == (who in CLINICAL)


@pytest.mark.parametrize("who", WHO)
def test_who_may_prepare_a_dose(personas: Personas, who: Role | str) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        container = vial(personas)
        _expect(
            who in CLINICAL,
            lambda: dose_prepare(
                acting_user=_user(personas, who), session=session, container=container
            ),
        )
    assert session.preparations.exists() == (who in CLINICAL)


@pytest.mark.parametrize("who", WHO)
def test_who_may_verify_a_dose(personas: Personas, who: Role | str) -> None:
    appointment = booked_infusion(personas)
    verifier = _user(personas, who)
    preparer = personas.bob if verifier == personas.nina else personas.nina
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        preparation = dose_prepare(acting_user=preparer, session=session, container=vial(personas))
        _expect(
            who in CLINICAL,
            lambda: dose_verify(
                acting_user=verifier,
                preparation=preparation,
                dose_mg=preparation.dose_mg,
                rate_ml_per_h=preparation.rate_ml_per_h,
            ),
        )
    preparation.refresh_from_db()
    assert (preparation.verified_by == verifier) == (who in CLINICAL)


@pytest.mark.parametrize("who", WHO)
def test_who_may_override_the_checklist(personas: Personas, who: Role | str) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        vitals_record(
            acting_user=personas.nina,
            session=session,
            **{**GOOD_VITALS, "systolic_mmhg": 145, "diastolic_mmhg": 85},
        )
        _expect(
            who in PHYSICIANS,
            lambda: checklist_override(
                acting_user=_user(personas, who), session=session, reason="Her usual BP."
            ),
        )
    session.refresh_from_db()
    assert bool(session.checklist_override_reason) == (who in PHYSICIANS)


@pytest.mark.parametrize("who", WHO)
def test_who_may_discharge(personas: Personas, who: Role | str) -> None:
    """The permission is checked before the session's state: those allowed reach the clinical
    refusal (the patient is not yet in recovery), the others are refused for their role."""
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = session_check_in(acting_user=personas.fran, appointment=appointment)

        def discharge() -> None:
            with pytest.raises(PreconditionFailed, match="in recovery"):
                session_discharge(
                    acting_user=_user(personas, who),
                    session=session,
                    escort_name="Sam Driver",
                    instructions_given=True,
                    override_reason="Ready",
                )

        _expect(who in CLINICAL, discharge)


def test_charlie_cannot_touch_a_session_at_another_clinic(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        with pytest.raises(PermissionRefused, match="do not work at"):
            vitals_record(acting_user=personas.charlie, session=session, **GOOD_VITALS)
        with pytest.raises(PermissionRefused, match="do not work at"):
            dose_prepare(
                acting_user=personas.charlie,
                session=session,
                container=vial(personas),
                dose=Decimal("0.6"),
                dose_change_reason="Titrate",
            )
