"""Set-up shared by the course and appointment API tests: a clinic open every day, chairs, a
patient approved and consented with a signed course, and days ahead on the clinic's calendar."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from ketaclinic.clinics.models import Chair
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.courses.services import dose_order_sign
from ketaclinic.courses.tests.support import course_for
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas


def next_weekday(personas: Personas, weekday: int = 0, weeks: int = 1) -> datetime.date:
    """A `weekday` (0 = Monday) at least a week ahead on the clinic's calendar."""
    today = personas.clinic.local_today()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks)


def chairs_at(personas: Personas, count: int = 2) -> list[Chair]:
    chairs: list[Any] = [
        ChairFactory(room__clinic=personas.clinic, name=f"Chair {n}") for n in range(1, count + 1)
    ]
    return chairs


def course_with_order(personas: Personas) -> TreatmentCourse:
    """pat's signed IV ketamine course with a dose order valid for 30 days."""
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    return course
