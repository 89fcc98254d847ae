"""The pre-infusion checklist: nothing starts until every item passes or a physician overrides
what may be overridden, with a reason."""

from __future__ import annotations

import datetime

import pytest

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import SessionStatus
from ketaclinic.charting.selectors import SessionChecklist, checklist_for_session
from ketaclinic.charting.services import (
    checklist_answer,
    checklist_override,
    pump_event_record,
    session_check_in,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    PHQ9_MILD,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.consent import texts
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import consent_document_publish
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.medicine.session import ChecklistItem, ItemStatus
from ketaclinic.outcomes.models import ClinicalTask, ResponseContext
from ketaclinic.outcomes.services import clinical_task_complete, questionnaire_record
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

REVIEW_BP = {**GOOD_VITALS, "systolic_mmhg": 145, "diastolic_mmhg": 85}
HOLD_BP = {**GOOD_VITALS, "systolic_mmhg": 165, "diastolic_mmhg": 95}


def test_a_failed_item_blocks_the_start_until_a_physician_overrides_it(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        checklist_answer(
            acting_user=personas.nina,
            session=session,
            item=ChecklistItem.FASTING,
            status=ItemStatus.FAIL,
            detail="Light breakfast at 07:00",
        )
        session.refresh_from_db()
        assert session.status == SessionStatus.ARRIVED
        outcome = checklist_for_session(session=session).outcome
        assert not outcome.can_start
        assert outcome.needs_physician
        with pytest.raises(PreconditionFailed, match="checklist"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")
        with pytest.raises(PermissionRefused):
            checklist_override(
                acting_user=personas.nina, session=session, reason="Small meal, low risk"
            )
        with pytest.raises(InvalidInput, match="reason"):
            checklist_override(acting_user=personas.bob, session=session, reason="  ")
        checklist_override(
            acting_user=personas.bob, session=session, reason="Toast only, 2 h ago; proceed."
        )
        session.refresh_from_db()
        assert session.status == SessionStatus.READY
        assert session.checklist_overridden_by == personas.bob
        event = AuditEvent.objects.get(action=AuditAction.SESSION_OVERRIDDEN)
        assert event.actor_id == personas.bob.pk
        assert event.detail["reason"] == "Toast only, 2 h ago; proceed."
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        session.refresh_from_db()
        assert session.status == SessionStatus.INFUSING


def test_a_failed_item_needs_a_detail(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = session_check_in(acting_user=personas.fran, appointment=appointment)
        with pytest.raises(InvalidInput, match="wrong"):
            checklist_answer(
                acting_user=personas.nina,
                session=session,
                item=ChecklistItem.FASTING,
                status=ItemStatus.FAIL,
            )
        assert not session.checklist_answers.exists()


def test_a_hold_baseline_cannot_be_overridden_but_a_rested_go_passes(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        vitals_record(acting_user=personas.nina, session=session, **HOLD_BP)
        checklist = checklist_for_session(session=session)
        assert not checklist.outcome.can_start
        assert not checklist.outcome.needs_physician
        assert checklist.vitals_decision == "hold"
        session.refresh_from_db()
        assert session.status == SessionStatus.ARRIVED
        with pytest.raises(PreconditionFailed, match="cannot be overridden"):
            checklist_override(
                acting_user=personas.bob, session=session, reason="Anxious; proceed anyway."
            )
        assert not AuditEvent.objects.filter(action=AuditAction.SESSION_OVERRIDDEN).exists()
        advance(clock, 10)  # rest, then re-measure
        vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS)
        assert checklist_for_session(session=session).outcome.can_start
        session.refresh_from_db()
        assert session.status == SessionStatus.READY


def test_a_review_baseline_needs_the_physician(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        vitals_record(acting_user=personas.nina, session=session, **REVIEW_BP)
        outcome = checklist_for_session(session=session).outcome
        assert not outcome.can_start
        assert outcome.needs_physician
        prepared_and_verified(personas, session)
        with pytest.raises(PreconditionFailed, match="checklist"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")
        with pytest.raises(PermissionRefused):
            checklist_override(
                acting_user=personas.nina, session=session, reason="Usual BP for her."
            )
        checklist_override(
            acting_user=personas.alice, session=session, reason="Usual BP for her; proceed."
        )
        pump_event_record(acting_user=personas.nina, session=session, kind="start")


def test_missing_consent_fails_the_item_and_cannot_be_overridden(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    # A new version of the consent is published: the patient has not signed it.
    consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title="Consent to IV ketamine (v2)",
        body=texts.IV_KETAMINE,
        valid_for_days=180,
    )
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        checklist = checklist_for_session(session=session)
        consent = next(row for row in checklist.rows if row.spec.item == ChecklistItem.CONSENT)
        assert consent.status == ItemStatus.FAIL
        assert not checklist.outcome.can_start
        assert not checklist.outcome.needs_physician
        with pytest.raises(PreconditionFailed, match="cannot be overridden"):
            checklist_override(
                acting_user=personas.bob, session=session, reason="Signed the old version."
            )
        session.refresh_from_db()
        assert session.status == SessionStatus.ARRIVED


def _suicide_risk(checklist: SessionChecklist) -> ItemStatus:
    return next(row.status for row in checklist.rows if row.spec.item == ChecklistItem.SUICIDE_RISK)


def test_a_positive_suicide_risk_answer_blocks_until_the_physician_completes_the_task(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        # A second PHQ-9 today, item 9 positive, after the checklist had passed.
        questionnaire_record(
            acting_user=personas.nina,
            patient=session.patient,
            instrument_code="phq9",
            answers={**PHQ9_MILD, "phq9.9": 1},
            context=ResponseContext.PRE_SESSION,
        )
        task = ClinicalTask.objects.get(patient=session.patient, priority="urgent")
        checklist = checklist_for_session(session=session)
        assert _suicide_risk(checklist) == ItemStatus.FAIL
        assert not checklist.outcome.can_start
        with pytest.raises(PreconditionFailed, match="checklist"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")
        # Not waved through: the physician reviews the answer (completes the task) instead.
        assert not checklist.outcome.needs_physician
        with pytest.raises(PreconditionFailed, match="cannot be overridden"):
            checklist_override(
                acting_user=personas.bob, session=session, reason="Seen, low risk, proceed."
            )
        clinical_task_complete(
            acting_user=personas.bob, task=task, note="Seen; passive ideation, safety plan."
        )
        checklist = checklist_for_session(session=session)
        assert _suicide_risk(checklist) == ItemStatus.PASS
        assert checklist.outcome.can_start
        pump_event_record(acting_user=personas.nina, session=session, kind="start")


def test_pregnancy_test_not_applicable_is_refused_for_a_woman_of_30(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    pat = personas.pat
    pat.date_of_birth = personas.clinic.local_today() - datetime.timedelta(days=30 * 365 + 10)
    pat.save(update_fields=["date_of_birth"])
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        assert checklist_for_session(session=session).pregnancy_test_applies
        checklist_answer(
            acting_user=personas.nina,
            session=session,
            item=ChecklistItem.PREGNANCY_TEST,
            status=ItemStatus.NOT_APPLICABLE,
        )
        outcome = checklist_for_session(session=session).outcome
        assert not outcome.can_start
        assert any("not applicable" in message for message in outcome.blocking)
        with pytest.raises(PreconditionFailed, match="cannot be overridden"):
            checklist_override(
                acting_user=personas.bob, session=session, reason="Says she is not pregnant."
            )
        checklist_answer(
            acting_user=personas.nina,
            session=session,
            item=ChecklistItem.PREGNANCY_TEST,
            status=ItemStatus.PASS,
            detail="urine hCG negative",
        )
        assert checklist_for_session(session=session).outcome.can_start


def test_the_checklist_passes_only_when_every_item_has(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = session_check_in(acting_user=personas.fran, appointment=appointment)
        outcome = checklist_for_session(session=session).outcome
        assert not outcome.can_start
        assert not outcome.needs_physician  # pending items are answered, not overridden
        with pytest.raises(PreconditionFailed, match="cannot be overridden"):
            checklist_override(acting_user=personas.bob, session=session, reason="In a hurry.")
        session.refresh_from_db()
        assert session.status == SessionStatus.ARRIVED
        assert session.checklist_passed_at is None
