"""Treatment courses and dose orders: what a physician may sign, and every refusal with its
reason; the course's states; and booking treatments under the course (consent, dose order,
interval and weekly limits, REMS)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.models import Treatment
from ketaclinic.core.errors import (
    Conflict,
    InvalidInput,
    PermissionRefused,
    PreconditionFailed,
)
from ketaclinic.courses.models import CourseStatus, DoseOrder
from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
from ketaclinic.courses.tests.support import consent, course_for, open_weekdays
from ketaclinic.intake.models import EligibilityOutcome
from ketaclinic.intake.services import eligibility_decide
from ketaclinic.medicine.protocols import INTRANASAL_ESKETAMINE
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

PLANS = {
    "titration_plan": "Step up the protocol's ladder at review if tolerated.",
    "booster_plan": "Boosters when PHQ-9 rises by 5.",
}


def _create(personas: Personas, **changes: Any) -> Any:
    values: dict[str, Any] = {
        "acting_user": personas.bob,
        "patient": personas.pat,
        "target_infusions": 6,
        "starting_dose": Decimal("0.5"),
        **PLANS,
    }
    values.update(changes)
    return course_create(**values)


def test_a_physician_signs_a_course_under_the_approved_protocol(personas: Personas) -> None:
    course = course_for(personas)
    assert course.protocol_key == "iv-ketamine-depression@1"
    assert course.status == CourseStatus.PLANNED
    # The clinic's course rules (CLINICAL.md §8): 48 h apart, 3 a week, review at 4 and 6.
    assert (course.minimum_interval_hours, course.maximum_per_week) == (48, 3)
    assert course.review_checkpoints == [4, 6]
    assert course.maximum_infusions == 12
    assert course.signed_by == personas.bob
    assert AuditEvent.objects.filter(action=AuditAction.COURSE_SIGNED).exists()


def test_no_course_without_an_approval(personas: Personas) -> None:
    with pytest.raises(PreconditionFailed, match="needs a physician's signed approval"):
        _create(personas)
    approve(personas, personas.pat)
    eligibility_decide(
        acting_user=personas.alice,
        patient=personas.pat,
        outcome=EligibilityOutcome.MORE_INFORMATION,
        note="ECG first.",
        requested_items="ECG",
    )
    with pytest.raises(PreconditionFailed, match="more information needed"):
        _create(personas)


def test_no_course_without_current_consent(personas: Personas) -> None:
    approve(personas, personas.pat)
    with pytest.raises(PreconditionFailed, match="consent"):
        _create(personas)


def test_one_open_course_at_a_time(personas: Personas) -> None:
    course_for(personas)
    with pytest.raises(Conflict, match="already has an open course"):
        _create(personas)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"target_infusions": 13}, "target_infusions", "cannot have 13 infusions"),
        ({"target_infusions": 0}, "target_infusions", "cannot have 0 infusions"),
        ({"starting_dose": Decimal("1.2")}, "starting_dose", "above this protocol's cap"),
        ({"starting_dose": Decimal("0")}, "starting_dose", "more than zero"),
        ({"titration_plan": " "}, "titration_plan", "titration and booster"),
    ],
)
def test_a_plan_outside_the_rules_is_refused(
    personas: Personas, changes: dict[str, Any], field: str, message: str
) -> None:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    with pytest.raises(InvalidInput, match=message) as refusal:
        _create(personas, **changes)
    assert field in refusal.value.fields


@pytest.mark.parametrize("who", ["nina", "fran", "theo", "ada", "otto", "charlie"])
def test_only_physicians_sign_courses(personas: Personas, who: str) -> None:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    with pytest.raises(PermissionRefused):
        _create(personas, acting_user=getattr(personas, who))


def test_the_course_moves_only_along_its_lifecycle(personas: Personas) -> None:
    course = course_for(personas)
    with pytest.raises(PreconditionFailed, match="planned cannot become maintenance"):
        course_transition(
            acting_user=personas.bob, course=course, to_status=CourseStatus.MAINTENANCE
        )
    course = course_transition(
        acting_user=personas.bob, course=course, to_status=CourseStatus.INDUCTION
    )
    with pytest.raises(InvalidInput, match="reason"):
        course_transition(acting_user=personas.bob, course=course, to_status=CourseStatus.STOPPED)
    with pytest.raises(PermissionRefused):
        course_transition(
            acting_user=personas.nina, course=course, to_status=CourseStatus.COMPLETED
        )
    course = course_transition(
        acting_user=personas.bob,
        course=course,
        to_status=CourseStatus.STOPPED,
        reason="No improvement at infusion 4 (under 20%).",
    )
    assert course.status == CourseStatus.STOPPED
    with pytest.raises(PreconditionFailed, match="stopped cannot become"):
        course_transition(acting_user=personas.bob, course=course, to_status=CourseStatus.INDUCTION)
    assert AuditEvent.objects.filter(action=AuditAction.COURSE_STATUS_CHANGED).count() == 2
    # A closed course makes room for a new one.
    assert _create(personas).status == CourseStatus.PLANNED


def test_dose_orders_are_checked_against_the_protocol(personas: Personas) -> None:
    course = course_for(personas)
    order = dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    assert order.expires_at - order.signed_at == datetime.timedelta(days=30)
    assert order.warnings == []
    warned = dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.9"))
    assert "outside most of the evidence" in warned.warnings[0]
    with pytest.raises(InvalidInput, match="above this protocol's cap"):
        dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("1.2"))
    over = dose_order_sign(
        acting_user=personas.bob,
        course=course,
        dose=Decimal("1.2"),
        override_reason="Partial response at 1.0 mg/kg, tolerated; anaesthesia consulted.",
    )
    assert "physician override" in over.warnings[0]
    with pytest.raises(InvalidInput, match="absolute limit"):
        dose_order_sign(
            acting_user=personas.bob, course=course, dose=Decimal("2"), override_reason="x"
        )
    with pytest.raises(InvalidInput, match="1 to 30 days"):
        dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"), valid_days=31)
    with pytest.raises(PermissionRefused):
        dose_order_sign(acting_user=personas.nina, course=course, dose=Decimal("0.5"))
    assert DoseOrder.objects.count() == 3
    assert AuditEvent.objects.filter(action=AuditAction.DOSE_ORDER_SIGNED).count() == 3


def test_a_dose_orders_life_is_the_clinics_rule(personas: Personas) -> None:
    """The medical director's rule (clinic rules `dose_orders.valid_days`), not the server's
    environment: the default life of an order and the longest a physician may give."""
    course = course_for(personas)
    personas.clinic.rule_overrides = {"dose_orders": {"valid_days": 14}}
    personas.clinic.save(update_fields=["rule_overrides"])
    course.refresh_from_db()
    order = dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    assert order.expires_at - order.signed_at == datetime.timedelta(days=14)
    with pytest.raises(InvalidInput, match="1 to 14 days"):
        dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"), valid_days=20)
    assert DoseOrder.objects.count() == 1


def test_a_closed_course_takes_no_dose_order(personas: Personas) -> None:
    course = course_for(personas)
    course_transition(
        acting_user=personas.bob, course=course, to_status=CourseStatus.STOPPED, reason="Moved"
    )
    with pytest.raises(PreconditionFailed, match="needs an open course"):
        dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))


# --- booking treatments under the course -------------------------------------------------


@pytest.fixture
def ready(personas: Personas) -> dict[str, Any]:
    open_weekdays(personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    return {"course": course, "chair": ChairFactory(room__clinic=personas.clinic)}


def _day(personas: Personas, offset: int) -> datetime.date:
    return personas.clinic.local_today() + datetime.timedelta(days=offset)


def _infusion(personas: Personas, ready: dict[str, Any], day: datetime.date, **kw: Any) -> Any:
    values: dict[str, Any] = {
        "acting_user": personas.fran,
        "patient": personas.pat,
        "kind": VisitKind.IV_INFUSION,
        "starts_at": local_moment(clinic=personas.clinic, day=day, time=datetime.time(9)),
        "chair": ready["chair"],
        "course": ready["course"],
    }
    values.update(kw)
    return appointment_book(**values)


def test_an_infusion_is_booked_under_the_course(personas: Personas, ready: dict[str, Any]) -> None:
    appointment = _infusion(personas, ready, _day(personas, 2))
    assert appointment.course == ready["course"]
    assert appointment.ends_at - appointment.starts_at == datetime.timedelta(minutes=100)


def test_infusions_keep_the_courses_interval_and_weekly_limit(
    personas: Personas, ready: dict[str, Any]
) -> None:
    monday = _day(personas, 7 - personas.clinic.local_today().weekday())
    _infusion(personas, ready, monday)
    with pytest.raises(PreconditionFailed, match=r"Only 24 h from .*; the minimum is 48 h"):
        _infusion(personas, ready, monday + datetime.timedelta(days=1))
    _infusion(personas, ready, monday + datetime.timedelta(days=2))
    _infusion(personas, ready, monday + datetime.timedelta(days=4))
    with pytest.raises(PreconditionFailed, match="already has 3 treatments; the maximum is 3"):
        _infusion(personas, ready, monday + datetime.timedelta(days=6))


def test_no_infusion_without_a_dose_order_covering_it(
    personas: Personas, ready: dict[str, Any]
) -> None:
    DoseOrder.objects.update(expires_at=timezone.now() + datetime.timedelta(days=3))
    _infusion(personas, ready, _day(personas, 2))
    with pytest.raises(PreconditionFailed, match="No signed dose order covers"):
        _infusion(personas, ready, _day(personas, 5))


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"course": None}, PreconditionFailed, "booked under the patient's signed treatment"),
        ({"chair": None}, InvalidInput, "needs a chair"),
        ({"kind": VisitKind.ESKETAMINE}, InvalidInput, "given in a"),
        ({"kind": VisitKind.CONSULT}, InvalidInput, "Only treatments are booked under a course"),
    ],
)
def test_a_treatment_booking_missing_a_piece_is_refused(
    personas: Personas,
    ready: dict[str, Any],
    changes: dict[str, Any],
    error: type[Exception],
    message: str,
) -> None:
    with pytest.raises(error, match=message):
        _infusion(personas, ready, _day(personas, 2), **changes)
    assert not Appointment.objects.exists()


def test_a_stopped_course_books_nothing(personas: Personas, ready: dict[str, Any]) -> None:
    course_transition(
        acting_user=personas.bob,
        course=ready["course"],
        to_status=CourseStatus.STOPPED,
        reason="Patient moved away",
    )
    ready["course"].refresh_from_db()
    with pytest.raises(PreconditionFailed, match="stopped; no more treatments"):
        _infusion(personas, ready, _day(personas, 2))


def test_esketamine_needs_rems_enrolment_before_booking(personas: Personas) -> None:
    open_weekdays(personas.clinic)
    approve(personas, personas.pat, protocol_key=INTRANASAL_ESKETAMINE.key)
    consent(personas, personas.pat, Treatment.ESKETAMINE)
    course = _create(personas, starting_dose=Decimal("56"))
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("56"))
    chair = ChairFactory(room__clinic=personas.clinic)
    starts_at = local_moment(clinic=personas.clinic, day=_day(personas, 2), time=datetime.time(9))
    booking = {
        "acting_user": personas.fran,
        "patient": personas.pat,
        "kind": VisitKind.ESKETAMINE,
        "starts_at": starts_at,
        "chair": chair,
    }
    with pytest.raises(PreconditionFailed, match="SPRAVATO REMS enrolment"):
        appointment_book(**booking, course=course)
    course.rems_patient_enrollment = "REMS-0042"
    course.save()
    appointment = appointment_book(**booking, course=course)
    # At least 2 h of observation after the devices (CLINICAL.md §7.1).
    assert appointment.ends_at - appointment.starts_at >= datetime.timedelta(hours=2, minutes=15)
