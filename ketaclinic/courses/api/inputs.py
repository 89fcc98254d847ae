"""Request bodies of courses' writes: JSON types and lengths only.

The ranges are the staff forms' (courses/forms.py); whether a plan or a dose is allowed is for
the courses services to say.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import InputSerializer, NamedEnum, StrictDecimalField
from ketaclinic.api.fields import text_field as _text
from ketaclinic.courses.models import CourseStatus


class CourseStatusField(serializers.ChoiceField):
    """A course's state, as the `CourseStatusEnum` component (below)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CourseStatus.choices, **kwargs)


class CourseStatusEnum(NamedEnum):
    target_class = CourseStatusField
    component_name = "CourseStatusEnum"
    choices = list(CourseStatus.choices)


class CourseInputSerializer(InputSerializer):
    """The physician's plan, under the protocol the patient was approved for."""

    target_infusions = serializers.IntegerField(
        min_value=1, max_value=12, help_text="Induction infusions (the protocol may allow fewer)."
    )
    starting_dose = StrictDecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text="In the protocol's dose unit (e.g. mg/kg).",
    )
    titration_plan = serializers.CharField(max_length=500)
    booster_plan = serializers.CharField(max_length=500)
    rems_patient_enrollment = _text(
        32, help_text="Esketamine only: the SPRAVATO REMS patient enrolment, before the first dose."
    )
    note = _text(2000)


class CourseStatusInputSerializer(InputSerializer):
    """Move the course along its lifecycle; extending or stopping it needs a reason."""

    to_status = CourseStatusField()
    reason = _text(500)


class DoseOrderInputSerializer(InputSerializer):
    """A physician's order for the dose to give under the course."""

    dose = StrictDecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0.001"),
        help_text="In the course's dose unit.",
    )
    valid_days = serializers.IntegerField(
        min_value=1,
        max_value=365,
        allow_null=True,
        default=None,
        help_text="How long the order is valid; the clinic's maximum when left out.",
    )
    override_reason = _text(
        500, help_text="The physician's reason to exceed the protocol's cap (otherwise refused)."
    )
    note = _text(500)
