"""REST endpoints for the measurement schedule: each role, filters, errors."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import get, token_for
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.services import measures_mark_missed, measures_plan_for_course
from ketaclinic.measures.tests.test_measures import book
from ketaclinic.testing.personas import Personas

READERS = PERMISSIONS[Action.OUTCOMES_VIEW].roles


@pytest.fixture
def planned(personas: Personas) -> TreatmentCourse:
    course = course_for(personas)
    today = course.clinic.local_today()
    book(course, personas, today)
    book(course, personas, today - datetime.timedelta(days=6))
    measures_plan_for_course(course=course, today=today)
    measures_mark_missed(clinic=course.clinic, today=today)
    return course


@pytest.mark.parametrize("role", list(Role))
def test_api_measures_for_each_role(
    client: Client, personas: Personas, planned: TreatmentCourse, role: Role
) -> None:
    token = token_for(personas, personas.staff_by_role()[role])
    listed = get(client, "measures", token)
    patient = get(client, f"patients/{personas.pat.pk}/measures", token)
    if role in READERS:
        assert listed.status_code == patient.status_code == 200
        assert listed.json()["count"] == 2
        assert {row["status"] for row in patient.json()} == {"due", "missed"}
        missed = get(client, "measures?status=missed", token).json()["results"]
        assert [(row["reason_text"], row["instrument"]) for row in missed] == [
            ("Before infusion 1", "phq9")
        ]
    else:
        assert listed.status_code == patient.status_code == 403


def test_api_refuses_an_unknown_status(
    client: Client, personas: Personas, planned: TreatmentCourse
) -> None:
    token = token_for(personas, personas.bob)
    assert get(client, "measures?status=everything", token).status_code == 400
