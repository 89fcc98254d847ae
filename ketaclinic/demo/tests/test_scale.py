"""Generated benchmark patients (demo/scale.py): courses, ~10 treatments in free chairs, sessions
with their vital signs, ~20 responses; bulk statements per chunk, never per patient."""

from __future__ import annotations

import datetime
import io
import itertools
import re
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import AuditEvent
from ketaclinic.charting.models import (
    SessionAlarm,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.demo.progress import ProgressLine
from ketaclinic.demo.scale import MRN_PREFIX, registration_prefix, scaled_patients
from ketaclinic.medicine.courses import booking_problems
from ketaclinic.medicine.vital_signs import (
    AlarmLevel,
    VitalSigns,
    evaluate_vital_signs,
    pre_infusion_decision,
)
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.patients.services import PatientDetails, patient_register
from ketaclinic.scheduling.models import HOLDING_STATUSES, Appointment
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

GENERATED = {"patient__medical_record_number__startswith": f"{MRN_PREFIX}-"}


def _build(personas: Personas, count: int, **options: int) -> int:
    clinic = personas.clinic
    return scaled_patients(clinic, today=clinic.local_today(), count=count, **options)


def test_each_generated_patient_has_courses_treatments_and_scores(personas: Personas) -> None:
    assert _build(personas, 12) == 12
    courses = TreatmentCourse.objects.filter(**GENERATED)
    assert 12 <= courses.count() <= 24
    per_patient = Counter(courses.values_list("patient_id", flat=True))
    assert len(per_patient) == 12
    for course in courses:
        starts = [
            a.starts_at.astimezone(personas.clinic.zone)
            for a in Appointment.objects.filter(course=course, status__in=HOLDING_STATUSES)
        ]
        assert 1 <= len(starts) <= course.maximum_infusions
        # Each treatment is bookable against the others under the course's own rules.
        rules = course.rules()
        for index, moment in enumerate(starts):
            others = starts[:index] + starts[index + 1 :]
            assert not booking_problems(proposed=moment, booked=others, rules=rules)
    open_courses = courses.filter(status__in=OPEN_STATUSES).values_list("patient_id", flat=True)
    assert len(open_courses) == len(set(open_courses))  # one open course per patient
    sessions = TreatmentSession.objects.filter(**GENERATED).count()
    assert 12 * 4 <= sessions <= 12 * 19
    responses = QuestionnaireResponse.objects.filter(**GENERATED).count()
    assert 12 * 8 <= responses <= 12 * 22


def test_history_is_in_the_past_and_no_chair_holds_two_treatments(personas: Personas) -> None:
    _build(personas, 40)
    clinic = personas.clinic
    appointments = list(
        Appointment.objects.filter(**GENERATED).values_list("chair_id", "starts_at", "ends_at")
    )
    now = datetime.datetime.combine(clinic.local_today(), datetime.time(), tzinfo=clinic.zone)
    assert all(ends <= now for _, _, ends in appointments)
    by_chair: dict[int, list[tuple[datetime.datetime, datetime.datetime]]] = {}
    for chair, starts, ends in appointments:
        by_chair.setdefault(chair, []).append((starts, ends))
    for spans in by_chair.values():
        spans.sort()
        for (_, ends), (next_starts, _) in itertools.pairwise(spans):
            assert ends <= next_starts


def test_readings_are_what_the_clinical_rules_say_of_them(personas: Personas) -> None:
    """Every baseline's stored decision is medicine's; no other reading alarms except the
    high ones, whose stored alarm is the one medicine raises."""
    _build(personas, 30)
    readings = VitalSignReading.objects.filter(
        session__patient__medical_record_number__startswith="CCX-"
    )
    assert readings.count() >= 30 * 4 * 3
    for reading in readings.select_related("session"):
        signs = VitalSigns(
            reading.systolic_mmhg,
            reading.diastolic_mmhg,
            reading.heart_rate_bpm,
            reading.spo2_percent,
            reading.respiratory_rate_per_min,
            reading.moaa_s,
        )
        if reading.phase == VitalsPhase.BASELINE:
            expected = pre_infusion_decision(signs).decision.value
            assert reading.pre_infusion_decision == expected
            given = reading.session.status != SessionStatus.NOT_GIVEN
            assert (expected == "go") == given
        else:
            assert reading.alarm_level == evaluate_vital_signs(signs).level
    alarms = SessionAlarm.objects.filter(session__patient__medical_record_number__startswith="CCX-")
    for alarm in alarms.select_related("reading"):
        assert alarm.level == alarm.reading.alarm_level == AlarmLevel.WARNING
        assert alarm.acknowledged_at is not None


def test_a_second_run_adds_only_the_missing_and_each_patient_stays_the_same(
    personas: Personas,
) -> None:
    _build(personas, 10)
    first = list(
        Patient.objects.filter(medical_record_number__startswith="CCX-")
        .order_by("medical_record_number")
        .values_list("legal_last_name", "date_of_birth")
    )
    responses = QuestionnaireResponse.objects.count()
    assert _build(personas, 10) == 0
    assert QuestionnaireResponse.objects.count() == responses
    assert _build(personas, 15, chunk_patients=4) == 5
    again = list(
        Patient.objects.filter(medical_record_number__startswith="CCX-")
        .order_by("medical_record_number")
        .values_list("legal_last_name", "date_of_birth")
    )
    assert again[:10] == first
    assert len(again) == 15


def test_generated_rows_write_no_audit_events(personas: Personas) -> None:
    before = AuditEvent.objects.count()
    _build(personas, 5)
    assert AuditEvent.objects.count() == before


def test_a_registration_after_the_bulk_load_gets_the_clinics_next_number(
    personas: Personas,
) -> None:
    """Generated MRNs are outside the patients app's sequence: registering still works and
    continues the clinic's own numbering."""
    clinic = personas.clinic
    assert registration_prefix(clinic) != MRN_PREFIX
    _build(personas, 5)
    patient = patient_register(
        acting_user=personas.fran,
        clinic=clinic,
        details=PatientDetails(
            legal_first_name="Ada",
            legal_last_name="Quill",
            date_of_birth=datetime.date(1980, 5, 1),
            sex_at_birth=SexAtBirth.FEMALE,
            phone="(720) 555-9911",
        ),
    )
    assert re.fullmatch(rf"{registration_prefix(clinic)}-\d{{5}}", patient.medical_record_number)


def test_statements_are_per_chunk_not_per_patient(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 patients in two chunks of 25: one INSERT (or on PostgreSQL one id reservation and one
    COPY) per table and chunk, and the same handful of other statements whatever the number of
    patients."""
    if connection.vendor == "sqlite":
        # SQLite ≥ 3.32 takes 32,766 parameters (Django 5.2 still assumes 999): one statement
        # per table and chunk, as on PostgreSQL.
        monkeypatch.setattr(connection.features, "max_query_params", 32766)
    _build(personas, 1)  # the wing's first chair and the clinic's rules, out of the count

    def statements(count: int) -> tuple[Counter[str], int]:
        with CaptureQueriesContext(connection) as queries:
            _build(personas, count, chunk_patients=25)
        inserts: Counter[str] = Counter()
        others = 0
        for query in queries.captured_queries:
            # bulk_create's INSERT; on PostgreSQL the ids' nextval, each before one COPY.
            match = re.match(r'INSERT INTO "(\w+)"', query["sql"]) or re.search(
                r"nextval\('(?:\w+\.)?\"?(\w+)_id_seq", query["sql"]
            )
            if match:
                inserts[match.group(1)] += 1
            else:
                others += 1
        return inserts, others

    inserts, others = statements(51)  # patients 2–51: two chunks of 25
    assert inserts["patients_patient"] == 2
    assert inserts["charting_vitalsignreading"] == 2
    assert all(n <= 2 for n in inserts.values()), inserts
    inserts_more, others_more = statements(101)  # 50 more, the same two chunks
    assert others_more == others
    assert max(inserts_more.values()) <= 2
    assert Patient.objects.filter(medical_record_number__startswith="CCX-").count() == 101
    counts = TreatmentSession.objects.filter(**GENERATED).aggregate(n=Count("pk"))
    assert 101 * 5 <= counts["n"] <= 101 * 15


def test_progress_prints_every_tenth_when_not_a_terminal() -> None:
    stream = io.StringIO()
    ticks = iter(range(100))
    bar = ProgressLine(
        label="Generated patients", stream=stream, is_terminal=False, clock=lambda: next(ticks)
    )
    for done in range(100, 2001, 100):
        bar(done, 2000)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[-1].startswith("Generated patients: 2,000/2,000 (100 %)")
    assert "left" in lines[0]
    assert "/s" in lines[0]


def test_progress_rewrites_one_line_on_a_terminal() -> None:
    stream = io.StringIO()
    ticks = iter(range(100))
    bar = ProgressLine(label="P", stream=stream, is_terminal=True, clock=lambda: next(ticks))
    for done in (10, 20, 30):
        bar(done, 30)
    assert stream.getvalue().count("\r") == 3
    assert stream.getvalue().count("\n") == 1
