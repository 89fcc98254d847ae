"""Side effects and PRNs, the discharge (its criteria, a physician's override, the escort and the
controlled-substance record) and the signed note."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.charting.selectors import session_note_text
from ketaclinic.charting.services import (
    controlled_substance_reconcile,
    prn_record,
    pump_event_record,
    session_addendum_add,
    session_discharge,
    session_note_sign,
    session_score_record,
    side_effect_record,
    side_effect_resolve,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    ALDRETE_FULL,
    GOOD_VITALS,
    RECOVERED,
    advance,
    at_appointment,
    booked_infusion,
)
from ketaclinic.charting.tests.support import infusing as _infusing
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.scheduling.models import AppointmentStatus
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _in_recovery(
    personas: Personas, appointment: Any, clock: Any, *, reconcile: bool = True
) -> TreatmentSession:
    session = _infusing(personas, appointment, clock)
    advance(clock, 35)
    pump_event_record(acting_user=personas.nina, session=session, kind="stop")
    if reconcile:
        controlled_substance_reconcile(
            acting_user=personas.nina, session=session, witness=personas.bob
        )
    vitals_record(acting_user=personas.nina, session=session, **RECOVERED)
    session_score_record(
        acting_user=personas.nina,
        session=session,
        instrument="modified_aldrete",
        answers=ALDRETE_FULL,
    )
    session.refresh_from_db()
    return session


# --- side effects and PRNs -------------------------------------------------------------------


def test_a_side_effect_is_recorded_treated_and_resolved(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        onset = timezone.now() - datetime.timedelta(minutes=2)
        effect = side_effect_record(
            acting_user=personas.nina,
            session=session,
            kind="nausea",
            severity="moderate",
            action="prn",
            onset_at=onset,
        )
        assert effect.onset_at == onset
        prn = prn_record(
            acting_user=personas.nina,
            session=session,
            side_effect=effect,
            drug="Ondansetron",
            dose=Decimal("4"),
            unit="mg",
            route="IV",
        )
        assert prn.side_effect == effect
        assert list(effect.prns.all()) == [prn]
        with pytest.raises(InvalidInput, match="before it began"):
            side_effect_resolve(
                acting_user=personas.nina,
                side_effect=effect,
                resolved_at=onset - datetime.timedelta(minutes=1),
            )
        advance(clock, 10)
        resolved = side_effect_resolve(
            acting_user=personas.nina, side_effect=effect, note="Settled after ondansetron."
        )
        assert resolved.resolved_at == timezone.now()
        with pytest.raises(Conflict):
            side_effect_resolve(acting_user=personas.nina, side_effect=effect)


def test_other_side_effect_needs_a_description(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        with pytest.raises(InvalidInput, match="Describe"):
            side_effect_record(
                acting_user=personas.nina,
                session=session,
                kind="other",
                severity="mild",
                action="none",
            )
        assert not session.side_effects.exists()
        effect = side_effect_record(
            acting_user=personas.nina,
            session=session,
            kind="other",
            severity="mild",
            action="none",
            description="Tingling lips",
        )
        assert effect.description == "Tingling lips"


def test_a_prn_needs_drug_dose_unit_and_route(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, appointment, clock)
        with pytest.raises(InvalidInput):
            prn_record(
                acting_user=personas.nina,
                session=session,
                drug="Ondansetron",
                dose=Decimal("0"),
                unit="mg",
                route="",
            )
        assert not session.prns.exists()


# --- discharge -------------------------------------------------------------------------------


def test_discharge_before_the_minimum_observation_needs_a_physicians_override(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _in_recovery(personas, appointment, clock)
        with pytest.raises(PreconditionFailed, match="Not ready"):
            session_discharge(
                acting_user=personas.nina,
                session=session,
                escort_name="Sam Driver",
                instructions_given=True,
            )
        with pytest.raises(PermissionRefused):
            session_discharge(
                acting_user=personas.nina,
                session=session,
                escort_name="Sam Driver",
                instructions_given=True,
                override_reason="Recovered quickly",
            )
        # the escort is never overridden
        with pytest.raises(InvalidInput, match="responsible adult"):
            session_discharge(
                acting_user=personas.bob,
                session=session,
                escort_name="",
                instructions_given=True,
                override_reason="Recovered quickly, fully alert.",
            )
        session.refresh_from_db()
        assert session.status == SessionStatus.RECOVERY
        discharged = session_discharge(
            acting_user=personas.bob,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
            override_reason="Recovered quickly, fully alert.",
        )
        assert discharged.status == SessionStatus.DISCHARGED
        assert discharged.discharge_override_reason == "Recovered quickly, fully alert."
        assert discharged.discharge_overridden_by == personas.bob
        assert discharged.discharge_assessment["ready"] is False
        event = AuditEvent.objects.get(action=AuditAction.SESSION_DISCHARGED)
        assert event.detail["override"] == "Recovered quickly, fully alert."


def test_discharge_is_refused_while_the_remainder_is_unaccounted(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _in_recovery(personas, appointment, clock, reconcile=False)
        advance(clock, 60)
        vitals_record(acting_user=personas.nina, session=session, **RECOVERED)
        for user, reason in ((personas.nina, ""), (personas.bob, "Patient ready, fully alert")):
            with pytest.raises(PreconditionFailed, match="waste the rest"):
                session_discharge(
                    acting_user=user,
                    session=session,
                    escort_name="Sam Driver",
                    instructions_given=True,
                    override_reason=reason,
                )
        controlled_substance_reconcile(
            acting_user=personas.nina, session=session, witness=personas.bob
        )
        session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )


def test_after_discharge_the_visit_is_completed_and_charting_is_closed(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _in_recovery(personas, appointment, clock)
        advance(clock, 45)
        vitals_record(acting_user=personas.nina, session=session, **RECOVERED)
        session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.COMPLETED
        session.refresh_from_db()
        assert session.discharged_by == personas.nina
        assert session.discharge_override_reason == ""
        assert session.discharge_instructions
        advance(clock, 1)
        with pytest.raises(PreconditionFailed, match="no longer be charted"):
            vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS)
        with pytest.raises(PreconditionFailed, match="no longer be charted"):
            side_effect_record(
                acting_user=personas.nina,
                session=session,
                kind="headache",
                severity="mild",
                action="none",
            )
        with pytest.raises(PreconditionFailed):
            session_discharge(
                acting_user=personas.nina,
                session=session,
                escort_name="Sam Driver",
                instructions_given=True,
            )


def test_the_note_is_signed_frozen_co_signed_and_amended_by_addenda(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _in_recovery(personas, appointment, clock)
        with pytest.raises(PreconditionFailed, match="after discharge"):
            session_note_sign(acting_user=personas.nina, session=session)
        advance(clock, 45)
        vitals_record(acting_user=personas.nina, session=session, **RECOVERED)
        session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )
        note = session_note_sign(acting_user=personas.nina, session=session)
        assert note.nurse_signed_by == personas.nina
        body = note.body
        assert "Sam Driver" in body
        # the record changes later: the signed body does not
        TreatmentSession.objects.filter(pk=session.pk).update(discharge_escort_name="Someone Else")
        session.refresh_from_db()
        assert "Someone Else" in session_note_text(session=session)
        # a nurse cannot co-sign
        with pytest.raises(PermissionRefused):
            session_note_sign(acting_user=personas.nina, session=session)
        cosigned = session_note_sign(acting_user=personas.bob, session=session)
        assert cosigned.pk == note.pk
        assert cosigned.physician_signed_by == personas.bob
        assert cosigned.physician_signed_at is not None
        with pytest.raises(Conflict, match="already signed"):
            session_note_sign(acting_user=personas.alice, session=session)
        note.refresh_from_db()
        assert note.body == body
        addendum = session_addendum_add(
            acting_user=personas.nina,
            note=note,
            text="Escort was her brother, Sam Driver, not her husband.",
        )
        assert list(note.addenda.all()) == [addendum]
        note.refresh_from_db()
        assert note.body == body
        assert AuditEvent.objects.filter(
            action=AuditAction.SESSION_NOTE_ADDENDUM, object_id=str(addendum.pk)
        ).exists()
        assert AuditEvent.objects.filter(action=AuditAction.SESSION_NOTE_SIGNED).count() == 2
