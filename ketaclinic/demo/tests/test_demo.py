"""`ketaclinic demo` builds Catalyst Clinic once, keeps data on a second run, and scales up."""

from __future__ import annotations

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import CommandError, call_command

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.roles import Role
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.demo.people import DEMO_PATIENT_EMAIL, DEMO_STAFF, demo_totp_secret
from ketaclinic.patients.models import JourneyStage, Patient

pytestmark = pytest.mark.django_db


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_has_one_sign_in_per_role_each_with_an_authenticator() -> None:
    output = run_demo()
    clinic = Clinic.objects.get(slug="catalyst-denver")
    roles = set(StaffMembership.objects.filter(clinic=clinic).values_list("role", flat=True))
    assert roles == set(Role)
    for staff in DEMO_STAFF:
        assert staff.email in output
        assert Authenticator.objects.filter(user__email=staff.email, type="totp").exists()
    assert DEMO_PATIENT_EMAIL in output
    assert "catalyst-demo-2026" in output
    assert Chair.objects.filter(clinic=clinic, is_active=True).count() == 6


def test_the_demo_covers_every_stage_of_the_journey_but_discharge() -> None:
    run_demo()
    stages = set(Patient.objects.values_list("journey_stage", flat=True))
    assert stages >= set(JourneyStage) - {JourneyStage.DISCHARGED}


def test_a_second_run_keeps_what_is_there() -> None:
    run_demo()
    nurse = User.objects.get(email="nurse.chen@catalyst.example")
    nurse.full_name = "Grace Chen-Ortiz"
    nurse.save()
    counts = (User.objects.count(), Patient.objects.count(), Authenticator.objects.count())
    output = run_demo()
    assert "0 users and 0 patients added now" in output
    assert (User.objects.count(), Patient.objects.count(), Authenticator.objects.count()) == counts
    assert User.objects.get(email="nurse.chen@catalyst.example").full_name == "Grace Chen-Ortiz"


def test_patients_scale_up_for_benchmarks_and_stay_deterministic() -> None:
    run_demo("--patients", "50")
    first = list(
        Patient.objects.filter(medical_record_number__startswith="CCX-")
        .order_by("medical_record_number")
        .values_list("legal_last_name", "date_of_birth")
    )
    assert len(first) == 50
    run_demo("--patients", "50")
    assert Patient.objects.filter(medical_record_number__startswith="CCX-").count() == 50


def test_demo_authenticator_secrets_are_fixed_per_user() -> None:
    assert demo_totp_secret("a@b.test") == demo_totp_secret("a@b.test")
    assert demo_totp_secret("a@b.test") != demo_totp_secret("c@b.test")


def test_totp_refuses_to_print_a_code_outside_debug(settings) -> None:
    settings.DEBUG = False
    run_demo()
    with pytest.raises(CommandError, match="runs only with DEBUG"):
        call_command("totp", "dr.rivera@catalyst.example")


def test_totp_prints_the_current_six_digit_code_in_debug(settings) -> None:
    settings.DEBUG = True
    run_demo()
    out = io.StringIO()
    call_command("totp", "dr.rivera@catalyst.example", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert len(code) == 6
    assert code.isdigit()
    with pytest.raises(CommandError, match="No authenticator app"):
        call_command("totp", "nobody@catalyst.example")


def test_the_demo_shows_each_step_of_the_journey() -> None:
    from ketaclinic.consent.models import ConsentSignature
    from ketaclinic.intake.models import EligibilityDecision, Intake, IntakeStatus

    run_demo()
    run_demo()  # and again: nothing is added twice
    assert Intake.objects.filter(status=IntakeStatus.DRAFT).count() == 1
    # six story patients past screening, the nine in treatment on today's board and the six
    # outcome stories
    assert Intake.objects.filter(status=IntakeStatus.SUBMITTED).count() == 6 + 9 + 6
    outcomes = sorted(EligibilityDecision.objects.values_list("outcome", flat=True))
    assert outcomes == ["approved"] * (4 + 9 + 6) + ["declined"]
    assert ConsentSignature.objects.count() == 3 + 9 + 6
    assert (
        Patient.objects.get(medical_record_number="CAT-00001").journey_stage
        == JourneyStage.IN_INDUCTION
    )


def test_the_demo_books_the_coming_days_consultations_once() -> None:
    from ketaclinic.scheduling.models import Appointment

    run_demo()
    run_demo()
    appointments = Appointment.objects.filter(
        clinic__slug="catalyst-denver", course=None, status="booked"
    )
    assert appointments.count() == 5
    assert {a.kind for a in appointments} == {"consult", "telehealth", "therapy", "follow_up"}
    for appointment in appointments:
        local = appointment.starts_at.astimezone(appointment.clinic.zone)
        assert local.weekday() < 5


def test_the_demo_week_has_infusions_under_signed_courses() -> None:
    from django.utils import timezone

    from ketaclinic.courses.models import CourseStatus, TreatmentCourse
    from ketaclinic.demo.outcomes import STORIES
    from ketaclinic.scheduling.models import Appointment

    run_demo()
    run_demo()
    courses = TreatmentCourse.objects.all()
    # eleven on the board and in the week, and the six outcome stories (three in induction, a
    # remitter done, a non-responder stopped, a relapse back on boosters)
    assert sorted(c.status for c in courses) == sorted(
        [CourseStatus.INDUCTION] * (11 + 3)
        + [CourseStatus.MAINTENANCE] * 2
        + [CourseStatus.COMPLETED, CourseStatus.STOPPED]
    )
    booked = Appointment.objects.filter(
        patient__medical_record_number__in=["CAT-00001", "CAT-00005", "CAT-00006"],
        starts_at__gt=timezone.now(),
    ).exclude(course=None)
    assert booked.count() == 12  # 6 + 5 induction infusions and one booster
    assert all(t.chair_id and t.kind == "iv_infusion" for t in booked)
    # the past month's nine sessions and today's discharged one, completed by the discharge, and
    # the outcome stories' infusions (imported history)
    stories = sum(len(s.induction) + len(s.boosters) for s in STORIES)
    assert Appointment.objects.filter(status="completed").count() == 9 + 1 + stories
    assert all(a.course_id for a in Appointment.objects.filter(status="completed"))


def test_the_demo_month_of_controlled_substances_adds_up() -> None:
    from django.db.models import Sum

    from ketaclinic.charting.models import DosePreparation
    from ketaclinic.inventory.models import Container, Draw, Movement, MovementKind

    run_demo()
    run_demo()
    counts = {kind: Movement.objects.filter(kind=kind).count() for kind in MovementKind.values}
    assert counts["receipt"] == 13
    # every draw is a session's dose preparation: the month's nine and today's five
    assert counts["draw"] == DosePreparation.objects.count() == 9 + 5
    for waste in Movement.objects.filter(kind=MovementKind.WASTE):
        assert waste.witness_id is not None
        assert waste.witness_id != waste.recorded_by_id
    for container in Container.objects.all():
        total = Movement.objects.filter(container=container).aggregate(t=Sum("container_delta"))[
            "t"
        ]
        assert container.balance == total >= 0
    # all accounted for but the dose still running in the infusing chair
    assert [d.preparation.session.status for d in Draw.objects.exclude(balance=0)] == ["infusing"]
    from ketaclinic.inventory.models import Discrepancy

    open_one = Discrepancy.objects.get(status="open")
    assert open_one.count_line.difference == -200  # 0.2 mL short in the opened vial
