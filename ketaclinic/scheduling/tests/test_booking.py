"""Booking visits: the rules that refuse, with their reasons; moving, cancelling, missed visits;
the clinic's wall-clock time across daylight-saving changes; who may book."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.models import OpeningHours
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    local_moment,
)
from ketaclinic.testing.factories import ChairFactory, PatientFactory
from ketaclinic.testing.personas import Personas, make_personas

pytestmark = pytest.mark.django_db


def _open_weekdays(clinic: Any) -> None:
    OpeningHours.objects.filter(clinic=clinic).delete()
    for weekday in range(5):
        OpeningHours.objects.create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(8),
            closes_at=datetime.time(18),
        )


def _next_weekday(clinic: Any, weekday: int = 1, weeks: int = 1) -> datetime.date:
    today = clinic.local_today()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


@pytest.fixture
def setup(personas: Personas) -> Personas:
    _open_weekdays(personas.clinic)
    return personas


def _at(personas: Personas, hour: int, minute: int = 0, weeks: int = 1) -> datetime.datetime:
    day = _next_weekday(personas.clinic, weeks=weeks)
    return local_moment(clinic=personas.clinic, day=day, time=datetime.time(hour, minute))


def _book(personas: Personas, **changes: Any) -> Appointment:
    values: dict[str, Any] = {
        "acting_user": personas.fran,
        "patient": personas.pat,
        "kind": VisitKind.CONSULT,
        "starts_at": _at(personas, 10),
    }
    values.update(changes)
    return appointment_book(**values)


def test_a_consult_is_booked_for_its_length_and_audited(setup: Personas) -> None:
    appointment = _book(setup)
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=60)
    assert appointment.status == AppointmentStatus.BOOKED
    event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_BOOKED)
    assert event.patient_id == setup.pat.pk


def test_the_patient_cannot_be_in_two_places(setup: Personas) -> None:
    _book(setup)
    with pytest.raises(Conflict, match=r"already has consultation at .* 10:00–11:00"):
        _book(setup, kind=VisitKind.THERAPY, starts_at=_at(setup, 10, 30))
    # Back to back is fine.
    _book(setup, kind=VisitKind.THERAPY, starts_at=_at(setup, 11))


def test_a_chair_holds_one_patient_at_a_time(setup: Personas) -> None:
    chair = ChairFactory(room__clinic=setup.clinic, name="Chair 1")
    _book(setup, chair=chair)
    with pytest.raises(Conflict, match=r"Chair 1 is booked .* 10:00–11:00"):
        _book(setup, patient=setup.quinn, chair=chair, starts_at=_at(setup, 10, 45))
    assert Appointment.objects.count() == 1


def test_a_chair_out_of_service_or_at_another_clinic_is_refused(setup: Personas) -> None:
    broken = ChairFactory(room__clinic=setup.clinic, name="Chair 9", is_active=False)
    with pytest.raises(PreconditionFailed, match="Chair 9 is out of service"):
        _book(setup, chair=broken)
    elsewhere = ChairFactory(room__clinic=setup.other_clinic)
    with pytest.raises(InvalidInput, match="another clinic"):
        _book(setup, chair=elsewhere)


@pytest.mark.parametrize(
    ("hour", "minute", "message"),
    [(7, 30, r"07:30–08:30 is outside the clinic's hours on \w+s \(08:00–18:00\)"), (17, 30, "")],
)
def test_a_visit_must_fit_the_opening_hours(
    setup: Personas, hour: int, minute: int, message: str
) -> None:
    with pytest.raises(PreconditionFailed, match=message or "outside the clinic's hours"):
        _book(setup, starts_at=_at(setup, hour, minute))


def test_the_clinic_closed_on_a_day_refuses_it(setup: Personas) -> None:
    saturday = _next_weekday(setup.clinic, weekday=5)
    starts_at = local_moment(clinic=setup.clinic, day=saturday, time=datetime.time(10))
    with pytest.raises(PreconditionFailed, match="closed on Saturdays"):
        _book(setup, starts_at=starts_at)


def test_a_time_in_the_past_is_refused(setup: Personas) -> None:
    with pytest.raises(InvalidInput, match="has passed"):
        _book(setup, starts_at=timezone.now() - datetime.timedelta(hours=1))


@pytest.mark.parametrize("kind", ["iv_infusion", "esketamine", "pain_infusion", "booster"])
def test_a_treatment_is_never_booked_as_a_free_standing_visit(setup: Personas, kind: str) -> None:
    with pytest.raises(PreconditionFailed, match="booked under the patient's signed treatment"):
        _book(setup, kind=VisitKind(kind))
    assert not Appointment.objects.exists()


def test_the_spring_forward_gap_does_not_exist(personas: Personas) -> None:
    # US clocks go from 02:00 to 03:00 on 14 March 2027.
    with pytest.raises(InvalidInput, match="02:30 on 14 Mar 2027 does not exist"):
        local_moment(
            clinic=personas.clinic, day=datetime.date(2027, 3, 14), time=datetime.time(2, 30)
        )


def test_wall_clock_times_hold_across_the_clock_change(personas: Personas) -> None:
    before = local_moment(
        clinic=personas.clinic, day=datetime.date(2027, 3, 12), time=datetime.time(9)
    )
    after = local_moment(
        clinic=personas.clinic, day=datetime.date(2027, 3, 15), time=datetime.time(9)
    )
    assert before.astimezone(datetime.UTC).hour == 16  # MST, UTC-7
    assert after.astimezone(datetime.UTC).hour == 15  # MDT, UTC-6
    _open_weekdays(personas.clinic)
    for starts_at in (before, after):
        appointment = _book(personas, starts_at=starts_at)
        appointment.refresh_from_db()
        local = appointment.starts_at.astimezone(personas.clinic.zone)
        assert (local.hour, local.minute) == (9, 0)
        assert appointment.ends_at.astimezone(personas.clinic.zone).hour == 10


def test_moving_frees_the_old_time_and_checks_the_new(setup: Personas) -> None:
    first = _book(setup)
    second = _book(setup, kind=VisitKind.FOLLOW_UP, starts_at=_at(setup, 14))
    with pytest.raises(Conflict):
        appointment_reschedule(
            acting_user=setup.fran,
            appointment=second,
            starts_at=_at(setup, 10, 15),
            reason="Patient asked",
        )
    moved = appointment_reschedule(
        acting_user=setup.fran, appointment=first, starts_at=_at(setup, 10, 30), reason="Traffic"
    )
    with pytest.raises(InvalidInput, match="reason for moving"):
        appointment_reschedule(
            acting_user=setup.fran, appointment=first, starts_at=_at(setup, 11), reason=" "
        )
    assert moved.ends_at.astimezone(setup.clinic.zone).time() == datetime.time(11, 30)
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_RESCHEDULED).count() == 1
    # The old slot is free for someone else.
    _book(setup, patient=setup.quinn, starts_at=_at(setup, 10))


def test_cancelling_needs_a_reason_and_happens_once(setup: Personas) -> None:
    appointment = _book(setup)
    with pytest.raises(InvalidInput, match="reason"):
        appointment_cancel(acting_user=setup.fran, appointment=appointment, reason="  ")
    cancelled = appointment_cancel(
        acting_user=setup.fran, appointment=appointment, reason="Patient unwell"
    )
    assert cancelled.status == AppointmentStatus.CANCELLED
    with pytest.raises(PreconditionFailed, match="already cancelled"):
        appointment_cancel(acting_user=setup.fran, appointment=appointment, reason="Again")
    # A cancelled visit frees the time.
    _book(setup)


def test_a_no_show_is_marked_only_once_the_visit_has_started(setup: Personas) -> None:
    appointment = _book(setup)
    with pytest.raises(PreconditionFailed, match="only once it has started"):
        appointment_mark_no_show(acting_user=setup.fran, appointment=appointment, reason="x")
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - datetime.timedelta(minutes=20),
        ends_at=timezone.now() + datetime.timedelta(minutes=40),
    )
    missed = appointment_mark_no_show(
        acting_user=setup.fran, appointment=appointment, reason="Did not arrive; no answer"
    )
    assert missed.status == AppointmentStatus.NO_SHOW
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_NO_SHOW).exists()


BOOKERS = {Role.PHYSICIAN, Role.MEDICAL_DIRECTOR, Role.NURSE, Role.FRONT_DESK, Role.CLINIC_ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_who_books(client_for: Any, setup: Personas, role: Role) -> None:
    user = setup.staff_by_role()[role]
    client = client_for(user)
    allowed = role in BOOKERS
    assert client.get(reverse("scheduling:day")).status_code == (200 if allowed else 403)
    page = client.get(reverse("scheduling:book", args=[setup.pat.pk]))
    assert page.status_code == (200 if allowed else 403)
    day = _next_weekday(setup.clinic)
    response = client.post(
        reverse("scheduling:book", args=[setup.pat.pk]),
        {"kind": "consult", "day": day.isoformat(), "time": "10:00"},
    )
    assert response.status_code == (302 if allowed else 403)
    assert Appointment.objects.exists() == allowed
    if not allowed:
        with pytest.raises(PermissionRefused):
            _book(setup, acting_user=user)


def test_a_patient_of_another_clinic_cannot_be_booked(client_for: Any, setup: Personas) -> None:
    response = client_for(setup.fran).get(reverse("scheduling:book", args=[setup.bea.pk]))
    assert response.status_code == 404


def test_the_booking_form_explains_a_refusal_and_keeps_what_was_typed(
    client_for: Any, setup: Personas
) -> None:
    _book(setup)
    day = _next_weekday(setup.clinic)
    response = client_for(setup.fran).post(
        reverse("scheduling:book", args=[setup.pat.pk]),
        {"kind": "therapy", "day": day.isoformat(), "time": "10:30", "note": "Bring records"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "already has consultation" in text
    assert 'value="Bring records"' in text
    bad = client_for(setup.fran).post(
        reverse("scheduling:book", args=[setup.pat.pk]),
        {"kind": "iv_infusion", "day": "2027-02-30", "time": "25:00"},
    )
    assert bad.status_code == 200
    assert Appointment.objects.count() == 1


def test_the_chart_and_the_day_show_the_booking(
    client_for: Any, setup: Personas, django_assert_max_num_queries: Any
) -> None:
    chair = ChairFactory(room__clinic=setup.clinic, name="Chair 1")
    appointment = _book(setup, chair=chair, clinician=setup.bob)
    chart = client_for(setup.fran).get(reverse("patients:detail", args=[setup.pat.pk]))
    assert "Upcoming appointments" in chart.content.decode()
    assert reverse("scheduling:detail", args=[appointment.pk]) in chart.content.decode()
    day = appointment.starts_at.astimezone(setup.clinic.zone).date()
    client = client_for(setup.fran)
    client.get(reverse("scheduling:day"), {"day": day.isoformat()})  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("scheduling:day"), {"day": day.isoformat()})
    for n in range(5):
        _book(
            setup,
            patient=PatientFactory(clinic=setup.clinic),
            starts_at=_at(setup, 12 + n),
            chair=ChairFactory(room__clinic=setup.clinic),
        )
    # The same number of queries for six appointments as for one: nothing per row.
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = client.get(reverse("scheduling:day"), {"day": day.isoformat()})
    text = page.content.decode()
    assert "Chair 1" in text
    assert "10:00–11:00" in text
    assert setup.pat.display_name in text


def test_the_detail_page_moves_and_cancels(client_for: Any, setup: Personas) -> None:
    appointment = _book(setup)
    client = client_for(setup.fran)
    url = reverse("scheduling:detail", args=[appointment.pk])
    day = _next_weekday(setup.clinic)
    moved = client.post(
        url,
        {
            "action": "move",
            "move-day": day.isoformat(),
            "move-time": "15:00",
            "move-reason": "Patient asked",
        },
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at.astimezone(setup.clinic.zone).hour == 15
    refused = client.post(url, {"action": "cancel", "close-reason": ""})
    assert refused.status_code == 200
    cancelled = client.post(url, {"action": "cancel", "close-reason": "Rescheduling later"})
    assert cancelled.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


NEEDS_CONCURRENT_WRITERS = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
)


@NEEDS_CONCURRENT_WRITERS
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(3))
def test_two_desks_booking_one_chair_at_once_exactly_one_wins(repetition: int) -> None:
    personas = make_personas()
    _open_weekdays(personas.clinic)
    chair = ChairFactory(room__clinic=personas.clinic, name="Chair 1")
    starts_at = _at(personas, 9)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(patient: Any) -> None:
        try:
            barrier.wait(timeout=10)
            appointment_book(
                acting_user=personas.fran,
                patient=patient,
                kind=VisitKind.CONSULT,
                starts_at=starts_at,
                chair=chair,
            )
            outcomes.append("booked")
        except Conflict as error:
            outcomes.append(f"conflict: {error.message}")
        finally:
            connection.close()

    workers = [
        threading.Thread(target=book, args=(patient,)) for patient in (personas.pat, personas.quinn)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(outcome.split(":")[0] for outcome in outcomes) == ["booked", "conflict"]
    assert "Chair 1 is booked" in next(o for o in outcomes if o.startswith("conflict"))
    assert Appointment.objects.filter(chair=chair).count() == 1
