"""An esketamine session: devices 5 minutes apart, each posted to the ledger as it is given, at
least 2 hours of observation from the first, and the REMS monitoring form filled from the chart."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from ketaclinic.charting.models import (
    ControlledSubstanceRecord,
    PumpEvent,
    RemsMonitoringForm,
    SessionRoute,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors import observation_ends_at, rems_form_fields
from ketaclinic.charting.services import (
    device_administer,
    dose_prepare,
    dose_verify,
    pump_event_record,
    session_discharge,
    session_score_record,
    vitals_record,
)
from ketaclinic.charting.tests.support import (
    ALDRETE_FULL,
    GOOD_VITALS,
    advance,
    at_appointment,
    ready_session,
)
from ketaclinic.consent.models import Treatment
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.courses.services import course_create, dose_order_sign
from ketaclinic.courses.tests.support import consent, open_weekdays
from ketaclinic.inventory.models import Container, Movement, MovementKind
from ketaclinic.inventory.tests.support import esketamine_56, receive, safe
from ketaclinic.medicine.dosing import ESKETAMINE_DEVICE_MG
from ketaclinic.medicine.protocols import INTRANASAL_ESKETAMINE
from ketaclinic.medicine.session import ESKETAMINE_MINUTES_BETWEEN_DEVICES
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def booked_esketamine(personas: Personas) -> Appointment:
    open_weekdays(personas.clinic)
    approve(personas, personas.pat, protocol_key=INTRANASAL_ESKETAMINE.key)
    consent(personas, personas.pat, Treatment.ESKETAMINE)
    course = course_create(
        acting_user=personas.bob,
        patient=personas.pat,
        target_infusions=8,
        starting_dose=Decimal("56"),
        titration_plan="56 mg twice weekly for 4 weeks; 84 mg if tolerated and under 20% better.",
        booster_plan="Weekly from week 5, then every 2 weeks.",
        rems_patient_enrollment="REMS-0042",
    )
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("56"))
    day = personas.clinic.local_today() + datetime.timedelta(days=1)
    return appointment_book(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.ESKETAMINE,
        starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(9)),
        chair=ChairFactory(room__clinic=personas.clinic),
        course=course,
    )


def kit(personas: Personas) -> Container:
    return receive(personas, esketamine_56(personas.clinic), safe(personas.clinic), count=1)[0]


def _verified(personas: Personas, appointment: Appointment) -> TreatmentSession:
    session = ready_session(personas, appointment)
    assert session.route == SessionRoute.ESKETAMINE
    preparation = dose_prepare(acting_user=personas.nina, session=session, container=kit(personas))
    assert preparation.devices == 2
    assert preparation.dose_mg == Decimal("56")
    with pytest.raises(InvalidInput, match="does not match"):
        dose_verify(
            acting_user=personas.bob, preparation=preparation, dose_mg=Decimal("56"), devices=3
        )
    dose_verify(acting_user=personas.bob, preparation=preparation, dose_mg=Decimal("56"), devices=2)
    return session


def _both_devices(personas: Personas, session: TreatmentSession, clock: Any) -> list[PumpEvent]:
    first = device_administer(acting_user=personas.nina, session=session)
    advance(clock, 5)
    second = device_administer(acting_user=personas.nina, session=session)
    session.refresh_from_db()
    return [first, second]


def test_devices_are_given_five_minutes_apart_and_posted_to_the_ledger(
    personas: Personas,
) -> None:
    appointment = booked_esketamine(personas)
    with at_appointment(appointment) as clock:
        session = _verified(personas, appointment)
        with pytest.raises(PreconditionFailed, match="device"):
            pump_event_record(acting_user=personas.nina, session=session, kind="start")
        first = device_administer(acting_user=personas.nina, session=session)
        session.refresh_from_db()
        assert session.status == SessionStatus.INFUSING
        assert session.started_at == first.occurred_at
        given = Movement.objects.filter(appointment=appointment, kind=MovementKind.ADMINISTRATION)
        assert given.count() == 1
        advance(clock, 3)
        with pytest.raises(InvalidInput, match="5 minutes"):
            device_administer(acting_user=personas.nina, session=session)
        assert given.count() == 1
        assert PumpEvent.objects.filter(session=session).count() == 1
        advance(clock, 2)
        second = device_administer(acting_user=personas.nina, session=session)
        assert given.count() == 2
        assert sum(given.values_list("draw_delta", flat=True)) == -2
        session.refresh_from_db()
        assert session.status == SessionStatus.RECOVERY
        assert session.stopped_at == second.occurred_at
        assert session.delivered_mg == Decimal("56")
        record = ControlledSubstanceRecord.objects.get(session=session)
        assert (record.administered_units, record.wasted_units) == (2, 0)
        advance(clock, 5)
        with pytest.raises((InvalidInput, PreconditionFailed)):
            device_administer(acting_user=personas.nina, session=session)
        assert given.count() == 2


def test_the_session_page_states_the_device_rules_from_medicine(
    personas: Personas, client_for: Any
) -> None:
    device = f"{ESKETAMINE_DEVICE_MG} mg"
    apart = f"{ESKETAMINE_MINUTES_BETWEEN_DEVICES} minutes apart"
    appointment = booked_esketamine(personas)
    with at_appointment(appointment):
        session = _verified(personas, appointment)
        client = client_for(personas.nina)  # signed in at the chair's time (idle limit)
        prepared = client.get(reverse("charting:session", args=[session.pk])).content.decode()
        assert f"2 × {device} devices, {apart}" in " ".join(prepared.split())
        device_administer(acting_user=personas.nina, session=session)
        giving = client.get(reverse("charting:session", args=[session.pk])).content.decode()
        assert f"({device} each, {apart})" in " ".join(giving.split())


def test_observation_is_at_least_two_hours_from_the_first_device(personas: Personas) -> None:
    appointment = booked_esketamine(personas)
    with at_appointment(appointment) as clock:
        session = _verified(personas, appointment)
        first, _ = _both_devices(personas, session, clock)
        assert session.observation_minimum_min >= 120
        assert observation_ends_at(session) == first.occurred_at + datetime.timedelta(minutes=120)
        session_score_record(
            acting_user=personas.nina,
            session=session,
            instrument="modified_aldrete",
            answers=ALDRETE_FULL,
        )
        clock.move_to(first.occurred_at + datetime.timedelta(minutes=119))
        vitals_record(acting_user=personas.nina, session=session, **GOOD_VITALS, moaa_s=5)
        with pytest.raises(PreconditionFailed, match="Not ready"):
            session_discharge(
                acting_user=personas.nina,
                session=session,
                escort_name="Sam Driver",
                instructions_given=True,
            )
        clock.move_to(first.occurred_at + datetime.timedelta(minutes=120))
        discharged = session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )
        assert discharged.status == SessionStatus.DISCHARGED
        assert any("next day" in line for line in discharged.discharge_instructions)


def test_the_rems_form_is_due_in_seven_days_and_filled_from_the_chart(
    personas: Personas,
) -> None:
    appointment = booked_esketamine(personas)
    with at_appointment(appointment) as clock:
        session = _verified(personas, appointment)  # baseline 122/78
        first, second = _both_devices(personas, session, clock)
        form = RemsMonitoringForm.objects.get(session=session)
        assert form.due_by == second.occurred_at + datetime.timedelta(days=7)
        assert form.submitted_at is None
        for minute, (systolic, diastolic) in ((20, (138, 84)), (40, (150, 88)), (90, (130, 80))):
            clock.move_to(first.occurred_at + datetime.timedelta(minutes=minute))
            vitals_record(
                acting_user=personas.nina,
                session=session,
                **{**GOOD_VITALS, "systolic_mmhg": systolic, "diastolic_mmhg": diastolic},
            )
        clock.move_to(first.occurred_at + datetime.timedelta(minutes=121))
        vitals_record(
            acting_user=personas.nina,
            session=session,
            **{**GOOD_VITALS, "systolic_mmhg": 124, "diastolic_mmhg": 76, "moaa_s": 5},
        )
        session_score_record(
            acting_user=personas.nina,
            session=session,
            instrument="modified_aldrete",
            answers=ALDRETE_FULL,
        )
        session_discharge(
            acting_user=personas.nina,
            session=session,
            escort_name="Sam Driver",
            instructions_given=True,
        )
        fields = rems_form_fields(form=form)
        assert fields.bp_before == "122/78"
        assert fields.bp_at_40 == "150/88"
        assert fields.bp_end == "124/76"
        assert fields.vitals_ok_before is True
        assert fields.enrolled
        assert fields.enrolment_number == "REMS-0042"
        assert fields.first_treatment
        assert fields.dose_mg == Decimal("56")
        assert fields.total_monitoring_minutes == 121
        assert fields.treatment_date == timezone.localdate(first.occurred_at, personas.clinic.zone)
