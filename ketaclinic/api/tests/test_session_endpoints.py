"""The session day over the API: a whole infusion from check-in to the co-signed note, retried
entries stored once, impossible or future readings refused, and every role and clinic boundary
(front desk checks in but does not chart, the auditor writes nothing, another clinic sees 404)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import (
    ControlledSubstanceRecord,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.charting.tests.support import (
    ALDRETE_FULL,
    GOOD_VITALS,
    PHQ9_MILD,
    advance,
    at_appointment,
    booked_infusion,
    vial,
)
from ketaclinic.inventory.models import Movement, MovementKind
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

CADSS6 = {f"cadss.{n}": 1 for n in (1, 2, 6, 7, 15, 22)}
MANUAL_PASSES = ("identity", "fasting", "medication_holds", "no_substances", "equipment")


def keyed(key: str) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": key}


def check_in(client: Client, personas: Personas, appointment: Appointment) -> int:
    response = post(
        client, f"appointments/{appointment.pk}/check-in", {}, token_for(personas, personas.fran)
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == SessionStatus.ARRIVED
    session_id: int = response.json()["id"]
    return session_id


def make_ready(client: Client, personas: Personas, session_id: int, nina: str) -> dict[str, Any]:
    """Every checklist item through the API (today's PHQ-9 through its own service)."""
    session = TreatmentSession.objects.get(pk=session_id)
    questionnaire_record(
        acting_user=personas.nina,
        patient=session.patient,
        instrument_code="phq9",
        answers=PHQ9_MILD,
        context=ResponseContext.PRE_SESSION,
    )
    path = f"sessions/{session_id}"
    for item in MANUAL_PASSES:
        answered = post(client, f"{path}/checklist", {"item": item, "status": "pass"}, nina)
        assert answered.status_code == 200, answered.json()
    items = {row["item"] for row in answered.json()["checklist"]["rows"]}
    if "pregnancy_test" in items:
        body = {"item": "pregnancy_test", "status": "pass", "detail": "urine hCG negative"}
        assert post(client, f"{path}/checklist", body, nina).status_code == 200
    escort = {"name": "Sam Driver", "phone": "303-555-0142"}
    assert post(client, f"{path}/escort", escort, nina).status_code == 200
    weighed = post(client, f"{path}/measurements", {"weight_kg": "70", "height_cm": "175"}, nina)
    assert weighed.status_code == 200, weighed.json()
    baseline = post(client, f"{path}/vitals", GOOD_VITALS, nina)
    assert baseline.status_code == 201, baseline.json()
    assert baseline.json()["pre_infusion_decision"] == "go"
    detail: dict[str, Any] = get(client, path, nina).json()
    return detail


def prepared(client: Client, personas: Personas, session_id: int, nina: str) -> dict[str, Any]:
    body = {"container_id": vial(personas).pk}
    response = post(client, f"sessions/{session_id}/dose", body, nina)
    assert response.status_code == 201, response.json()
    dose: dict[str, Any] = response.json()
    return dose


def verified(client: Client, personas: Personas, session_id: int, dose: dict[str, Any]) -> None:
    body = {"dose_mg": dose["dose_mg"], "rate_ml_per_h": dose["rate_ml_per_h"]}
    bob = token_for(personas, personas.bob)
    response = post(client, f"sessions/{session_id}/dose/verify", body, bob)
    assert response.status_code == 200, response.json()


def test_a_whole_infusion_through_the_api(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        nina, bob = token_for(personas, personas.nina), token_for(personas, personas.bob)
        session_id = check_in(client, personas, appointment)
        path = f"sessions/{session_id}"
        detail = make_ready(client, personas, session_id, nina)
        assert detail["status"] == SessionStatus.READY
        assert detail["checklist"]["can_start"] is True
        assert detail["checklist"]["blocking"] == []
        assert detail["escort_name"] == "Sam Driver"

        board = get(client, "sessions", nina)
        assert board.status_code == 200
        [row] = board.json()["results"]
        assert row["session_id"] == session_id
        assert row["patient_id"] == personas.pat.pk
        assert row["status"] == "checklist"
        assert row["escort_confirmed"] is True

        dose = prepared(client, personas, session_id, nina)
        # 0.5 mg/kg × 70 kg = 35 mg; 0.7 mL of 50 mg/mL in 100 mL → 100.7 mL over 40 min.
        assert dose["dose_mg"] == "35.00"
        assert dose["rate_ml_per_h"] == "151.1"
        assert dose["dosing_weight_kg"] is not None
        assert dose["weight_basis"]
        assert dose["verified_by"] is None
        # the preparer may not verify their own dose: refused, not a server error
        own = post(
            client, f"{path}/dose/verify", {"dose_mg": "35.00", "rate_ml_per_h": "151.1"}, nina
        )
        assert own.status_code == 409
        assert "someone other" in assert_error_shape(own, "precondition_failed")["error"]["message"]
        wrong = post(
            client, f"{path}/dose/verify", {"dose_mg": "40", "rate_ml_per_h": "151.1"}, bob
        )
        assert wrong.status_code == 400
        assert list(wrong.json()["error"]["fields"]) == ["dose_mg"]
        verified(client, personas, session_id, dose)
        assert get(client, path, nina).json()["dose"]["verified_by"] == "Bob Physician"

        start = {"kind": "start", "rate_ml_per_h": "151.1"}
        started = post(client, f"{path}/events", start, nina, **keyed("s1"))
        assert started.status_code == 201, started.json()
        assert started.json()["rate_ml_per_h"] == "151.1"
        again = post(client, f"{path}/events", start, nina, **keyed("s1"))
        assert again.status_code == 200
        assert again.json()["id"] == started.json()["id"]

        advance(clock, 5)
        first = post(client, f"{path}/vitals", GOOD_VITALS, nina, **keyed("v1"))
        assert first.status_code == 201
        assert first.json()["phase"] == "infusion"
        retry = post(client, f"{path}/vitals", GOOD_VITALS, nina, **keyed("v1"))
        assert retry.status_code == 200
        assert retry.json()["id"] == first.json()["id"]
        assert VitalSignReading.objects.filter(session_id=session_id).count() == 2
        changed = {**GOOD_VITALS, "heart_rate_bpm": 90}
        reused = post(client, f"{path}/vitals", changed, nina, **keyed("v1"))
        assert reused.status_code == 409

        advance(clock, 5)
        high = {**GOOD_VITALS, "systolic_mmhg": 184, "diastolic_mmhg": 96}
        assert post(client, f"{path}/vitals", high, nina).status_code == 201
        advance(clock, 5)
        alarmed = post(client, f"{path}/vitals", high, nina)
        assert alarmed.status_code == 201
        assert alarmed.json()["alarm_level"] >= 1
        assert alarmed.json()["assessment"]
        [alarm] = alarmed.json()["alarms"]
        assert "confirmed" in alarm["message"]
        assert get(client, path, nina).json()["open_alarm_count"] == 2  # warned, then confirmed
        body = {"action_taken": "Rate halved, Dr Bob told."}
        acknowledged = post(client, f"alarms/{alarm['id']}/acknowledge", body, nina)
        assert acknowledged.status_code == 200
        assert acknowledged.json()["acknowledged_by"] == "Nina Nurse"
        assert post(client, f"alarms/{alarm['id']}/acknowledge", body, nina).status_code == 409

        effect_body = {"kind": "nausea", "severity": "moderate", "action": "prn"}
        effect = post(client, f"{path}/side-effects", effect_body, nina, **keyed("se1"))
        assert effect.status_code == 201
        assert (
            post(client, f"{path}/side-effects", effect_body, nina, **keyed("se1")).json()["id"]
            == effect.json()["id"]
        )
        prn_body = {
            "drug": "Ondansetron",
            "dose": "4",
            "unit": "mg",
            "route": "IV",
            "side_effect_id": effect.json()["id"],
        }
        prn = post(client, f"{path}/prns", prn_body, nina, **keyed("p1"))
        assert prn.status_code == 201, prn.json()
        assert prn.json()["side_effect_id"] == effect.json()["id"]
        assert post(client, f"{path}/prns", prn_body, nina, **keyed("p1")).status_code == 200

        assert post(client, f"{path}/events", {"kind": "pause"}, nina).status_code == 201
        twice = post(client, f"{path}/events", {"kind": "pause"}, nina)
        assert twice.status_code == 400
        advance(clock, 5)
        assert post(client, f"{path}/events", {"kind": "resume"}, nina).status_code == 201
        advance(clock, 20)
        early = post(client, f"{path}/events", {"kind": "stop"}, nina)
        assert early.status_code == 400  # the pause left part of the dose: say why
        assert list(early.json()["error"]["fields"]) == ["reason"]
        stop = {"kind": "stop", "reason": "Nausea: stopped at the planned time"}
        assert post(client, f"{path}/events", stop, nina).status_code == 201
        resolved = post(client, f"side-effects/{effect.json()['id']}/resolve", {}, nina)
        assert resolved.status_code == 200
        assert resolved.json()["resolved_at"] is not None

        stopped = get(client, path, nina).json()
        assert stopped["status"] == SessionStatus.RECOVERY
        assert "30.5" <= stopped["delivered_mg"] <= "30.8"
        assert stopped["observation_ends_at"] is not None
        events = get(client, f"{path}/events", nina).json()["results"]
        assert [event["kind"] for event in events] == ["start", "pause", "resume", "stop"]

        score = post(client, f"{path}/scores", {"instrument": "cadss6", "answers": CADSS6}, nina)
        assert score.status_code == 201, score.json()
        assert score.json()["total"] == 6

        witnessed = {"witness_id": personas.bob.pk, "witness_password": TEST_PASSWORD}
        record = post(client, f"{path}/controlled-substance", witnessed, nina)
        assert record.status_code == 201, record.json()
        assert record.json()["witness_name"] == "Bob Physician"
        assert record.json()["wasted_units"] > 0
        kinds = set(Movement.objects.filter(appointment=appointment).values_list("kind", flat=True))
        assert kinds == {MovementKind.DRAW, MovementKind.ADMINISTRATION, MovementKind.WASTE}

        advance(clock, 10)
        recovery = {**GOOD_VITALS, "moaa_s": 5}
        assert post(client, f"{path}/vitals", recovery, nina).status_code == 201
        aldrete = {"instrument": "modified_aldrete", "answers": ALDRETE_FULL}
        assert post(client, f"{path}/scores", aldrete, nina).status_code == 201
        discharge = {"escort_name": "Sam Driver", "instructions_given": True}
        early = post(client, f"{path}/discharge", discharge, nina)
        assert early.status_code == 409
        message = assert_error_shape(early, "precondition_failed")["error"]["message"]
        assert message.startswith("Not ready for discharge:")
        assert "Observed" in message
        assert TreatmentSession.objects.get(pk=session_id).status == SessionStatus.RECOVERY

        advance(clock, 25)
        assert post(client, f"{path}/vitals", recovery, nina).status_code == 201
        rows = get(client, "sessions", nina).json()["results"]
        assert rows[0]["status"] == "ready_for_discharge"
        done = post(client, f"{path}/discharge", discharge, nina)
        assert done.status_code == 200, done.json()
        assert done.json()["status"] == SessionStatus.DISCHARGED
        assert done.json()["discharge_assessment"]["ready"] is True
        assert done.json()["discharge_instructions"]
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.COMPLETED

        signed = post(client, f"{path}/note/sign", {}, nina)
        assert signed.status_code == 200, signed.json()
        assert "= 35 mg in" in signed.json()["body"]
        assert "Stopped early" in signed.json()["body"]
        assert signed.json()["physician_signed_by"] is None
        cosigned = post(client, f"{path}/note/sign", {}, bob)
        assert cosigned.json()["physician_signed_by"] == "Bob Physician"
        addendum = post(client, f"{path}/note/addenda", {"text": "Called next day: well."}, nina)
        assert addendum.status_code == 201
        assert [a["text"] for a in addendum.json()["addenda"]] == ["Called next day: well."]
        readings = get(client, f"{path}/vitals", nina).json()
        assert readings["count"] == 6
    views = AuditEvent.objects.filter(action=AuditAction.SESSION_VIEWED, actor_id=personas.nina.pk)
    assert views.exists()
    assert views.first().patient_id == personas.pat.pk


def test_impossible_vitals_are_refused_and_nothing_is_stored(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session_id = check_in(client, personas, appointment)
        nina = token_for(personas, personas.nina)
        for bad in ({"systolic_mmhg": 400}, {"spo2_percent": 120}, {"heart_rate_bpm": 0}):
            refused = post(client, f"sessions/{session_id}/vitals", {**GOOD_VITALS, **bad}, nina)
            assert refused.status_code == 400, bad
            assert assert_error_shape(refused, "invalid_input")["error"]["message"]
        assert not VitalSignReading.objects.filter(session_id=session_id).exists()


def test_a_reading_in_the_future_or_without_its_offset_is_refused(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session_id = check_in(client, personas, appointment)
        nina = token_for(personas, personas.nina)
        path = f"sessions/{session_id}/vitals"
        future = (timezone.now() + datetime.timedelta(minutes=30)).isoformat()
        refused = post(client, path, {**GOOD_VITALS, "measured_at": future}, nina)
        assert refused.status_code == 400
        body = assert_error_shape(refused, "invalid_input")
        assert "future" in body["error"]["message"]
        assert list(body["error"]["fields"]) == ["measured_at"]
        naive = post(client, path, {**GOOD_VITALS, "measured_at": "2030-01-01T09:00:00"}, nina)
        assert naive.status_code == 400
        assert "offset" in naive.json()["error"]["fields"]["measured_at"][0]
        assert not VitalSignReading.objects.filter(session_id=session_id).exists()
        # a late entry keeps its true time
        advance(clock, 5)
        earlier = (timezone.now() - datetime.timedelta(minutes=2)).isoformat()
        late = post(client, path, {**GOOD_VITALS, "measured_at": earlier}, nina)
        assert late.status_code == 201


def test_the_front_desk_checks_in_but_does_not_chart(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session_id = check_in(client, personas, appointment)
        fran = token_for(personas, personas.fran)
        refused = post(client, f"sessions/{session_id}/vitals", GOOD_VITALS, fran)
        assert refused.status_code == 403
        assert_error_shape(refused, "permission_refused")
        assert get(client, f"sessions/{session_id}", fran).status_code == 403
        assert not VitalSignReading.objects.filter(session_id=session_id).exists()
        again = post(client, f"appointments/{appointment.pk}/check-in", {}, fran)
        assert again.status_code == 409
        assert_error_shape(again, "conflict")


def test_the_auditor_writes_nothing(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        otto = token_for(personas, personas.otto)
        assert post(client, f"appointments/{appointment.pk}/check-in", {}, otto).status_code == 403
        session_id = check_in(client, personas, appointment)
        path = f"sessions/{session_id}"
        writes: list[tuple[str, dict[str, Any]]] = [
            ("checklist", {"item": "identity", "status": "pass"}),
            ("measurements", {"weight_kg": "70"}),
            ("escort", {"name": "Sam Driver", "phone": "303-555-0142"}),
            ("checklist-override", {"reason": "Reviewed by phone."}),
            ("dose", {"container_id": 1}),
            ("dose/verify", {"dose_mg": "35"}),
            ("events", {"kind": "start"}),
            ("devices", {}),
            ("vitals", GOOD_VITALS),
            ("side-effects", {"kind": "nausea", "severity": "mild", "action": "none"}),
            ("prns", {"drug": "Ondansetron", "dose": "4", "unit": "mg", "route": "IV"}),
            ("scores", {"instrument": "cadss6", "answers": CADSS6}),
            ("controlled-substance", {"witness_id": 1, "witness_password": "x"}),
            ("discharge", {"escort_name": "Sam", "instructions_given": True}),
            ("note/sign", {}),
            ("note/addenda", {"text": "An addendum."}),
        ]
        for suffix, body in writes:
            refused = post(client, f"{path}/{suffix}", body, otto)
            assert refused.status_code == 403, suffix
        assert get(client, path, otto).status_code == 403
        assert get(client, "sessions", otto).status_code == 403
        session = TreatmentSession.objects.get(pk=session_id)
        assert session.weight_kg is None
        assert not session.checklist_answers.exists()


def test_another_clinics_token_sees_no_session(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session_id = check_in(client, personas, appointment)
        charlie = token_for(personas, personas.charlie, personas.other_clinic)
        for response in (
            get(client, f"sessions/{session_id}", charlie),
            get(client, f"sessions/{session_id}/vitals", charlie),
            post(client, f"sessions/{session_id}/vitals", GOOD_VITALS, charlie),
            post(client, f"appointments/{appointment.pk}/check-in", {}, charlie),
        ):
            assert response.status_code == 404
            assert_error_shape(response, "not_found")
        assert get(client, "sessions", charlie).json()["count"] == 0
        assert not VitalSignReading.objects.filter(session_id=session_id).exists()


def test_a_wrong_witness_password_records_nothing(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        nina = token_for(personas, personas.nina)
        session_id = check_in(client, personas, appointment)
        path = f"sessions/{session_id}"
        make_ready(client, personas, session_id, nina)
        verified(client, personas, session_id, prepared(client, personas, session_id, nina))
        assert post(client, f"{path}/events", {"kind": "start"}, nina).status_code == 201
        advance(clock, 30)  # stopped early: a remainder to waste
        stop = {"kind": "stop", "reason": "Patient asked to stop"}
        assert post(client, f"{path}/events", stop, nina).status_code == 201
        body = {"witness_id": personas.bob.pk, "witness_password": "not-bobs"}
        refused = post(client, f"{path}/controlled-substance", body, nina)
        assert refused.status_code == 400
        assert list(refused.json()["error"]["fields"]) == ["witness_password"]
        own = {"witness_id": personas.nina.pk, "witness_password": TEST_PASSWORD}
        itself = post(client, f"{path}/controlled-substance", own, nina)
        assert itself.status_code == 400
        assert list(itself.json()["error"]["fields"]) == ["witness_id"]
        assert not ControlledSubstanceRecord.objects.filter(session_id=session_id).exists()


def test_bodies_are_checked_before_the_services(client: Client, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        nina = token_for(personas, personas.nina)
        session_id = check_in(client, personas, appointment)
        path = f"sessions/{session_id}"
        unknown = post(client, f"{path}/checklist", {"item": "identity", "stauts": "pass"}, nina)
        assert unknown.status_code == 400
        assert unknown.json()["error"]["fields"] == {"stauts": ["Unknown field."]}
        derived = post(client, f"{path}/checklist", {"item": "consent", "status": "pass"}, nina)
        assert derived.status_code == 400
        assert "filled in from the record" in derived.json()["error"]["message"]
        long_key = post(client, f"{path}/vitals", GOOD_VITALS, nina, **keyed("k" * 65))
        assert long_key.status_code == 400
        missing = get(client, "sessions/999999", nina)
        assert missing.status_code == 404
        no_dose = post(client, f"{path}/dose/verify", {"dose_mg": "35"}, nina)
        assert no_dose.status_code == 404
        bad_day = get(client, "sessions?date=tomorrow", nina)
        assert bad_day.status_code == 400
        assert list(bad_day.json()["error"]["fields"]) == ["date"]


def test_a_retried_start_at_the_computed_rate_is_stored_once(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        nina = token_for(personas, personas.nina)
        session_id = check_in(client, personas, appointment)
        path = f"sessions/{session_id}"
        make_ready(client, personas, session_id, nina)
        verified(client, personas, session_id, prepared(client, personas, session_id, nina))
        started = post(client, f"{path}/events", {"kind": "start"}, nina, **keyed("s1"))
        assert started.status_code == 201
        again = post(client, f"{path}/events", {"kind": "start"}, nina, **keyed("s1"))
        assert again.status_code == 200
