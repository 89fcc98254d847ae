"""The demo built on a Sunday evening looks like a real clinic's (issue 16, item 10): the busy
day is Monday, in opening hours, with nurses on shift beside every chair taken; the board fills
in when the demo runs again on Monday morning; and a patient registered afterwards continues the
demo's own record numbers."""

from __future__ import annotations

import datetime
import io
from typing import ClassVar
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.test import TestCase

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import TreatmentSession
from ketaclinic.charting.selectors import day_board
from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.patients.services import PatientDetails, patient_register
from ketaclinic.scheduling.models import Appointment, StaffShift

DENVER = ZoneInfo("America/Denver")
SUNDAY_EVENING = datetime.datetime(2026, 12, 6, 19, 34, tzinfo=DENVER)
MONDAY = datetime.date(2026, 12, 7)


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", stdout=out)
    return out.getvalue()


class TheDemoBuiltOnASundayEvening(TestCase):
    clinic: ClassVar[Clinic]
    output: ClassVar[str]

    @classmethod
    def setUpTestData(cls) -> None:
        with time_machine.travel(SUNDAY_EVENING, tick=False):
            cls.output = run_demo()
        cls.clinic = Clinic.objects.get(slug="catalyst-denver")

    def hand_built_treatments(self) -> list[Appointment]:
        return list(
            Appointment.objects.filter(clinic=self.clinic, chair__isnull=False).exclude(
                patient__medical_record_number__startswith="CCX-"
            )
        )

    def test_books_mondays_board_in_opening_hours_and_says_so(self) -> None:
        assert "Monday 07 December" in self.output
        monday = [
            a
            for a in self.hand_built_treatments()
            if a.starts_at.astimezone(DENVER).date() == MONDAY
        ]
        assert len(monday) == 7 + 2  # the board's seven, the no-show to be and the one expected
        hours = OpeningHours.objects.get(clinic=self.clinic, weekday=0)
        for appointment in monday:
            assert appointment.starts_at.astimezone(DENVER).time() >= hours.opens_at
            assert appointment.ends_at.astimezone(DENVER).time() <= hours.closes_at
        # Nothing charted ahead of the clock, and nothing on the closed Sunday.
        assert not TreatmentSession.objects.filter(checked_in_at__gt=SUNDAY_EVENING).exists()
        assert not [
            a for a in self.hand_built_treatments() if a.starts_at.astimezone(DENVER).weekday() == 6
        ]

    def test_every_chair_day_has_the_nurses_on_shift(self) -> None:
        nurses = set(User.objects.filter(email__startswith="nurse.").values_list("pk", flat=True))
        for appointment in self.hand_built_treatments():
            on_shift = set(
                StaffShift.objects.filter(
                    clinic=self.clinic,
                    starts_at__lte=appointment.starts_at,
                    ends_at__gte=appointment.ends_at,
                ).values_list("user_id", flat=True)
            )
            assert on_shift == nurses, appointment.starts_at

    def test_monday_mornings_run_charts_the_board_in_every_state(self) -> None:
        # At the board's moment (three and a quarter hours after opening); later, the states move on.
        with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 15, tzinfo=DENVER), tick=False):
            output = run_demo()
            states = sorted(
                row.status
                for chair in day_board(clinic=self.clinic, day=MONDAY)
                for row in chair.rows
            )
        assert "Today's board" in output
        assert states == sorted(
            [
                "expected",
                "arrived",
                "checklist",
                "infusing",
                "recovery",
                "recovery",
                "ready_for_discharge",
                "discharged",
                "no_show",
            ]
        )

    def test_a_patient_registered_afterwards_continues_the_demos_record_numbers(self) -> None:
        numbers = set(
            Patient.objects.filter(clinic=self.clinic)
            .exclude(medical_record_number__startswith="CCX-")
            .values_list("medical_record_number", flat=True)
        )
        assert all(number.startswith("CAT-") for number in numbers)
        patient = patient_register(
            acting_user=User.objects.get(email="frontdesk.patel@catalyst.example"),
            clinic=self.clinic,
            details=PatientDetails(
                legal_first_name="Maya",
                legal_last_name="Torres",
                date_of_birth=datetime.date(1990, 4, 2),
                sex_at_birth=SexAtBirth.FEMALE,
                phone="(720) 555-0199",
            ),
        )
        highest = max(int(number.split("-")[1]) for number in numbers)
        assert patient.medical_record_number == f"CAT-{highest + 1:05d}"
