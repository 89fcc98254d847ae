"""The session day's answers: one serializer per shape."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.accounts.models import User
from ketaclinic.api.fields import ClinicDateTimeField, CountField, NamedEnum
from ketaclinic.charting.api.inputs import (
    BoardStatusField,
    ChecklistItemField,
    ChecklistStatusField,
    DoseContainerField,
    InstrumentField,
    SessionEventKindField,
    SessionRouteField,
    SessionStatusField,
    SeverityField,
    SideEffectActionField,
    SideEffectKindField,
    VitalsPhaseField,
)
from ketaclinic.charting.board import ArrivalStatus
from ketaclinic.charting.models import (
    DosePreparation,
    PrnDose,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.charting.selectors import (
    checklist_for_session,
    observation_ends_at,
    session_note_get_for_session,
)
from ketaclinic.charting.services import (
    active_preparation,
)

# --- fields that read a row --------------------------------------------------------------------


class StaffNameField(serializers.CharField):
    """A member of staff as the record names them: their full name, else their email."""

    def to_representation(self, value: User) -> str:  # type: ignore[override]  # a row, not text
        return value.full_name or value.email


class LatestResponseField(serializers.CharField):
    """The latest of a PRN's responses (rows oldest first), empty when none."""

    def get_attribute(self, instance: PrnDose) -> str:
        responses = list(instance.responses.all())
        return responses[-1].text if responses else ""


class BlindedForViewerField(serializers.BooleanField):
    """Whether the dose's figures are withheld from the viewer (`context["viewer"]`)."""

    def get_attribute(self, instance: DosePreparation) -> bool:
        return instance.is_blinded_for(self.context["viewer"])


# What the independent check reads off the label and the pump: withheld from everyone but the
# preparer until the dose is verified, so that the check stays blind (the verifier would copy it).
BLINDED_FIGURES = (
    "dose_mg",
    "drug_volume_ml",
    "total_volume_ml",
    "concentration_mg_per_ml",
    "rate_ml_per_h",
    "devices",
)


# --- shapes ------------------------------------------------------------------------------------


class BoardRowSerializer(serializers.Serializer):
    appointment_id = serializers.IntegerField(source="appointment.pk")
    session_id = serializers.IntegerField(
        source="session.pk", allow_null=True, help_text="Null until check-in."
    )
    starts_at = ClinicDateTimeField(source="appointment.starts_at")
    chair = serializers.CharField(source="appointment.chair.name", allow_null=True)
    patient_id = serializers.IntegerField(source="appointment.patient_id")
    patient_name = serializers.CharField(source="appointment.patient.display_name")
    status = BoardStatusField()
    status_label = serializers.CharField()
    since = ClinicDateTimeField(allow_null=True, help_text="When the current state began.")
    open_alarm_count = CountField(source="open_alarms", min_value=0)
    escort_confirmed = serializers.BooleanField()
    vitals_due_at = ClinicDateTimeField(allow_null=True)
    is_paused = serializers.BooleanField()
    observation_ends_at = ClinicDateTimeField(allow_null=True)


class ChecklistRowSerializer(serializers.Serializer):
    item = ChecklistItemField()
    name = serializers.CharField(help_text="The item as the checklist words it.")
    status = ChecklistStatusField()
    detail = serializers.CharField()
    is_manual = serializers.BooleanField(help_text="Answered by the nurse (the others are read).")
    recorded_by = serializers.CharField()
    recorded_at = ClinicDateTimeField(allow_null=True)


class ChecklistSerializer(serializers.Serializer):
    rows = ChecklistRowSerializer(many=True)
    can_start = serializers.BooleanField(help_text="Every item passed and the vitals say go.")
    blocking = serializers.ListField(child=serializers.CharField())
    needs_physician = serializers.BooleanField(
        help_text="Every blocker is one a physician may override."
    )
    passed_at = ClinicDateTimeField(allow_null=True)
    override_reason = serializers.CharField()
    overridden_by = serializers.CharField()


class DoseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    draw_id = serializers.IntegerField()
    container_label = serializers.CharField(source="draw.container.label")
    lot_number = serializers.CharField(source="draw.container.lot.lot_number")
    container_kind = DoseContainerField()
    ordered_dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    unit = serializers.CharField(
        source="dose_unit", help_text="The order's unit (mg/kg, mg/kg/h or mg)."
    )
    dose_mg = serializers.DecimalField(
        max_digits=8,
        decimal_places=2,
        allow_null=True,
        help_text="Null (with the pump rate, volumes, concentration and devices) while the "
        "dose awaits its independent check, for anyone but its preparer: the check is blind.",
    )
    dose_change_reason = serializers.CharField()
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    dosing_weight_kg = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    weight_basis = serializers.CharField()
    weight_reason = serializers.CharField()
    vial_mg_per_ml = serializers.DecimalField(max_digits=7, decimal_places=3, allow_null=True)
    drug_volume_ml = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    diluent_volume_ml = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    total_volume_ml = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    concentration_mg_per_ml = serializers.DecimalField(
        max_digits=8, decimal_places=3, allow_null=True
    )
    duration_min = serializers.IntegerField(min_value=0, allow_null=True)
    rate_ml_per_h = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    devices = serializers.IntegerField(min_value=0, allow_null=True)
    diluent_lot = serializers.CharField()
    diluent_expires_on = serializers.DateField(allow_null=True)
    warnings = serializers.ListField(child=serializers.CharField())
    prepared_by = StaffNameField()
    prepared_at = ClinicDateTimeField()
    verified_by = StaffNameField(allow_null=True)
    verified_at = ClinicDateTimeField(allow_null=True)
    is_blinded = BlindedForViewerField(
        help_text="True: the figures the independent check reads are withheld from the caller "
        "(not the preparer) until the dose is verified."
    )

    def to_representation(self, instance: DosePreparation) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if data["is_blinded"]:
            data.update(dict.fromkeys(BLINDED_FIGURES))
            # A warning may quote the prepared dose ("Total 35 mg is below …").
            data["warnings"] = []
        return data


class NoteSummarySerializer(serializers.Serializer):
    nurse_signed_by = StaffNameField()
    nurse_signed_at = ClinicDateTimeField()
    physician_signed_by = StaffNameField(allow_null=True)
    physician_signed_at = ClinicDateTimeField(allow_null=True)


class DischargeAssessmentSerializer(serializers.Serializer):
    ready = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())


class SessionDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    appointment_id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField()
    course_id = serializers.IntegerField()
    chair = serializers.CharField(allow_null=True)
    route = SessionRouteField()
    protocol_key = serializers.CharField()
    status = SessionStatusField()
    status_reason = serializers.CharField()
    checked_in_at = ClinicDateTimeField()
    checked_in_by = StaffNameField()
    weight_kg = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    height_cm = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    escort_name = serializers.CharField()
    escort_phone = serializers.CharField()
    checklist = ChecklistSerializer()
    dose = DoseSerializer(allow_null=True, help_text="The active (not discarded) preparation.")
    started_at = ClinicDateTimeField(allow_null=True)
    stopped_at = ClinicDateTimeField(allow_null=True)
    delivered_mg = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    open_alarm_count = serializers.IntegerField(min_value=0)
    observation_minimum_min = serializers.IntegerField(min_value=0)
    observation_ends_at = ClinicDateTimeField(allow_null=True)
    discharged_at = ClinicDateTimeField(allow_null=True)
    discharged_by = StaffNameField(allow_null=True)
    discharge_escort_name = serializers.CharField()
    discharge_instructions = serializers.ListField(child=serializers.CharField())
    discharge_assessment = DischargeAssessmentSerializer(allow_null=True)
    discharge_override_reason = serializers.CharField()
    note = NoteSummarySerializer(allow_null=True, help_text="Null until the nurse signs.")


class PumpEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = SessionEventKindField()
    occurred_at = ClinicDateTimeField()
    rate_ml_per_h = serializers.DecimalField(max_digits=7, decimal_places=1, allow_null=True)
    reason = serializers.CharField()
    recorded_by = StaffNameField()


class AlarmSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session_id = serializers.IntegerField()
    reading_id = serializers.IntegerField()
    level = serializers.IntegerField(min_value=0, max_value=3)
    level_label = serializers.CharField()
    parameter = serializers.CharField()
    message = serializers.CharField()
    suggested_action = serializers.CharField()
    raised_at = ClinicDateTimeField()
    acknowledge_by = ClinicDateTimeField()
    acknowledged_at = ClinicDateTimeField(allow_null=True)
    acknowledged_by = StaffNameField(allow_null=True)
    action_taken = serializers.CharField()
    escalated_at = ClinicDateTimeField(allow_null=True)


class VitalsSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    measured_at = ClinicDateTimeField()
    phase = VitalsPhaseField()
    systolic_mmhg = serializers.IntegerField(min_value=0, max_value=1000)
    diastolic_mmhg = serializers.IntegerField(min_value=0, max_value=1000)
    heart_rate_bpm = serializers.IntegerField(min_value=0, max_value=1000)
    spo2_percent = serializers.IntegerField(min_value=0, max_value=1000)
    respiratory_rate_per_min = serializers.IntegerField(
        min_value=0, max_value=1000, allow_null=True
    )
    moaa_s = serializers.IntegerField(min_value=0, max_value=1000, allow_null=True)
    temperature_c = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    rhythm = serializers.CharField()
    has_symptoms = serializers.BooleanField()
    alarm_level = serializers.IntegerField(min_value=0, max_value=3)
    pre_infusion_decision = serializers.CharField(
        help_text="Before the start: go, review or hold; empty after it."
    )
    assessment = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField()),
        help_text="What the clinical rules said of this reading (message, and level and action "
        "for an alarm).",
    )
    recorded_by = StaffNameField()
    alarms = AlarmSerializer(many=True, help_text="The alarms this reading raised.")


# The two answers of the chair-side path (a charted reading, a chart) are built as plain data
# by these rather than through `VitalsSerializer`: a serializer instance per reading cost more
# of the server's time than storing the reading (issue 15). They give exactly what the
# serializer gives (tests compare the two); the serializer stays the schema and the list's shape.
# A reading and an alarm are a model row or the chart's row (`charting.selectors.ChartReading`):
# the same attribute names, the staff member's name passed already resolved.

TEMPERATURE_PLACES: int = VitalsSerializer._declared_fields["temperature_c"].decimal_places  # type: ignore[attr-defined]


def decimal_text(value: Decimal | float | None, places: int) -> str | None:
    """As DRF's `DecimalField` shows a number: text, to its decimal places."""
    if value is None:
        return None
    return format(Decimal(value).quantize(Decimal(1).scaleb(-places)), "f")


def instant_text(value: datetime.datetime | None, zone: datetime.tzinfo) -> str | None:
    """As `ClinicDateTimeField` shows an instant: ISO 8601 with the clinic's offset."""
    return None if value is None else value.astimezone(zone).isoformat()


def staff_name(user: User | None) -> str | None:
    """As `StaffNameField` names a member of staff: their full name, else their email."""
    return None if user is None else user.full_name or user.email


def alarm_body(alarm: Any, *, acknowledged_by: str | None, zone: datetime.tzinfo) -> dict[str, Any]:
    """An alarm as `AlarmSerializer` shows it."""
    return {
        "id": alarm.id,
        "session_id": alarm.session_id,
        "reading_id": alarm.reading_id,
        "level": alarm.level,
        "level_label": alarm.level_label,
        "parameter": alarm.parameter,
        "message": alarm.message,
        "suggested_action": alarm.suggested_action,
        "raised_at": instant_text(alarm.raised_at, zone),
        "acknowledge_by": instant_text(alarm.acknowledge_by, zone),
        "acknowledged_at": instant_text(alarm.acknowledged_at, zone),
        "acknowledged_by": acknowledged_by,
        "action_taken": alarm.action_taken,
        "escalated_at": instant_text(alarm.escalated_at, zone),
    }


def vitals_body(
    reading: Any, *, recorded_by: str, alarms: list[dict[str, Any]], zone: datetime.tzinfo
) -> dict[str, Any]:
    """A reading as `VitalsSerializer` shows it, with its alarms' bodies (`alarm_body`)."""
    return {
        "id": reading.id,
        "measured_at": instant_text(reading.measured_at, zone),
        "phase": reading.phase,
        "systolic_mmhg": reading.systolic_mmhg,
        "diastolic_mmhg": reading.diastolic_mmhg,
        "heart_rate_bpm": reading.heart_rate_bpm,
        "spo2_percent": reading.spo2_percent,
        "respiratory_rate_per_min": reading.respiratory_rate_per_min,
        "moaa_s": reading.moaa_s,
        "temperature_c": decimal_text(reading.temperature_c, TEMPERATURE_PLACES),
        "rhythm": reading.rhythm,
        "has_symptoms": reading.has_symptoms,
        "alarm_level": reading.alarm_level,
        "pre_infusion_decision": reading.pre_infusion_decision,
        "assessment": reading.assessment,
        "recorded_by": recorded_by,
        "alarms": alarms,
    }


def reading_body(reading: VitalSignReading, zone: datetime.tzinfo) -> dict[str, Any]:
    """A stored reading (its recorder and alarms loaded) as `VitalsSerializer` shows it."""
    return vitals_body(
        reading,
        recorded_by=staff_name(reading.recorded_by) or "",
        alarms=[
            alarm_body(alarm, acknowledged_by=staff_name(alarm.acknowledged_by), zone=zone)
            for alarm in reading.alarms.all()
        ],
        zone=zone,
    )


class SideEffectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = SideEffectKindField()
    description = serializers.CharField()
    severity = SeverityField()
    action = SideEffectActionField()
    onset_at = ClinicDateTimeField()
    resolved_at = ClinicDateTimeField(allow_null=True)
    note = serializers.CharField()
    recorded_by = StaffNameField()


class PrnResponseSerializer(serializers.Serializer):
    text = serializers.CharField()
    recorded_at = ClinicDateTimeField()
    recorded_by = StaffNameField()


class PrnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    side_effect_id = serializers.IntegerField(allow_null=True)
    drug = serializers.CharField()
    dose = serializers.DecimalField(max_digits=7, decimal_places=3)
    unit = serializers.CharField()
    route = serializers.CharField()
    given_at = ClinicDateTimeField()
    given_by = StaffNameField()
    response = LatestResponseField(
        help_text="The latest response charted (empty when none); every one is in `responses`."
    )
    responses = PrnResponseSerializer(
        many=True, help_text="Each response charted, oldest first; none is ever overwritten."
    )
    dose_override_reason = serializers.CharField(
        help_text="The physician's reason for a dose above the usual or an unlisted drug."
    )
    dose_overridden_by = StaffNameField(allow_null=True)


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = InstrumentField()
    answers = serializers.DictField(child=serializers.JSONField())
    total = serializers.IntegerField()
    band = serializers.CharField()
    recorded_at = ClinicDateTimeField()
    recorded_by = StaffNameField()


class SubstanceRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    administered_mg = serializers.DecimalField(max_digits=8, decimal_places=2)
    administered_units = serializers.IntegerField(min_value=0, help_text="Microlitres.")
    wasted_units = serializers.IntegerField(min_value=0, help_text="Microlitres.")
    waste_reason = serializers.CharField()
    witness_id = serializers.IntegerField(allow_null=True)
    witness_name = StaffNameField(source="witness", allow_null=True)
    recorded_at = ClinicDateTimeField()


class SessionAddendumSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = StaffNameField()
    written_at = ClinicDateTimeField()


class NoteSerializer(NoteSummarySerializer):
    id = serializers.IntegerField()
    session_id = serializers.IntegerField()
    body = serializers.CharField(help_text="The generated summary, frozen at the signature.")
    addenda = SessionAddendumSerializer(many=True)


# --- the session: an aggregate of several reads ---------------------------------------------------


def _session_data(session: TreatmentSession) -> dict[str, Any]:
    """The session with what is read beside it (the checklist as it stands, the active
    preparation, the note, the open alarms): what `SessionDetailSerializer` shows."""
    checklist = checklist_for_session(session=session)
    appointment = session.appointment
    return {
        "id": session.pk,
        "appointment_id": session.appointment_id,
        "patient_id": session.patient_id,
        "patient_name": session.patient.display_name,
        "course_id": session.course_id,
        "chair": appointment.chair.name if appointment.chair else None,
        "route": session.route,
        "protocol_key": session.protocol_key,
        "status": session.status,
        "status_reason": session.status_reason,
        "checked_in_at": session.checked_in_at,
        "checked_in_by": session.checked_in_by,
        "weight_kg": session.weight_kg,
        "height_cm": session.height_cm,
        "escort_name": session.escort_name,
        "escort_phone": session.escort_phone,
        "checklist": {
            "rows": [
                {
                    "item": row.spec.item.value,
                    "name": row.spec.label,
                    "status": row.status.value,
                    "detail": row.detail,
                    "is_manual": row.is_manual,
                    "recorded_by": row.recorded_by,
                    "recorded_at": row.recorded_at,
                }
                for row in checklist.rows
            ],
            "can_start": checklist.outcome.can_start,
            "blocking": list(checklist.outcome.blocking),
            "needs_physician": checklist.outcome.needs_physician,
            "passed_at": session.checklist_passed_at,
            "override_reason": checklist.override_reason,
            "overridden_by": checklist.overridden_by,
        },
        "dose": active_preparation(session),
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "delivered_mg": session.delivered_mg,
        "open_alarm_count": session.alarms.filter(acknowledged_at__isnull=True).count(),
        "observation_minimum_min": session.observation_minimum_min,
        "observation_ends_at": observation_ends_at(session),
        "discharged_at": session.discharged_at,
        "discharged_by": session.discharged_by,
        "discharge_escort_name": session.discharge_escort_name,
        "discharge_instructions": list(session.discharge_instructions),
        "discharge_assessment": session.discharge_assessment or None,
        "discharge_override_reason": session.discharge_override_reason,
        "note": session_note_get_for_session(session=session),
    }


# --- the front desk's arrivals list (no clinical detail) -----------------------------------------


class ArrivalStatusField(serializers.ChoiceField):
    """Where the patient is in their visit, as the `ArrivalStatusEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(ArrivalStatus.LABELS.items()), **kwargs)


class ArrivalStatusEnum(NamedEnum):
    target_class = ArrivalStatusField
    component_name = "ArrivalStatusEnum"
    choices = list(ArrivalStatus.LABELS.items())


class ArrivalSerializer(serializers.Serializer):
    appointment_id = serializers.IntegerField()
    starts_at = ClinicDateTimeField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField()
    chair = serializers.CharField(allow_null=True)
    status = ArrivalStatusField()
    status_label = serializers.CharField()
    arrived_at = ClinicDateTimeField(allow_null=True, help_text="When the patient checked in.")
    escort_confirmed = serializers.BooleanField()
    can_check_in = serializers.BooleanField(
        help_text="Expected and not yet checked in (`POST /appointments/{id}/check-in`)."
    )
