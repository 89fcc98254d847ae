"""The dashboard and each patient's outcome page give every course the same PHQ-9 baseline,
latest score, status, infusions given and infusions to response (one definition:
medicine/outcomes.py, CLINICAL.md §8, §9.3).

The demo is built once for the module (Django's setUpTestData, rolled back afterwards) at a fixed
moment, through its command (analytics sits below the demo and does not import it); every course
of every demo clinic is compared.
"""

from __future__ import annotations

import datetime
import io
from typing import ClassVar
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.test import TestCase

from ketaclinic.analytics.selectors import (
    OUTCOME_INSTRUMENT,
    CourseOutcomeRow,
    DashboardFilters,
    Rate,
    dashboard_course_outcomes,
    dashboard_figures,
)
from ketaclinic.care.selectors import course_outcomes_for_patient
from ketaclinic.charting.models import SessionStatus, TreatmentSession
from ketaclinic.clinics.models import Clinic
from ketaclinic.medicine.outcomes import RESPONDED, OutcomeStatus
from ketaclinic.patients.models import Patient

NOW = datetime.datetime(2026, 12, 2, 13, 30, tzinfo=ZoneInfo("America/Denver"))
EVERYTHING = datetime.date(2000, 1, 1)


def _filters(clinic: Clinic) -> DashboardFilters:
    return DashboardFilters(clinic=clinic, first_day=EVERYTHING, last_day=NOW.date())


def _dashboard(clinic: Clinic) -> dict[int, CourseOutcomeRow]:
    return {row.course_id: row for row in dashboard_course_outcomes(filters=_filters(clinic))}


def _assert_figures_count(rows: list[CourseOutcomeRow], clinic: Clinic) -> None:
    """The dashboard's outcome figures are counted from these same rows."""
    figures = dashboard_figures(filters=_filters(clinic))
    measured = [row.status for row in rows if row.status is not None]
    overall = figures.outcomes_overall
    assert overall.responded == Rate(sum(s in RESPONDED for s in measured), len(measured))
    assert overall.remitted == Rate(measured.count(OutcomeStatus.REMISSION), len(measured))
    responders = [row for row in rows if row.infusions_to_response is not None]
    assert figures.responders_with_infusion_count == len(responders)


Shown = tuple[int | None, int | None, str | None, int, int | None]


def _dashboard_shows(row: CourseOutcomeRow) -> Shown:
    return (row.baseline, row.latest, row.status, row.given, row.infusions_to_response)


def _patient_pages(clinic: Clinic) -> dict[int, Shown]:
    """(baseline, latest once measured, status, infusions given, infusions to response) per
    course, as each outcome page shows them (the page and the outcome API share
    `care.selectors._course_rows`; this reads it without drawing the charts)."""
    shown: dict[int, Shown] = {}
    for patient in Patient.objects.filter(clinic=clinic).select_related("clinic"):
        rows, _ = course_outcomes_for_patient(patient=patient)
        for row in rows:
            if not row.infusions:
                continue  # no infusion given: in no dashboard cohort
            phq9 = next((o for o in row.outcomes if o.instrument == OUTCOME_INSTRUMENT), None)
            if phq9 is None:
                shown[row.course.pk] = (None, None, None, len(row.infusions), None)
                continue
            first = min(s.started_at for s in row.infusions if s.started_at is not None)
            measured = phq9.latest is not None and phq9.latest.at > first
            shown[row.course.pk] = (
                phq9.baseline.total if phq9.baseline else None,
                phq9.latest.total if measured and phq9.latest else None,
                phq9.status,
                len(row.infusions),
                phq9.infusions_to_response,
            )
    return shown


class DashboardAgreesWithThePatientPage(TestCase):
    clinics: ClassVar[list[Clinic]]
    _clock: ClassVar[time_machine.travel]

    @classmethod
    def setUpClass(cls) -> None:
        cls._clock = time_machine.travel(NOW, tick=False)
        cls._clock.start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._clock.stop()

    @classmethod
    def setUpTestData(cls) -> None:
        call_command("demo", stdout=io.StringIO())  # the demo as `ketaclinic demo` builds it
        cls.clinics = list(Clinic.objects.order_by("slug"))

    def assert_agree(self) -> None:
        compared = responded = 0
        for clinic in self.clinics:
            dashboard = _dashboard(clinic)
            pages = _patient_pages(clinic)
            given = set(
                TreatmentSession.objects.filter(clinic=clinic, status=SessionStatus.DISCHARGED)
                .values_list("course_id", flat=True)
                .distinct()
            )
            assert set(dashboard) == set(pages) == given
            for course_id, row in dashboard.items():
                assert _dashboard_shows(row) == pages[course_id], course_id
            _assert_figures_count(list(dashboard.values()), clinic)
            compared += len(dashboard)
            responded += sum(row.infusions_to_response is not None for row in dashboard.values())
        assert compared >= 5  # the demo's charted courses, not an empty comparison
        assert responded >= 1

    def test_every_demo_course_has_one_baseline_latest_status_and_infusions_to_response(
        self,
    ) -> None:
        self.assert_agree()

    def test_they_still_agree_with_the_clinics_own_baseline_window(self) -> None:
        for clinic in self.clinics:
            clinic.rule_overrides = {"outcomes": {"baseline_window_days": 3}}
            clinic.save(update_fields=["rule_overrides"])
        self.assert_agree()
