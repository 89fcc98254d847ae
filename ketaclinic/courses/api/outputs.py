"""Response shapes of a course and its dose orders.

As on the staff course page, clinical staff read a course whole, and the front desk, who books its
treatments, reads what scheduling needs: no doses, plans or recommendation (`clinical` is null and
`review.recommendation` is null for them).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from ketaclinic.api.fields import ClinicDateTimeField
from ketaclinic.courses.api.inputs import CourseStatusField
from ketaclinic.courses.models import DoseOrder, TreatmentCourse
from ketaclinic.medicine.protocols import protocol_get


class CourseClinicalSerializer(serializers.Serializer):
    starting_dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = serializers.CharField()
    titration_plan = serializers.CharField()
    booster_plan = serializers.CharField()
    rems_patient_enrollment = serializers.CharField()
    note = serializers.CharField()


class CourseReviewSerializer(serializers.Serializer):
    infusions_given = serializers.IntegerField(min_value=0)
    infusions_booked = serializers.IntegerField(min_value=0)
    next_checkpoint = serializers.IntegerField(
        allow_null=True, help_text="The infusion at which the course is next reviewed."
    )
    recommendation = serializers.CharField(
        allow_null=True,
        help_text=(
            "What the course rules recommend at the review reached (stop, extend, continue); "
            "empty before the first review point; null for those who may not read the chart."
        ),
    )


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    protocol_key = serializers.CharField()
    protocol_name = serializers.CharField()
    indication = serializers.CharField()
    status = CourseStatusField()
    status_reason = serializers.CharField()
    target_infusions = serializers.IntegerField(min_value=0)
    maximum_infusions = serializers.IntegerField(min_value=0)
    minimum_interval_hours = serializers.IntegerField(min_value=0)
    maximum_per_week = serializers.IntegerField(min_value=0)
    review_checkpoints = serializers.ListField(
        child=serializers.IntegerField(min_value=0), help_text="Infusion numbers of the reviews."
    )
    signed_by = serializers.CharField()
    signed_at = ClinicDateTimeField()
    clinical = CourseClinicalSerializer(
        allow_null=True, help_text="Doses and plans; null for those who may not read the chart."
    )


class CourseStatusChangeSerializer(serializers.Serializer):
    from_status = CourseStatusField()
    to_status = CourseStatusField()
    reason = serializers.CharField()
    changed_by = serializers.CharField(source="changed_by.full_name")
    changed_at = ClinicDateTimeField()


class CourseDetailSerializer(CourseSerializer):
    review = CourseReviewSerializer()
    status_history = CourseStatusChangeSerializer(
        many=True,
        allow_null=True,
        help_text="Every earlier move between states with its reason, oldest first (the course "
        "keeps only the current reason); null for those who may not read the chart.",
    )


class DoseOrderIsCurrentField(serializers.BooleanField):
    """Whether the order is signed and not yet expired at the moment it is shown."""

    def get_attribute(self, instance: DoseOrder) -> bool:
        now = timezone.now()
        return instance.signed_at <= now < instance.expires_at


class DoseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = serializers.CharField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What the dosing rules said at signing."
    )
    override_reason = serializers.CharField()
    note = serializers.CharField()
    signed_by = serializers.CharField(source="signed_by.full_name")
    signed_at = ClinicDateTimeField()
    expires_at = ClinicDateTimeField()
    is_current = DoseOrderIsCurrentField(help_text="Signed and not yet expired.")


def course_data(
    course: TreatmentCourse, *, sees_chart: bool, signed_by: str | None = None
) -> dict[str, Any]:
    """A course as `CourseSerializer` reads it; `clinical` only for those who read the chart.
    `signed_by` is the signer's name when the caller read it with the course (the chart)."""
    return {
        "id": course.pk,
        "patient_id": course.patient_id,
        "protocol_key": course.protocol_key,
        "protocol_name": protocol_get(course.protocol_key).name,
        "indication": course.indication,
        "status": course.status,
        "status_reason": course.status_reason,
        "target_infusions": course.target_infusions,
        "maximum_infusions": course.maximum_infusions,
        "minimum_interval_hours": course.minimum_interval_hours,
        "maximum_per_week": course.maximum_per_week,
        "review_checkpoints": course.review_checkpoints,
        "signed_by": course.signed_by.full_name if signed_by is None else signed_by,
        "signed_at": course.signed_at,
        "clinical": course if sees_chart else None,
    }
