"""Shifts, closures and the nurse-to-patient rule: booking refuses with the reason, the series
skips closed days, and a shift or day cannot be taken away from under a booking."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.consent.models import Treatment
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.courses.services import course_create, dose_order_sign
from ketaclinic.courses.tests.support import consent, course_for, open_weekdays
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import ClinicClosure, StaffShift
from ketaclinic.scheduling.series import series_propose
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.scheduling.staffing import (
    closure_add,
    nurse_ratio_problem,
    peak_concurrency,
    shift_add,
    shift_remove,
)
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.factories import ChairFactory, PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2027, 1, 4, 9, tzinfo=datetime.UTC)


def _at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def test_peak_concurrency_counts_overlaps_not_intervals() -> None:
    # Three visits in the window, but never more than two at once.
    intervals = [(_at(0), _at(60)), (_at(30), _at(90)), (_at(60), _at(120))]
    assert peak_concurrency(intervals, _at(0), _at(120)) == 2
    assert peak_concurrency(intervals, _at(95), _at(100)) == 1
    assert peak_concurrency([], _at(0), _at(10)) == 0


def test_the_ratio_allows_three_per_nurse_by_default() -> None:
    shift = [(_at(-60), _at(600))]
    two = [(_at(0), _at(100)), (_at(10), _at(110))]
    assert (
        nurse_ratio_problem(
            capacity_per_nurse=3, nurse_shifts=shift, treatments=two, start=_at(20), end=_at(120)
        )
        == ""
    )
    three = [*two, (_at(15), _at(115))]
    assert "4 patients would be infusing at once with 1 nurse" in nurse_ratio_problem(
        capacity_per_nurse=3, nurse_shifts=shift, treatments=three, start=_at(20), end=_at(120)
    )
    assert "No nurse is on shift" in nurse_ratio_problem(
        capacity_per_nurse=3,
        nurse_shifts=[(_at(0), _at(60))],
        treatments=[],
        start=_at(20),
        end=_at(120),
    )


def _ready_patient(personas: Personas) -> Any:
    patient = PatientFactory(clinic=personas.clinic)
    approve(personas, patient)
    consent(personas, patient, Treatment.IV_KETAMINE)
    course = course_create(
        acting_user=personas.bob,
        patient=patient,
        target_infusions=6,
        starting_dose=Decimal("0.5"),
        titration_plan="Ladder.",
        booster_plan="As needed.",
    )
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    return patient, course


def test_a_fourth_patient_infusing_with_one_nurse_is_refused(personas: Personas) -> None:
    open_weekdays(personas.clinic)
    day = personas.clinic.local_today() + datetime.timedelta(days=2)
    starts_at = local_moment(clinic=personas.clinic, day=day, time=datetime.time(9))
    for n in range(4):
        patient, course = _ready_patient(personas)
        booking = {
            "acting_user": personas.fran,
            "patient": patient,
            "kind": VisitKind.IV_INFUSION,
            "starts_at": starts_at + datetime.timedelta(minutes=10 * n),
            "chair": ChairFactory(room__clinic=personas.clinic),
            "course": course,
        }
        if n < 3:
            appointment_book(**booking)
        else:
            with pytest.raises(PreconditionFailed, match="4 patients would be infusing at once"):
                appointment_book(**booking)
    # A second nurse on shift makes room.
    shift_add(
        acting_user=personas.ada,
        clinic=personas.clinic,
        user=personas.alice,  # not a nurse: does not count
        starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(7)),
        ends_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(19)),
    )
    with pytest.raises(PreconditionFailed, match="with 1 nurse on shift"):
        appointment_book(**booking)


def test_a_treatment_without_a_nurse_on_shift_is_refused(personas: Personas) -> None:
    open_weekdays(personas.clinic, staff_days=0)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    day = personas.clinic.local_today() + datetime.timedelta(days=2)
    with pytest.raises(PreconditionFailed, match="No nurse is on shift"):
        appointment_book(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.IV_INFUSION,
            starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(9)),
            chair=ChairFactory(room__clinic=personas.clinic),
            course=course,
        )


def test_nothing_is_booked_on_a_closed_day_and_the_series_skips_it(personas: Personas) -> None:
    open_weekdays(personas.clinic)
    ChairFactory(room__clinic=personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    today = personas.clinic.local_today()
    monday = today + datetime.timedelta(days=7 - today.weekday())
    closure_add(
        acting_user=personas.ada, clinic=personas.clinic, day=monday, reason="Staff training"
    )
    with pytest.raises(PreconditionFailed, match=r"closed on .*: Staff training"):
        appointment_book(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.CONSULT,
            starts_at=local_moment(clinic=personas.clinic, day=monday, time=datetime.time(10)),
        )
    slots = series_propose(
        course=course,
        first_day=monday,
        weekdays=frozenset({0, 2, 4}),
        preferred_time=datetime.time(9),
        count=3,
    )
    first = slots[0].starts_at.astimezone(personas.clinic.zone).date()
    assert first == monday + datetime.timedelta(days=2)


def test_a_day_with_bookings_cannot_be_closed(personas: Personas) -> None:
    open_weekdays(personas.clinic)
    day = personas.clinic.local_today() + datetime.timedelta(days=3)
    appointment_book(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.CONSULT,
        starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(10)),
    )
    with pytest.raises(PreconditionFailed, match="1 appointment still booked"):
        closure_add(acting_user=personas.ada, clinic=personas.clinic, day=day, reason="Snow")
    with pytest.raises(InvalidInput, match="reason"):
        closure_add(
            acting_user=personas.ada,
            clinic=personas.clinic,
            day=day + datetime.timedelta(days=1),
            reason=" ",
        )
    assert not ClinicClosure.objects.exists()


def test_a_shift_covering_a_booked_treatment_cannot_be_removed(personas: Personas) -> None:
    open_weekdays(personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    day = personas.clinic.local_today() + datetime.timedelta(days=2)
    appointment_book(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.IV_INFUSION,
        starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(9)),
        chair=ChairFactory(room__clinic=personas.clinic),
        course=course,
    )
    start = local_moment(clinic=personas.clinic, day=day, time=datetime.time(7))
    shift = StaffShift.objects.get(starts_at=start)
    with pytest.raises(PreconditionFailed, match="is not covered: No nurse"):
        shift_remove(acting_user=personas.ada, shift=shift)
    # An empty day's shift goes.
    later = StaffShift.objects.get(starts_at=start + datetime.timedelta(days=10))
    shift_remove(acting_user=personas.ada, shift=later)
    assert not StaffShift.objects.filter(pk=later.pk).exists()


def test_shift_rules(personas: Personas) -> None:
    open_weekdays(personas.clinic, staff_days=0)
    day = personas.clinic.local_today() + datetime.timedelta(days=1)
    at = lambda hour: local_moment(clinic=personas.clinic, day=day, time=datetime.time(hour))  # noqa: E731
    shift_add(
        acting_user=personas.ada,
        clinic=personas.clinic,
        user=personas.nina,
        starts_at=at(7),
        ends_at=at(15),
    )
    with pytest.raises(Conflict, match="already has a shift"):
        shift_add(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.nina,
            starts_at=at(14),
            ends_at=at(19),
        )
    with pytest.raises(InvalidInput, match="ends after it starts"):
        shift_add(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.bob,
            starts_at=at(15),
            ends_at=at(9),
        )
    with pytest.raises(InvalidInput, match="does not work at"):
        shift_add(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.charlie,
            starts_at=at(7),
            ends_at=at(9),
        )
    with pytest.raises(PermissionRefused):
        shift_add(
            acting_user=personas.fran,
            clinic=personas.clinic,
            user=personas.nina,
            starts_at=at(16),
            ends_at=at(19),
        )


@pytest.mark.parametrize("role", list(Role))
def test_only_the_clinic_admin_keeps_shifts_and_closures(
    client_for: Any, personas: Personas, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    allowed = role == Role.CLINIC_ADMIN
    assert client.get(reverse("scheduling:staffing")).status_code == (200 if allowed else 403)
    day = personas.clinic.local_today() + datetime.timedelta(days=5)
    response = client.post(
        reverse("scheduling:staffing"),
        {"action": "closure", "closure-day": day.isoformat(), "closure-reason": "Holiday"},
    )
    assert response.status_code == (302 if allowed else 403)
    assert ClinicClosure.objects.exists() == allowed
    shift = client.post(
        reverse("scheduling:staffing"),
        {
            "action": "shift",
            "shift-user": str(personas.nina.pk),
            "shift-day": day.isoformat(),
            "shift-starts": "07:00",
            "shift-ends": "15:00",
        },
    )
    assert shift.status_code == (302 if allowed else 403)
    assert StaffShift.objects.exists() == allowed
