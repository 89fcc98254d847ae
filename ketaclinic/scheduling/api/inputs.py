"""Request bodies and queries of scheduling's endpoints: JSON types and lengths only.

The ranges are the staff forms' (scheduling/forms.py); whether a time is allowed is for the
scheduling services to say.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import InputSerializer, NamedEnum
from ketaclinic.api.fields import day_field as _day
from ketaclinic.api.fields import id_field as _id
from ketaclinic.api.fields import text_field as _text
from ketaclinic.api.fields import time_field as _time
from ketaclinic.scheduling.models import VISIT_KIND_CHOICES, AppointmentStatus
from ketaclinic.scheduling.series import MAX_SERIES_ROWS


class AppointmentStatusField(serializers.ChoiceField):
    """An appointment's state, as the `AppointmentStatusEnum` component (below)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=AppointmentStatus.choices, **kwargs)


class AppointmentStatusEnum(NamedEnum):
    target_class = AppointmentStatusField
    component_name = "AppointmentStatusEnum"
    choices = list(AppointmentStatus.choices)


class DayQuerySerializer(serializers.Serializer):
    day = serializers.DateField(
        required=False, help_text="The clinic's day, YYYY-MM-DD; today at the clinic by default."
    )


class AvailabilityQuerySerializer(DayQuerySerializer):
    kind = serializers.ChoiceField(
        choices=VISIT_KIND_CHOICES, help_text="The kind of visit, which sets its length."
    )


class AppointmentInputSerializer(InputSerializer):
    """A visit booked at the clinic's wall-clock `day` and `time`."""

    patient_id = _id("The patient (of the acting clinic).")
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    day = _day()
    time = _time()
    chair_id = _id("The chair; a treatment needs one.", allow_null=True, default=None)
    clinician_id = _id(
        "Who sees the patient: a physician, nurse or therapist of the clinic.",
        allow_null=True,
        default=None,
    )
    note = _text(500, help_text="A note for the team.")


class RescheduleInputSerializer(InputSerializer):
    """The new wall-clock time; the chair stays unless `chair_id` is sent (null: no chair)."""

    day = _day()
    time = _time()
    chair_id = _id(
        "The chair; left out, the appointment keeps its chair.", allow_null=True, required=False
    )
    reason = serializers.CharField(
        max_length=500, allow_blank=True, help_text="Why it is moved (recorded in the audit)."
    )


class ReasonInputSerializer(InputSerializer):
    """Why the appointment is cancelled or was missed."""

    reason = serializers.CharField(max_length=500, allow_blank=True)


class SeriesProposalInputSerializer(InputSerializer):
    """What the patient prefers; the series is proposed in free chairs from `first_day` on."""

    first_day = _day("The first day the series may start, YYYY-MM-DD.")
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6),
        min_length=1,
        max_length=7,
        help_text="Preferred weekdays, 0 = Monday … 6 = Sunday.",
    )
    preferred_time = _time(
        "The preferred wall-clock time, HH:MM or HH:MM:SS with :00 seconds; the nearest free "
        "one otherwise."
    )
    count = serializers.IntegerField(
        min_value=1, max_value=MAX_SERIES_ROWS, help_text="How many treatments to propose."
    )


class SeriesSlotInputSerializer(InputSerializer):
    """One treatment of the series, as proposed or as adjusted by the front desk."""

    day = _day()
    time = _time()
    chair_id = _id("The chair.")


class SeriesInputSerializer(InputSerializer):
    """The series to book: every row, or none."""

    slots = serializers.ListField(
        child=SeriesSlotInputSerializer(), min_length=1, max_length=MAX_SERIES_ROWS
    )
