"""Reading the measurement schedule: a patient's open and missed measures (portal, chart) and the
clinic's list of due and missed measures (staff page, API), each in a fixed number of queries."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from ketaclinic.clinics.models import Clinic
from ketaclinic.measures.models import DueStatus, MeasureDue
from ketaclinic.medicine.measurement import is_overdue
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.outcomes.models import InstrumentWording
from ketaclinic.outcomes.wording import instrument_has_wording
from ketaclinic.patients.models import Patient


@dataclass(frozen=True)
class DueMeasure:
    due_id: int
    instrument: str  # code, e.g. "phq9"
    instrument_name: str  # e.g. "PHQ-9"
    reason: str  # "Before infusion 3", "Weekly check-in", "Day 7 after your last infusion"
    due_on: datetime.date
    is_overdue: bool


def _as_due_measure(row: MeasureDue, today: datetime.date) -> DueMeasure:
    return DueMeasure(
        due_id=row.pk,
        instrument=row.instrument,
        instrument_name=row.instrument_name,
        reason=row.reason_text,
        due_on=row.due_on,
        is_overdue=row.status == DueStatus.MISSED or is_overdue(due_on=row.due_on, today=today),
    )


def due_measures_for_patient(
    *, patient: Patient, today: datetime.date | None = None
) -> list[DueMeasure]:
    """Measures the patient can answer now, in the portal: open, window begun and not yet
    closed, patient-rated and worded (a clinician-rated scale, or a licensed one whose wording
    the clinic has not loaded, is asked at the clinic). One query."""
    today = today or patient.clinic.local_today()
    patient_rated = [code for code, item in INSTRUMENTS.items() if item.rater == "patient"]
    worded = [code for code in patient_rated if instrument_has_wording(INSTRUMENTS[code])]
    loaded = InstrumentWording.objects.filter(
        clinic_id=patient.clinic_id, instrument=OuterRef("instrument")
    )
    rows = (
        MeasureDue.objects.filter(
            patient=patient,
            status=DueStatus.DUE,
            opens_on__lte=today,
            closes_on__gte=today,
            instrument__in=patient_rated,
        )
        .filter(Q(instrument__in=worded) | Q(Exists(loaded)))
        .order_by("due_on", "instrument")
    )
    return [_as_due_measure(row, today) for row in rows]


def missed_measures_for_patient(*, patient: Patient) -> list[DueMeasure]:
    """Measures the patient did not answer in their window, most recent first (one query)."""
    rows = MeasureDue.objects.filter(patient=patient, status=DueStatus.MISSED).order_by(
        "-due_on", "instrument"
    )
    today = patient.clinic.local_today()
    return [_as_due_measure(row, today) for row in rows]


def measure_schedule_for_patient(*, patient: Patient) -> QuerySet[MeasureDue]:
    """Every planned measure of the patient, all courses, newest due point first."""
    return (
        MeasureDue.objects.filter(patient=patient)
        .exclude(status=DueStatus.CANCELLED)
        .select_related("completed_by_response")
        .order_by("-due_on", "instrument")
    )


def measure_list_for_clinic(
    *, clinic: Clinic, status: str = "", today: datetime.date | None = None
) -> QuerySet[MeasureDue]:
    """The clinic's due (window open or past) and missed measures, earliest first.

    `status` narrows to `due` or `missed`; without it both are listed. Future measures whose
    window has not opened are left out: nothing to chase yet.
    """
    today = today or clinic.local_today()
    rows = MeasureDue.objects.filter(clinic=clinic, opens_on__lte=today).select_related("patient")
    if status in (DueStatus.DUE, DueStatus.MISSED, DueStatus.COMPLETED):
        rows = rows.filter(status=status)
    else:
        rows = rows.filter(status__in=[DueStatus.DUE, DueStatus.MISSED])
    return rows.order_by("due_on", "patient_id", "instrument")
