"""Response shapes of scheduling's endpoints: an appointment, free chair time, a proposed series."""

from __future__ import annotations

import datetime
from typing import Any

from rest_framework import serializers
from rest_framework.fields import get_attribute

from ketaclinic.api.fields import ClinicDateTimeField, WallClockTimeField
from ketaclinic.scheduling.api.inputs import AppointmentStatusField
from ketaclinic.scheduling.models import VISIT_KIND_CHOICES


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField(source="patient.display_name")
    medical_record_number = serializers.CharField(source="patient.medical_record_number")
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    status = AppointmentStatusField()
    starts_at = ClinicDateTimeField()
    ends_at = ClinicDateTimeField(help_text="Preparation, treatment and recovery included.")
    chair_id = serializers.IntegerField(allow_null=True)
    chair_name = serializers.CharField(source="chair.name", allow_null=True, default=None)
    course_id = serializers.IntegerField(
        allow_null=True, help_text="The treatment course a treatment is given under."
    )
    clinician_id = serializers.IntegerField(allow_null=True)
    clinician_name = serializers.CharField(
        source="clinician.full_name", allow_null=True, default=None
    )
    note = serializers.CharField()
    status_reason = serializers.CharField(help_text="Why it was cancelled or missed.")


class FreePeriodSerializer(serializers.Serializer):
    starts_at = ClinicDateTimeField()
    ends_at = ClinicDateTimeField()
    latest_start = ClinicDateTimeField(
        help_text="The last moment a visit of this kind can start here and end by `ends_at`."
    )


class ChairAvailabilitySerializer(serializers.Serializer):
    chair_id = serializers.IntegerField(source="chair.pk")
    chair_name = serializers.CharField(source="chair.name")
    free = FreePeriodSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    opens_at = WallClockTimeField()
    closes_at = WallClockTimeField()


class AvailabilitySerializer(serializers.Serializer):
    day = serializers.DateField()
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    duration_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60)
    opening_hours = PeriodSerializer(many=True, help_text="Empty: the clinic is closed that day.")
    chairs = ChairAvailabilitySerializer(many=True, help_text="Every chair in service.")


class ClinicDayField(serializers.DateField):
    """The clinic's day an instant falls on (the zone from `clinic_context`)."""

    def get_attribute(self, instance: Any) -> datetime.date:
        moment: datetime.datetime = get_attribute(instance, self.source_attrs)
        return moment.astimezone(self.context["zone"]).date()


class ClinicWallClockField(WallClockTimeField):
    """The clinic's wall-clock time of an instant (the zone from `clinic_context`)."""

    def get_attribute(self, instance: Any) -> datetime.time:
        moment: datetime.datetime = get_attribute(instance, self.source_attrs)
        return moment.astimezone(self.context["zone"]).time()


# Reads a `scheduling.series.ProposedSlot` (no docstring: it would become the schema's description).
class ProposedSlotSerializer(serializers.Serializer):
    day = ClinicDayField(source="starts_at", help_text="The clinic's day.")
    time = ClinicWallClockField(source="starts_at", help_text="The clinic's wall-clock time.")
    starts_at = ClinicDateTimeField()
    chair_id = serializers.IntegerField(source="chair.pk")
    chair_name = serializers.CharField(source="chair.name")


class SeriesProposalSerializer(serializers.Serializer):
    slots = ProposedSlotSerializer(
        many=True, help_text="Send them (adjusted if need be) to `POST /courses/{id}/series`."
    )
