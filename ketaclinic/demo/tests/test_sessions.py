"""The demo's session days: a month of charted sessions and today's board in every state."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from ketaclinic.charting.selectors import BoardRow
from ketaclinic.demo.tests.conftest import NOW  # the clock is frozen there (autouse)

pytestmark = pytest.mark.django_db


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


def board_rows() -> dict[str, list[BoardRow]]:
    from ketaclinic.charting.selectors import day_board
    from ketaclinic.clinics.models import Clinic

    clinic = Clinic.objects.get(slug="catalyst-denver")
    rows: dict[str, list[BoardRow]] = {}
    for chair in day_board(clinic=clinic, day=clinic.local_today()):
        for row in chair.rows:
            rows.setdefault(row.status, []).append(row)
    return rows


def test_todays_board_has_a_patient_in_every_state() -> None:
    from ketaclinic.charting.models import RemsMonitoringForm

    run_demo()
    rows = board_rows()
    assert {state: len(found) for state, found in rows.items()} == {
        "expected": 1,
        "arrived": 1,
        "checklist": 1,
        "infusing": 1,
        "recovery": 2,  # an IV infusion and the esketamine session
        "ready_for_discharge": 1,
        "discharged": 1,
        "no_show": 1,
    }
    infusing = rows["infusing"][0]
    assert infusing.open_alarms
    esketamine = [r for r in rows["recovery"] if r.session.is_esketamine]
    assert len(esketamine) == 1
    assert RemsMonitoringForm.objects.filter(session=esketamine[0].session).exists()
    discharged = rows["discharged"][0].session
    assert discharged is not None
    assert discharged.note.physician_signed_at is not None
    for state in ("arrived", "checklist", "infusing", "recovery", "ready_for_discharge"):
        for row in rows[state]:
            assert row.since is not None
            assert row.since <= NOW


def test_the_past_month_is_charted_to_a_co_signed_note() -> None:
    from ketaclinic.charting.models import SessionStatus, TreatmentSession
    from ketaclinic.scheduling.models import AppointmentStatus

    run_demo()
    today = NOW.date()
    # the month's charted sessions (the outcome stories' imported history has no chart inside)
    past = TreatmentSession.objects.filter(
        checked_in_at__lt=NOW - datetime.timedelta(days=1), preparations__isnull=False
    ).distinct()
    assert past.count() == 9
    for session in past.select_related("appointment", "note"):
        assert session.status == SessionStatus.DISCHARGED
        assert session.appointment.status == AppointmentStatus.COMPLETED
        assert session.note.nurse_signed_at.date() < today
        assert session.note.physician_signed_by_id not in (None, session.note.nurse_signed_by_id)
        assert session.discharged_at is not None
        assert session.stopped_at is not None
        assert session.started_at is not None
        assert session.discharged_at - session.stopped_at >= datetime.timedelta(minutes=30)
        assert session.scores.filter(instrument="modified_aldrete", total=10).exists()
        assert session.scores.filter(instrument="cadss6").exists()
        assert (
            session.scores.filter(recorded_at__gte=NOW - datetime.timedelta(hours=1)).count() == 0
        )
        preparation = session.preparations.get()
        assert preparation.verified_by_id != preparation.prepared_by_id
        assert preparation.verified_at is not None
        assert preparation.verified_at < session.started_at
    alarmed = past.filter(alarms__isnull=False).distinct().get()
    assert not alarmed.alarms.filter(acknowledged_at__isnull=True).exists()
    assert alarmed.pump_events.filter(kind="rate_change").exists()
    nauseous = past.get(side_effects__kind="nausea")
    assert nauseous.prns.get().drug == "Ondansetron"


def test_the_ledger_balances_after_every_reconciliation() -> None:
    from django.db.models import Sum

    from ketaclinic.charting.models import DosePreparation, SessionStatus
    from ketaclinic.inventory.models import Container, Discrepancy, Movement, MovementKind

    run_demo()
    reconciled = DosePreparation.objects.filter(
        session__status__in=[SessionStatus.RECOVERY, SessionStatus.DISCHARGED]
    ).select_related("draw", "session")
    assert reconciled.count() == 9 + 4  # the month, and today's from recovery on
    for preparation in reconciled:
        assert preparation.draw.balance == 0
        assert preparation.session.substance_records.exists()
    infusing = DosePreparation.objects.get(session__status=SessionStatus.INFUSING)
    assert infusing.draw.balance > 0  # still running: accounted for after the stop
    for waste in Movement.objects.filter(kind=MovementKind.WASTE):
        assert waste.witness_id not in (None, waste.recorded_by_id)
    for container in Container.objects.all():
        total = Movement.objects.filter(container=container).aggregate(t=Sum("container_delta"))
        assert container.balance == total["t"] >= 0
    assert Movement.objects.filter(kind=MovementKind.RECEIPT).count() == 13
    assert Discrepancy.objects.get(status="open").count_line.difference == -200


def test_a_second_build_adds_no_sessions() -> None:
    from ketaclinic.charting.models import TreatmentSession
    from ketaclinic.courses.models import DoseOrder, TreatmentCourse
    from ketaclinic.inventory.models import Movement
    from ketaclinic.scheduling.models import Appointment

    def counts() -> tuple[int, ...]:
        return tuple(
            model.objects.count()
            for model in (TreatmentSession, Appointment, TreatmentCourse, DoseOrder, Movement)
        )

    run_demo()
    before = counts()
    assert "0 users and 0 patients added now" in run_demo()
    assert counts() == before
