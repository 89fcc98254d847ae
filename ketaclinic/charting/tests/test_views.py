"""The session pages as a nurse and a physician use them: each step posted as the tablet posts
it, refusals shown on the form with what was typed kept, and the board's query count pinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import SessionStatus, TreatmentSession, VitalSignReading
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    PHQ9_MILD,
    advance,
    at_appointment,
    booked_infusion,
    vial,
)
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


def _vitals(**changes: Any) -> dict[str, Any]:
    values = {**GOOD_VITALS, **changes}
    return {"step": "vitals", **{f"vitals-{key}": value for key, value in values.items()}}


def _post(client: Client, session: TreatmentSession, data: dict[str, Any], **extra: Any) -> Any:
    return client.post(reverse("charting:session", args=[session.pk]), data, **extra)


def test_a_nurse_runs_an_infusion_through_the_pages(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        nurse, physician, desk = (
            _client(personas.nina),
            _client(personas.bob),
            _client(personas.fran),
        )
        board = nurse.get(reverse("charting:board"))
        assert board.status_code == 200
        assert b"Expected" in board.content
        response = desk.post(reverse("charting:check_in", args=[appointment.pk]))
        assert response.status_code == 302
        session = TreatmentSession.objects.get(appointment=appointment)
        page = nurse.get(reverse("charting:session", args=[session.pk]))
        assert page.status_code == 200
        assert b"Pre-infusion checklist" in page.content
        questionnaire_record(
            acting_user=personas.nina,
            patient=session.patient,
            instrument_code="phq9",
            answers=PHQ9_MILD,
            context=ResponseContext.PRE_SESSION,
        )
        for item in ("identity", "fasting", "medication_holds", "no_substances", "equipment"):
            response = _post(
                nurse, session, {"step": "checklist", "checklist-item": item, "status": "pass"}
            )
            assert response.status_code == 302, response.content[:300]
        _post(
            nurse,
            session,
            {
                "step": "checklist",
                "checklist-item": "pregnancy_test",
                "status": "pass",
                "checklist-detail": "urine hCG negative",
            },
        )
        # A failed item with no detail is refused on the page.
        refused = _post(
            nurse, session, {"step": "checklist", "checklist-item": "fasting", "status": "fail"}
        )
        assert refused.status_code == 200
        assert "Say what is wrong" in refused.content.decode()
        assert (
            _post(
                nurse,
                session,
                {"step": "escort", "escort-name": "Sam Driver", "escort-phone": "303 555 0142"},
            ).status_code
            == 302
        )
        assert (
            _post(
                nurse,
                session,
                {"step": "measurements", "measure-weight_kg": "70", "measure-height_cm": "175"},
            ).status_code
            == 302
        )
        # An impossible baseline is refused with the typed values kept.
        page = _post(nurse, session, _vitals(systolic_mmhg=400))
        assert page.status_code == 200
        assert b"not a possible reading" in page.content
        assert b'value="400"' in page.content
        assert _post(nurse, session, _vitals()).status_code == 302
        session.refresh_from_db()
        assert session.status == SessionStatus.READY
        container = vial(personas)
        response = _post(
            nurse,
            session,
            {
                "step": "dose",
                "dose-container": container.pk,
                "dose-container_kind": "bag",
                "dose-diluent_volume_ml": "100",
            },
        )
        assert response.status_code == 302
        page = nurse.get(reverse("charting:session", args=[session.pk]))
        assert b"35 mg" in page.content
        assert b"151.1 mL/h" in page.content
        blind = physician.get(reverse("charting:session", args=[session.pk]))  # the verifier
        assert b"151.1 mL/h" not in blind.content
        wrong = _post(
            physician,
            session,
            {"step": "verify", "verify-dose_mg": "35.00", "verify-rate_ml_per_h": "150"},
        )
        assert b"Does not match the computed pump rate" in wrong.content
        assert (
            _post(
                physician,
                session,
                {"step": "verify", "verify-dose_mg": "35.00", "verify-rate_ml_per_h": "151.1"},
            ).status_code
            == 302
        )
        start = _post(
            nurse,
            session,
            {"step": "pump", "pump-kind": "start", "pump-idempotency_key": "start-1"},
            HTTP_ACCEPT="application/json",
        )
        assert start.json()["ok"] is True
        advance(clock, 5)
        # The tablet sends a reading, the connection drops, it sends it again: stored once.
        data = _vitals(systolic_mmhg=150)
        data["vitals-idempotency_key"] = "reading-1"
        for _ in range(2):
            sent = _post(nurse, session, data, HTTP_ACCEPT="application/json")
            assert sent.status_code == 200
        assert VitalSignReading.objects.filter(session=session).count() == 2
        bad = _post(nurse, session, _vitals(spo2_percent=120), HTTP_ACCEPT="application/json")
        assert bad.status_code == 400
        assert "not a possible reading" in bad.json()["message"]
        advance(clock, 5)
        _post(nurse, session, _vitals(spo2_percent=89))
        page = nurse.get(reverse("charting:session", args=[session.pk]))
        assert b"CRITICAL" in page.content
        assert b"<svg" in page.content
        alarm = session.alarms.get()
        assert (
            _post(
                nurse,
                session,
                {
                    "step": "alarm",
                    "alarm-alarm_id": alarm.pk,
                    "alarm-action_taken": "Probe repositioned, 97%",
                },
            ).status_code
            == 302
        )
        live = nurse.get(reverse("charting:live", args=[session.pk]))
        assert live.status_code == 200
        assert b"CRITICAL" not in live.content
        advance(clock, 35)
        nurse = _client(
            personas.nina
        )  # signed out when idle; at the chair the live panel's refresh keeps it
        assert (
            _post(
                nurse,
                session,
                {"step": "pump", "pump-kind": "stop", "pump-idempotency_key": "stop-1"},
            ).status_code
            == 302
        )
        page = nurse.get(reverse("charting:session", args=[session.pk]))
        assert b"Recovery" in page.content
        reconcile = _post(
            nurse,
            session,
            {
                "step": "reconcile",
                "reconcile-witness": personas.bob.pk,
                "reconcile-witness_password": "wrong",
                "reconcile-waste_reason": "Remainder",
            },
        )
        assert reconcile.status_code == 200
        assert b"password" in reconcile.content


def test_the_board_renders_twelve_chairs_in_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: Any
) -> None:
    """Twelve chairs at the clinic, each with its own patient's session in use. The first is
    booked and checked in through the services; the other eleven patients get their own course
    and their rows are made directly (booking twelve treatments at one hour would meet the
    nurse-to-patient ratio)."""
    import datetime

    from ketaclinic.charting.tests.support import ready_session
    from ketaclinic.clinics.models import Chair
    from ketaclinic.courses.tests.support import course_for
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.testing.factories import ChairFactory, PatientFactory

    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        reading = session.readings.get()
        patients = [session.patient]
        for number in range(11):
            patient = PatientFactory(clinic=personas.clinic)
            course = course_for(personas, patient)
            other = Appointment.objects.create(
                clinic=personas.clinic,
                patient=patient,
                kind=appointment.kind,
                starts_at=appointment.starts_at + datetime.timedelta(minutes=number),
                ends_at=appointment.ends_at,
                chair=ChairFactory(room__clinic=personas.clinic),
                course=course,
                booked_by=personas.fran,
            )
            copy = TreatmentSession.objects.get(pk=session.pk)
            copy.pk = None
            copy.appointment = other
            copy.patient = other.patient
            copy.course = course
            copy.save()
            reading.pk = None
            reading.session = copy
            reading.idempotency_key = ""
            reading.save()
            patients.append(patient)
        assert Chair.objects.filter(clinic=personas.clinic, is_active=True).count() == 12
        nurse = _client(personas.nina)
        nurse.get(reverse("charting:board_body"))
        with django_assert_max_num_queries(20):
            response = nurse.get(reverse("charting:board_body"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("Open session") == 12
    assert all(patient.display_name in page for patient in patients)


def test_the_auditor_cannot_open_a_session(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        _client(personas.fran).post(reverse("charting:check_in", args=[appointment.pk]))
        session = TreatmentSession.objects.get(appointment=appointment)
        assert (
            _client(personas.otto).get(reverse("charting:session", args=[session.pk])).status_code
            == 403
        )
        refused = _client(personas.charlie).get(reverse("charting:session", args=[session.pk]))
        assert refused.status_code == 404  # another clinic's session: the same 404 as a missing one


def test_the_board_takes_the_same_queries_for_one_chair_and_twelve(personas: Personas) -> None:
    """Twelve chairs in use (rows made directly: booking would refuse one patient twelve
    times) cost the board no more queries than one."""
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.charting.models import SessionAlarm
    from ketaclinic.charting.tests.support import ready_session
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.testing.factories import ChairFactory

    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        desk = _client(personas.nina)  # the board is clinical
        url = reverse("charting:board_body")
        desk.get(url)
        with CaptureQueriesContext(connection) as one:
            assert desk.get(url).status_code == 200
        reading = session.readings.get()
        for number in range(11):
            chair = ChairFactory(room__clinic=personas.clinic)
            other = Appointment.objects.create(
                clinic=personas.clinic,
                patient=appointment.patient,
                kind=appointment.kind,
                starts_at=appointment.starts_at + datetime.timedelta(minutes=number),
                ends_at=appointment.ends_at,
                chair=chair,
                course=appointment.course,
                booked_by=personas.fran,
            )
            copy = TreatmentSession.objects.get(pk=session.pk)
            copy.pk = None
            copy.appointment = other
            copy.save()
            reading.pk = None
            reading.session = copy
            reading.idempotency_key = ""
            reading.save()
            SessionAlarm.objects.create(
                clinic=personas.clinic,
                session=copy,
                reading=reading,
                level=1,
                parameter="spo2",
                message="SpO2 93% is below 94%.",
                suggested_action="Check the probe.",
                raised_at=reading.measured_at,
                acknowledge_by=reading.measured_at + datetime.timedelta(minutes=5),
            )
        with CaptureQueriesContext(connection) as twelve:
            response = desk.get(url)
        assert response.content.decode().count("Open session") == 12
    assert len(twelve) == len(one)


def test_the_rems_form_is_filled_in_recovery_and_downloads_as_a_pdf(personas: Personas) -> None:
    """Esketamine: the REMS card appears once the devices are given; the PDF has the fields."""
    from ketaclinic.charting.models import RemsMonitoringForm
    from ketaclinic.charting.tests.test_esketamine import (
        _both_devices,
        _verified,
        booked_esketamine,
    )

    appointment = booked_esketamine(personas)
    with at_appointment(appointment) as clock:
        session = _verified(personas, appointment)
        _both_devices(personas, session, clock)
        nurse = _client(personas.nina)
        page = nurse.get(reverse("charting:session", args=[session.pk]))
        assert b"REMS Patient Monitoring Form" in page.content
        saved = _post(
            nurse,
            session,
            {
                "step": "rems",
                "rems-takes_benzodiazepines": "on",
                "rems-ready_to_leave_minutes": "95",
            },
        )
        assert saved.status_code == 302
        form = RemsMonitoringForm.objects.get(session=session)
        assert form.takes_benzodiazepines
        assert form.ready_to_leave_minutes == 95
        pdf = nurse.get(reverse("charting:rems_pdf", args=[session.pk]))
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        tracker = nurse.get(reverse("charting:rems_tracker"))
        assert session.patient.display_name.encode() in tracker.content
