"""Generated benchmark patients (demo/scale.py): a course each, treatments, ~20 responses."""

from __future__ import annotations

import random

import pytest

from ketaclinic.charting.models import TreatmentSession
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.scale import scaled_patients
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _build(personas: Personas) -> int:
    clinic = personas.clinic
    return scaled_patients(clinic, today=clinic.local_today(), rng=random.Random(7), count=12)


def test_each_generated_patient_has_a_course_treatments_and_scores(personas: Personas) -> None:
    ChairFactory(room__clinic=personas.clinic)
    assert _build(personas) == 12
    courses = TreatmentCourse.objects.filter(patient__medical_record_number__startswith="CCX-")
    assert courses.count() == 12
    for course in courses:
        appointments = Appointment.objects.filter(course=course).count()
        assert 6 <= appointments <= 12
        assert TreatmentSession.objects.filter(course=course).count() <= appointments
    responses = QuestionnaireResponse.objects.filter(
        patient__medical_record_number__startswith="CCX-"
    ).count()
    assert 12 * 8 <= responses <= 12 * 22


def test_a_second_run_skips_existing_patients(personas: Personas) -> None:
    _build(personas)
    first = list(QuestionnaireResponse.objects.order_by("pk").values_list("total", "completed_at"))
    assert _build(personas) == 0
    assert QuestionnaireResponse.objects.count() == len(first)
