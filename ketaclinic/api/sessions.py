"""REST endpoints for the session day: the day board, one session with its checklist and dose,
and every write a nurse or physician makes at the chair — check-in, checklist, weight, escort,
override, dose preparation and independent verification, pump events and esketamine devices,
vital signs and alarms, side effects and PRNs, scores, the controlled-substance record,
discharge and the signed note.

Thin: the charting services decide everything (permissions, clinical rules, idempotency) and
audit their writes; these views look rows up within the acting clinic (another clinic's session
is a 404), check the role before reading the body, and shape the answers. Reading a session is
a read of the patient's chart (`patient.chart_view`), recorded as `session.viewed`.

Rows a tablet may send twice (pump events, devices, vital signs, side effects, PRNs) take an
`Idempotency-Key` header: the same key again answers 200 with the row already stored, 201 the
first time; the same key with other values is a 409. The service says which (`is_retry` on the
row it returns), so retries racing each other answer 201 once and 200 for the others.

Every decimal in a body is a `StrictDecimalField`: a JSON number or a plain decimal string.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    ErrorSerializer,
    StaffEndpoint,
    staff_caller,
    witness_get,
)
from ketaclinic.api.fields import (
    AwareDateTimeField,
    ClinicDateTimeField,
    InputSerializer,
    StrictBooleanField,
    clinic_context,
)
from ketaclinic.api.fields import decimal_field as _decimal
from ketaclinic.api.fields import labels as _labels
from ketaclinic.api.fields import named_choice as _named_choice
from ketaclinic.api.fields import text_field as _text
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic
from ketaclinic.api.selectors import api_appointment_get
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.board import session_board_for_user
from ketaclinic.charting.models import (
    ControlledSubstanceRecord,
    DoseContainer,
    DosePreparation,
    PrnDose,
    PumpEvent,
    SentOnce,
    SessionAddendum,
    SessionAlarm,
    SessionNote,
    SessionRoute,
    SessionScore,
    SessionStatus,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.charting.selectors import (
    BoardRow,
    BoardStatus,
    checklist_for_session,
    observation_ends_at,
    session_get,
)
from ketaclinic.charting.services import (
    POST_SESSION_FORM,
    SESSION_INSTRUMENTS,
    active_preparation,
    alarm_acknowledge,
    checklist_answer,
    checklist_override,
    controlled_substance_reconcile,
    device_administer,
    dose_prepare,
    dose_verify,
    prn_record,
    pump_event_record,
    session_addendum_add,
    session_check_in,
    session_discharge,
    session_escort_confirm,
    session_measurements_record,
    session_note_sign,
    session_score_record,
    side_effect_record,
    side_effect_resolve,
    vitals_record,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.catalog import container_get
from ketaclinic.inventory.stock_forms import witness_signature_check
from ketaclinic.medicine.dosing import DEFAULT_DILUENT_BAG_ML
from ketaclinic.medicine.medications import MedicationRoute, MedicationUnit
from ketaclinic.medicine.session import (
    ChecklistItem,
    ItemStatus,
    PumpEventKind,
    Severity,
    SideEffectAction,
    SideEffectKind,
)

SESSION_NOT_FOUND = "No such session at this clinic."
ALARM_NOT_FOUND = "No such alarm at this clinic."
SIDE_EFFECT_NOT_FOUND = "No such side effect at this clinic."
IDEMPOTENCY_HEADER = "Idempotency-Key"

# --- enums with their own names ----------------------------------------------------------------


SessionStatusField = _named_choice("SessionStatusEnum", SessionStatus.choices)
SessionRouteField = _named_choice("SessionRouteEnum", SessionRoute.choices)
BoardStatusField = _named_choice("BoardStatusEnum", list(BoardStatus.LABELS.items()))
ChecklistItemField = _named_choice("ChecklistItemEnum", _labels([i.value for i in ChecklistItem]))
ChecklistStatusField = _named_choice(
    "ChecklistItemStatusEnum", _labels([s.value for s in ItemStatus])
)
DoseContainerField = _named_choice("DoseContainerEnum", DoseContainer.choices)
BagOrSyringeField = _named_choice(
    "BagOrSyringeEnum",
    [(kind.value, kind.label) for kind in (DoseContainer.BAG, DoseContainer.SYRINGE)],
)
PumpEventKindField = _named_choice("PumpEventKindEnum", _labels([k.value for k in PumpEventKind]))
SessionEventKindField = _named_choice(
    "SessionEventKindEnum",
    [*_labels([k.value for k in PumpEventKind]), (PumpEvent.DEVICE, "Esketamine device given")],
)
VitalsPhaseField = _named_choice("VitalsPhaseEnum", VitalsPhase.choices)
SideEffectKindField = _named_choice(
    "SideEffectKindEnum", [(kind.value, kind.label) for kind in SideEffectKind]
)
SeverityField = _named_choice("SideEffectSeverityEnum", _labels([s.value for s in Severity]))
SideEffectActionField = _named_choice(
    "SideEffectActionEnum", _labels([a.value for a in SideEffectAction])
)
MedicationUnitField = _named_choice(
    "MedicationUnitEnum", [(unit.value, unit.value) for unit in MedicationUnit]
)
MedicationRouteField = _named_choice(
    "MedicationRouteEnum", [(route.value, route.value) for route in MedicationRoute]
)
InstrumentField = _named_choice(
    "SessionInstrumentEnum", _labels([*SESSION_INSTRUMENTS, POST_SESSION_FORM])
)


def _when(help_text: str) -> AwareDateTimeField:
    return AwareDateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text=help_text + " Now when left out; never in the future or before check-in.",
    )


def _vital(help_text: str, **kwargs: Any) -> serializers.IntegerField:
    # Loose bounds: whether a patient could have the value is the service's question, answered
    # with a clinical message; these only keep the number within the column.
    return serializers.IntegerField(min_value=0, max_value=1000, help_text=help_text, **kwargs)


# --- request bodies ----------------------------------------------------------------------------


class ChecklistAnswerInputSerializer(InputSerializer):
    item = ChecklistItemField(
        help_text="One of the items the nurse answers by hand: identity, fasting, "
        "medication_holds, no_substances, pregnancy_test, equipment (the others are read from "
        "the record or set by their own step)."
    )
    status = ChecklistStatusField(help_text="pass, fail (with `detail`), not_applicable, pending.")
    detail = _text(500, help_text="What is wrong, for a failed item.")


class MeasurementsInputSerializer(InputSerializer):
    weight_kg = _decimal(5, 1, "Today's weight: the dose is computed from it.")
    height_cm = _decimal(
        5, 1, "Today's height; the one on file when left out.", required=False, allow_null=True
    )


class EscortInputSerializer(InputSerializer):
    name = serializers.CharField(max_length=200, help_text="The adult who takes the patient home.")
    phone = serializers.CharField(max_length=32, help_text="A phone number the clinic can call.")


class OverrideInputSerializer(InputSerializer):
    reason = serializers.CharField(max_length=500, help_text="The physician's clinical reason.")


class DosePrepareInputSerializer(InputSerializer):
    container_id = serializers.IntegerField(
        min_value=1, help_text="The labelled vial (IV) or kit (esketamine) drawn from."
    )
    dose = _decimal(
        6,
        3,
        "In the order's unit; the signed order's dose when left out. A different dose needs a "
        "physician (the caller) and `dose_change_reason`.",
        required=False,
        allow_null=True,
        default=None,
        min_value=Decimal("0.001"),
    )
    dose_change_reason = _text(500)
    container_kind = BagOrSyringeField(
        default=DoseContainer.BAG.value, help_text="IV only: a bag or a syringe pump."
    )
    diluent_volume_ml = _decimal(
        8, 2, "IV only: the bag's diluent.", required=False, default=DEFAULT_DILUENT_BAG_ML
    )
    syringe_concentration_mg_per_ml = _decimal(
        7, 3, "IV syringe only: the final concentration.", required=False, default=Decimal("1")
    )
    diluent_lot = _text(64)
    diluent_expires_on = serializers.DateField(required=False, allow_null=True, default=None)


class DoseVerifyInputSerializer(InputSerializer):
    dose_mg = _decimal(8, 2, "The dose in mg as read on the label.")
    rate_ml_per_h = _decimal(
        7, 1, "IV: the rate read on the pump.", required=False, allow_null=True, default=None
    )
    devices = serializers.IntegerField(
        min_value=1,
        max_value=10,
        required=False,
        allow_null=True,
        default=None,
        help_text="Esketamine: the devices counted.",
    )


class PumpEventInputSerializer(InputSerializer):
    kind = PumpEventKindField()
    rate_ml_per_h = _decimal(
        7,
        1,
        "For start (the computed rate when left out), rate_change and resume.",
        required=False,
        allow_null=True,
        default=None,
    )
    reason = _text(
        500,
        help_text="Required for a rate change, above the computed rate, and for a stop before "
        "the planned dose is delivered (more than 1 % of it left).",
    )
    occurred_at = _when("When it happened.")


class DeviceInputSerializer(InputSerializer):
    occurred_at = _when("When the device was given.")


class VitalsInputSerializer(InputSerializer):
    systolic_mmhg = _vital("Systolic blood pressure.")
    diastolic_mmhg = _vital("Diastolic blood pressure.")
    heart_rate_bpm = _vital("Heart rate.")
    spo2_percent = _vital("Oxygen saturation.")
    respiratory_rate_per_min = _vital(
        "Breaths per minute.", required=False, allow_null=True, default=None
    )
    moaa_s = serializers.IntegerField(
        min_value=0,
        max_value=1000,
        required=False,
        allow_null=True,
        default=None,
        help_text="Sedation (MOAA/S, 0–5).",
    )
    temperature_c = _decimal(4, 1, "°C.", required=False, allow_null=True, default=None)
    rhythm = _text(64)
    has_symptoms = StrictBooleanField(default=False, help_text="Symptoms with the reading.")
    measured_at = _when("When it was measured.")


class AlarmAcknowledgeInputSerializer(InputSerializer):
    action_taken = serializers.CharField(max_length=500, help_text="What was done.")


class SideEffectInputSerializer(InputSerializer):
    kind = SideEffectKindField()
    severity = SeverityField()
    action = SideEffectActionField()
    onset_at = _when("When it began.")
    description = _text(300, help_text="Required for `other`.")
    note = _text(500)


class SideEffectResolveInputSerializer(InputSerializer):
    resolved_at = _when("When it resolved.")
    note = _text(500)


class PrnInputSerializer(InputSerializer):
    drug = serializers.CharField(
        max_length=100,
        help_text="The clinic's PRN table (CLINICAL.md §5.4) bounds ondansetron, midazolam, "
        "labetalol, clonidine, metoprolol tartrate, glycopyrrolate and hydralazine; any other "
        "drug needs a physician and `dose_override_reason`.",
    )
    dose = _decimal(
        7,
        3,
        "In `unit`. Above the drug's single-dose maximum it is refused; above its usual dose a "
        "physician (the caller) gives `dose_override_reason`.",
    )
    unit = MedicationUnitField(help_text="A listed drug is given in mg, mcg or g.")
    route = MedicationRouteField(help_text="One the drug's table entry lists.")
    dose_override_reason = _text(
        500,
        help_text="A physician's reason for a dose above the usual, or for a drug not in the "
        "table (the caller must be a physician: `checklist.override`).",
    )
    side_effect_id = serializers.IntegerField(
        min_value=1,
        required=False,
        allow_null=True,
        default=None,
        help_text="The side effect of this session it treats.",
    )
    given_at = _when("When it was given.")
    response = _text(500)


class ScoreInputSerializer(InputSerializer):
    instrument = InstrumentField()
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Item → answer, as the instrument defines them (post_session_effects: each "
        "side effect kind but `other` → none, mild, moderate or severe).",
    )


class ControlledSubstanceInputSerializer(InputSerializer):
    witness_id = serializers.IntegerField(
        min_value=1, help_text="Another member of staff at the clinic with a current licence."
    )
    witness_password = serializers.CharField(
        max_length=200,
        trim_whitespace=False,
        write_only=True,
        help_text="The witness's own password, typed by the witness: their signature. Wrong "
        "ones pause signing as the witness (never their sign-in); never stored or echoed.",
    )
    waste_reason = serializers.CharField(
        max_length=500, required=False, default="Remainder after the infusion"
    )


class DischargeInputSerializer(InputSerializer):
    escort_name = serializers.CharField(max_length=200)
    instructions_given = StrictBooleanField()
    override_reason = _text(
        500, help_text="A physician's reason to discharge before the criteria are met."
    )


class SessionAddendumInputSerializer(InputSerializer):
    text = serializers.CharField(max_length=5000)


class SessionDayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(
        required=False, help_text="The clinic's day, YYYY-MM-DD; today at the clinic by default."
    )


# --- shapes ------------------------------------------------------------------------------------


class BoardRowSerializer(serializers.Serializer):
    appointment_id = serializers.IntegerField()
    session_id = serializers.IntegerField(allow_null=True, help_text="Null until check-in.")
    starts_at = ClinicDateTimeField()
    chair = serializers.CharField(allow_null=True)
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField()
    status = BoardStatusField()
    status_label = serializers.CharField()
    since = ClinicDateTimeField(allow_null=True, help_text="When the current state began.")
    open_alarm_count = serializers.IntegerField(min_value=0)
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
    container_label = serializers.CharField()
    lot_number = serializers.CharField()
    container_kind = DoseContainerField()
    ordered_dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    unit = serializers.CharField(help_text="The order's unit (mg/kg, mg/kg/h or mg).")
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
    prepared_by = serializers.CharField()
    prepared_at = ClinicDateTimeField()
    verified_by = serializers.CharField(allow_null=True)
    verified_at = ClinicDateTimeField(allow_null=True)
    is_blinded = serializers.BooleanField(
        help_text="True: the figures the independent check reads are withheld from the caller "
        "(not the preparer) until the dose is verified."
    )


class NoteSummarySerializer(serializers.Serializer):
    nurse_signed_by = serializers.CharField()
    nurse_signed_at = ClinicDateTimeField()
    physician_signed_by = serializers.CharField(allow_null=True)
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
    checked_in_by = serializers.CharField()
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
    discharged_by = serializers.CharField(allow_null=True)
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
    recorded_by = serializers.CharField()


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
    acknowledged_by = serializers.CharField(allow_null=True)
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
    recorded_by = serializers.CharField()
    alarms = AlarmSerializer(many=True, help_text="The alarms this reading raised.")


class SideEffectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = SideEffectKindField()
    description = serializers.CharField()
    severity = SeverityField()
    action = SideEffectActionField()
    onset_at = ClinicDateTimeField()
    resolved_at = ClinicDateTimeField(allow_null=True)
    note = serializers.CharField()
    recorded_by = serializers.CharField()


class PrnResponseSerializer(serializers.Serializer):
    text = serializers.CharField()
    recorded_at = ClinicDateTimeField()
    recorded_by = serializers.CharField()


class PrnSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    side_effect_id = serializers.IntegerField(allow_null=True)
    drug = serializers.CharField()
    dose = serializers.DecimalField(max_digits=7, decimal_places=3)
    unit = serializers.CharField()
    route = serializers.CharField()
    given_at = ClinicDateTimeField()
    given_by = serializers.CharField()
    response = serializers.CharField(
        help_text="The latest response charted (empty when none); every one is in `responses`."
    )
    responses = PrnResponseSerializer(
        many=True, help_text="Each response charted, oldest first; none is ever overwritten."
    )
    dose_override_reason = serializers.CharField(
        help_text="The physician's reason for a dose above the usual or an unlisted drug."
    )
    dose_overridden_by = serializers.CharField(allow_null=True)


class ScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    instrument = InstrumentField()
    answers = serializers.DictField(child=serializers.JSONField())
    total = serializers.IntegerField()
    band = serializers.CharField()
    recorded_at = ClinicDateTimeField()
    recorded_by = serializers.CharField()


class SubstanceRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    administered_mg = serializers.DecimalField(max_digits=8, decimal_places=2)
    administered_units = serializers.IntegerField(min_value=0, help_text="Microlitres.")
    wasted_units = serializers.IntegerField(min_value=0, help_text="Microlitres.")
    waste_reason = serializers.CharField()
    witness_id = serializers.IntegerField(allow_null=True)
    witness_name = serializers.CharField(allow_null=True)
    recorded_at = ClinicDateTimeField()


class SessionAddendumSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    author = serializers.CharField()
    written_at = ClinicDateTimeField()


class NoteSerializer(NoteSummarySerializer):
    id = serializers.IntegerField()
    session_id = serializers.IntegerField()
    body = serializers.CharField(help_text="The generated summary, frozen at the signature.")
    addenda = SessionAddendumSerializer(many=True)


# --- data ----------------------------------------------------------------------------------------


def _name(user: User | None) -> str | None:
    if user is None:
        return None
    return user.full_name or user.email


def _board_row_data(row: BoardRow) -> dict[str, Any]:
    appointment = row.appointment
    return {
        "appointment_id": appointment.pk,
        "session_id": row.session.pk if row.session else None,
        "starts_at": appointment.starts_at,
        "chair": appointment.chair.name if appointment.chair else None,
        "patient_id": appointment.patient_id,
        "patient_name": appointment.patient.display_name,
        "status": row.status,
        "status_label": row.status_label,
        "since": row.since,
        "open_alarm_count": len(row.open_alarms),
        "escort_confirmed": row.escort_confirmed,
        "vitals_due_at": row.vitals_due_at,
        "is_paused": row.is_paused,
        "observation_ends_at": row.observation_ends_at,
    }


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


def _dose_data(preparation: DosePreparation, viewer: User) -> dict[str, Any]:
    container = preparation.draw.container
    blinded = preparation.is_blinded_for(viewer)
    data = {
        "id": preparation.pk,
        "draw_id": preparation.draw_id,
        "container_label": container.label,
        "lot_number": container.lot.lot_number,
        "container_kind": preparation.container_kind,
        "ordered_dose": preparation.ordered_dose,
        "dose": preparation.dose,
        "unit": preparation.dose_unit,
        "dose_mg": preparation.dose_mg,
        "dose_change_reason": preparation.dose_change_reason,
        "weight_kg": preparation.weight_kg,
        "dosing_weight_kg": preparation.dosing_weight_kg,
        "weight_basis": preparation.weight_basis,
        "weight_reason": preparation.weight_reason,
        "vial_mg_per_ml": preparation.vial_mg_per_ml,
        "drug_volume_ml": preparation.drug_volume_ml,
        "diluent_volume_ml": preparation.diluent_volume_ml,
        "total_volume_ml": preparation.total_volume_ml,
        "concentration_mg_per_ml": preparation.concentration_mg_per_ml,
        "duration_min": preparation.duration_min,
        "rate_ml_per_h": preparation.rate_ml_per_h,
        "devices": preparation.devices,
        "diluent_lot": preparation.diluent_lot,
        "diluent_expires_on": preparation.diluent_expires_on,
        # A warning may quote the prepared dose ("Total 35 mg is below …").
        "warnings": [] if blinded else [str(warning) for warning in preparation.warnings],
        "prepared_by": _name(preparation.prepared_by),
        "prepared_at": preparation.prepared_at,
        "verified_by": _name(preparation.verified_by),
        "verified_at": preparation.verified_at,
        "is_blinded": blinded,
    }
    if blinded:
        data.update(dict.fromkeys(BLINDED_FIGURES))
    return data


def _session_data(session: TreatmentSession, viewer: User) -> dict[str, Any]:
    checklist = checklist_for_session(session=session)
    preparation = active_preparation(session)
    note = SessionNote.objects.filter(session=session).first()
    appointment = session.appointment
    assessment = session.discharge_assessment or None
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
        "checked_in_by": _name(session.checked_in_by),
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
        "dose": _dose_data(preparation, viewer) if preparation is not None else None,
        "started_at": session.started_at,
        "stopped_at": session.stopped_at,
        "delivered_mg": session.delivered_mg,
        "open_alarm_count": session.alarms.filter(acknowledged_at__isnull=True).count(),
        "observation_minimum_min": session.observation_minimum_min,
        "observation_ends_at": observation_ends_at(session),
        "discharged_at": session.discharged_at,
        "discharged_by": _name(session.discharged_by),
        "discharge_escort_name": session.discharge_escort_name,
        "discharge_instructions": list(session.discharge_instructions),
        "discharge_assessment": assessment,
        "discharge_override_reason": session.discharge_override_reason,
        "note": _note_summary(note) if note is not None else None,
    }


def _note_summary(note: SessionNote) -> dict[str, Any]:
    return {
        "nurse_signed_by": _name(note.nurse_signed_by),
        "nurse_signed_at": note.nurse_signed_at,
        "physician_signed_by": _name(note.physician_signed_by),
        "physician_signed_at": note.physician_signed_at,
    }


def _note_data(note: SessionNote) -> dict[str, Any]:
    addenda = note.addenda.select_related("author").order_by("written_at", "id")
    return {
        **_note_summary(note),
        "id": note.pk,
        "session_id": note.session_id,
        "body": note.body,
        "addenda": [_addendum_data(addendum) for addendum in addenda],
    }


def _addendum_data(addendum: SessionAddendum) -> dict[str, Any]:
    return {
        "id": addendum.pk,
        "text": addendum.text,
        "author": _name(addendum.author),
        "written_at": addendum.written_at,
    }


def _event_data(event: PumpEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "occurred_at": event.occurred_at,
        "rate_ml_per_h": event.rate_ml_per_h,
        "reason": event.reason,
        "recorded_by": _name(event.recorded_by),
    }


def _alarm_data(alarm: SessionAlarm) -> dict[str, Any]:
    return {
        "id": alarm.pk,
        "session_id": alarm.session_id,
        "reading_id": alarm.reading_id,
        "level": alarm.level,
        "level_label": alarm.level_label,
        "parameter": alarm.parameter,
        "message": alarm.message,
        "suggested_action": alarm.suggested_action,
        "raised_at": alarm.raised_at,
        "acknowledge_by": alarm.acknowledge_by,
        "acknowledged_at": alarm.acknowledged_at,
        "acknowledged_by": _name(alarm.acknowledged_by),
        "action_taken": alarm.action_taken,
        "escalated_at": alarm.escalated_at,
    }


def _reading_data(reading: VitalSignReading, alarms: list[SessionAlarm]) -> dict[str, Any]:
    return {
        "id": reading.pk,
        "measured_at": reading.measured_at,
        "phase": reading.phase,
        "systolic_mmhg": reading.systolic_mmhg,
        "diastolic_mmhg": reading.diastolic_mmhg,
        "heart_rate_bpm": reading.heart_rate_bpm,
        "spo2_percent": reading.spo2_percent,
        "respiratory_rate_per_min": reading.respiratory_rate_per_min,
        "moaa_s": reading.moaa_s,
        "temperature_c": reading.temperature_c,
        "rhythm": reading.rhythm,
        "has_symptoms": reading.has_symptoms,
        "alarm_level": reading.alarm_level,
        "pre_infusion_decision": reading.pre_infusion_decision,
        "assessment": [
            {str(key): str(value) for key, value in item.items()} for item in reading.assessment
        ],
        "recorded_by": _name(reading.recorded_by),
        "alarms": [_alarm_data(alarm) for alarm in alarms],
    }


def _side_effect_data(effect: SideEffect) -> dict[str, Any]:
    return {
        "id": effect.pk,
        "kind": effect.kind,
        "description": effect.description,
        "severity": effect.severity,
        "action": effect.action,
        "onset_at": effect.onset_at,
        "resolved_at": effect.resolved_at,
        "note": effect.note,
        "recorded_by": _name(effect.recorded_by),
    }


def _prn_data(prn: PrnDose) -> dict[str, Any]:
    responses = [
        {"text": row.text, "recorded_at": row.recorded_at, "recorded_by": _name(row.recorded_by)}
        for row in prn.responses.select_related("recorded_by")
    ]
    return {
        "id": prn.pk,
        "side_effect_id": prn.side_effect_id,
        "drug": prn.drug,
        "dose": prn.dose,
        "unit": prn.unit,
        "route": prn.route,
        "given_at": prn.given_at,
        "given_by": _name(prn.given_by),
        "response": responses[-1]["text"] if responses else "",
        "responses": responses,
        "dose_override_reason": prn.dose_override_reason,
        "dose_overridden_by": _name(prn.dose_overridden_by),
    }


def _score_data(score: SessionScore) -> dict[str, Any]:
    return {
        "id": score.pk,
        "instrument": score.instrument,
        "answers": score.answers,
        "total": score.total,
        "band": score.band,
        "recorded_at": score.recorded_at,
        "recorded_by": _name(score.recorded_by),
    }


def _substance_data(record: ControlledSubstanceRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "administered_mg": record.administered_mg,
        "administered_units": record.administered_units,
        "wasted_units": record.wasted_units,
        "waste_reason": record.waste_reason,
        "witness_id": record.witness_id,
        "witness_name": _name(record.witness),
        "recorded_at": record.recorded_at,
    }


# --- lookups and helpers ------------------------------------------------------------------------


def _session(clinic: Clinic, session_id: int) -> TreatmentSession:
    try:
        return session_get(clinic=clinic, session_id=session_id)
    except TreatmentSession.DoesNotExist:
        raise NotFound(SESSION_NOT_FOUND) from None


def _allowed(request: Request, action: Action) -> tuple[User, Clinic]:
    """The caller and the acting clinic, once the role allows `action` (403 before the body)."""
    user = staff_caller(request)
    clinic = api_clinic(request)
    require_permission(user=user, action=action, clinic=clinic)
    return user, clinic


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    data: dict[str, Any] = payload.validated_data
    return data


def _key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 64:
        raise InvalidInput(
            "The Idempotency-Key header is at most 64 characters.",
            fields={IDEMPOTENCY_HEADER: ["At most 64 characters."]},
        )
    return key


@contextmanager
def _fields_named(names: dict[str, str]) -> Iterator[None]:
    """A service's field messages under the names of the API's body (`container` →
    `container_id`)."""
    try:
        yield
    except InvalidInput as error:
        fields = {names.get(key, key): value for key, value in error.fields.items()}
        raise InvalidInput(error.message, fields=fields) from error


def _audit_view(user: User, session: TreatmentSession, part: str) -> None:
    audit_record(
        actor=user,
        action=AuditAction.SESSION_VIEWED,
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=session,
        detail={"session": session.pk, "part": part, "via": "api"},
    )


def _respond(
    serializer: type[serializers.Serializer],
    data: Any,
    clinic: Clinic,
    code: int = status.HTTP_200_OK,
) -> Response:
    return Response(serializer(data, context=clinic_context(clinic)).data, status=code)


def _session_response(
    session_id: int, clinic: Clinic, viewer: User, code: int = status.HTTP_200_OK
) -> Response:
    return _respond(
        SessionDetailSerializer, _session_data(_session(clinic, session_id), viewer), clinic, code
    )


class SessionEndpoint(StaffEndpoint):
    """Times the charting services read as dates (check-in on the visit's day, a diluent's
    expiry, the checklist's day) are the clinic's, as on the staff pages: a token's call is
    answered in its clinic's time zone."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        if clinic is not None:
            # The clinic middleware deactivates it when the response is done.
            timezone.activate(clinic.zone)


class SessionListEndpoint(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        if clinic is not None:
            timezone.activate(clinic.zone)

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **clinic_context(api_clinic(self.request))}


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A key the device chooses for this entry (at most 64 characters). Sending the "
    "same key again with the same values (a retry) answers 200 with the entry already stored "
    "instead of storing it twice, also when the retries arrive at once (one 201, the others "
    "200); the same key with different values is a 409 `conflict` and stores nothing.",
)
RETRIED = "The entry already stored under this Idempotency-Key"
RATE_LIMITED = {
    429: OpenApiResponse(ErrorSerializer, description="Signing as the witness is paused"),
}
WRITE_REFUSALS = {**ERRORS, **REFUSED_BY_STATE}


def _idempotent_response(
    serializer: type[serializers.Serializer], data: dict[str, Any], clinic: Clinic, row: SentOnce
) -> Response:
    """201 for a row stored by this request; 200 for one a retry found (the service says)."""
    code = status.HTTP_200_OK if row.is_retry else status.HTTP_201_CREATED
    return _respond(serializer, data, clinic, code)


# --- reads ----------------------------------------------------------------------------------------


class SessionDayView(SessionListEndpoint):
    serializer_class = BoardRowSerializer

    def get_queryset(self) -> list[dict[str, Any]]:  # type: ignore[override]
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        require_permission(user=user, action=Action.SESSION_BOARD_VIEW, clinic=clinic)
        query = SessionDayQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        day: datetime.date = query.validated_data.get("date") or clinic.local_today()
        board = session_board_for_user(user=user, clinic=clinic, day=day, via="api")
        rows = [row for chair in board for row in chair.rows]
        rows.sort(key=lambda row: (row.appointment.starts_at, row.appointment.pk))
        return [_board_row_data(row) for row in rows]

    @extend_schema(
        operation_id="sessions_list",
        summary="The day board: the clinic's treatments on one day with their live state",
        description="Every treatment visit starting on the clinic's day (booked, completed or "
        "missed), in time order: its chair, the patient, the board status (expected, arrived, "
        "checklist, infusing, recovery, ready_for_discharge, discharged, not_given, no_show), "
        "since when, open alarms, whether the escort is confirmed and when vitals are next "
        "due. Needs `session_board.view` (physicians, medical director, nurses; the front "
        "desk's view is `GET /sessions/arrivals`); each call is recorded as "
        "`session_board.viewed`.",
        parameters=[SessionDayQuerySerializer],
        responses={200: BoardRowSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SessionDetailView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_retrieve",
        summary="One session: status, checklist, dose, times and discharge",
        description="The checklist as it stands now (each item with its status and detail, and "
        "whether the treatment can start, what blocks it and whether a physician may override "
        "it), the active dose preparation with every figure and who verified it, the pump or "
        "device times, the delivered dose, the end of the minimum observation and the "
        "discharge. Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: SessionDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.PATIENT_CHART_VIEW)
        session = _session(clinic, session_id)
        _audit_view(user, session, "session")
        return _respond(SessionDetailSerializer, _session_data(session, user), clinic)


# --- check-in and checklist -----------------------------------------------------------------------


class CheckInView(SessionEndpoint):
    @extend_schema(
        operation_id="appointments_check_in",
        summary="Check the patient in for a booked treatment: the session begins",
        description="On the visit's day, for a booked treatment under a course (front desk, "
        "nurses, physicians: `appointment.book`). 409 `conflict` when already checked in, "
        "`precondition_failed` for a visit that is not a booked treatment today. The escort on "
        "file is copied to the session. Recorded as `session.checked_in`.",
        request=None,
        responses={201: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        user, clinic = _allowed(request, Action.APPOINTMENT_BOOK)
        appointment = api_appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)
        session = session_check_in(acting_user=user, appointment=appointment)
        return _session_response(session.pk, clinic, user, status.HTTP_201_CREATED)


class ChecklistAnswerView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_checklist_answer",
        summary="Answer one item of the pre-infusion checklist",
        description="The items the nurse answers by hand; the latest answer counts. A failed "
        "item needs `detail`. Closed once the treatment has started (409). Needs "
        "`session.chart`; answers with the session and its checklist.",
        request=ChecklistAnswerInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        data = _body(ChecklistAnswerInputSerializer, request)
        checklist_answer(
            acting_user=user,
            session=session,
            item=data["item"],
            status=data["status"],
            detail=data["detail"],
        )
        return _session_response(session.pk, clinic, user)


class MeasurementsView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_measurements",
        summary="Today's weight (and height)",
        description="The dose is computed from today's weight, never an old one; refused (409) "
        "once a dose has been prepared. An implausible weight or height is a 400. Needs "
        "`session.chart`.",
        request=MeasurementsInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        data = _body(MeasurementsInputSerializer, request)
        session_measurements_record(
            acting_user=user,
            session=session,
            weight_kg=data["weight_kg"],
            height_cm=data.get("height_cm"),
        )
        return _session_response(session.pk, clinic, user)


class EscortView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_escort",
        summary="Confirm the escort's name and phone",
        description="The responsible adult who takes the patient home, before dosing. Needs "
        "`session.chart`.",
        request=EscortInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        data = _body(EscortInputSerializer, request)
        with _fields_named({"escort_name": "name", "escort_phone": "phone"}):
            session_escort_confirm(
                acting_user=user, session=session, name=data["name"], phone=data["phone"]
            )
        return _session_response(session.pk, clinic, user)


class ChecklistOverrideView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_checklist_override",
        summary="A physician lets the treatment start despite a failed item (with a reason)",
        description="Only when every blocker is one a physician may override (a failed item "
        "other than identity, consent, REMS enrolment and escort, or a review-level reading); "
        "409 otherwise. Needs `checklist.override`; recorded as `session.overridden`.",
        request=OverrideInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.CHECKLIST_OVERRIDE)
        session = _session(clinic, session_id)
        data = _body(OverrideInputSerializer, request)
        checklist_override(acting_user=user, session=session, reason=data["reason"])
        return _session_response(session.pk, clinic, user)


# --- dose ---------------------------------------------------------------------------------------


def _preparation_response(
    preparation_id: int, clinic: Clinic, viewer: User, code: int = status.HTTP_200_OK
) -> Response:
    preparation = DosePreparation.objects.select_related(
        "draw__container__lot", "prepared_by", "verified_by"
    ).get(pk=preparation_id)
    return _respond(DoseSerializer, _dose_data(preparation, viewer), clinic, code)


class DosePrepareView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_dose_prepare",
        summary="Compute, draw and record the dose",
        description="From the course's signed dose order and today's weight (IV: dosing "
        "weight, volumes, concentration and pump rate; esketamine: devices). The draw is "
        "posted to the controlled-substance ledger in the same transaction. A dose other than "
        "the order's needs a physician and `dose_change_reason`. 409 without a signed order in "
        "date, without today's weight, or when a dose is already prepared. Needs "
        "`medication.administer`; recorded as `session.dose_prepared`.",
        request=DosePrepareInputSerializer,
        responses={201: DoseSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.MEDICATION_ADMINISTER)
        session = _session(clinic, session_id)
        data = _body(DosePrepareInputSerializer, request)
        container = container_get(clinic=clinic, container_id=data["container_id"])
        with _fields_named({"container": "container_id"}):
            preparation = dose_prepare(
                acting_user=user,
                session=session,
                container=container,
                dose=data["dose"],
                dose_change_reason=data["dose_change_reason"],
                bag_or_syringe=data["container_kind"],
                diluent_volume_ml=data["diluent_volume_ml"],
                syringe_concentration_mg_per_ml=data["syringe_concentration_mg_per_ml"],
                diluent_lot=data["diluent_lot"],
                diluent_expires_on=data["diluent_expires_on"],
            )
        return _preparation_response(preparation.pk, clinic, user, status.HTTP_201_CREATED)


class DoseVerifyView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_dose_verify",
        summary="Independently verify the prepared dose",
        description="A second clinician (not the one who prepared it: 409) reads the label and "
        "the pump and types what they see: `dose_mg` and, for IV, `rate_ml_per_h` (esketamine: "
        "`devices`). A mismatch is a 400 naming each field that differs, never the prepared "
        "values: the check is blind (until it passes only the preparer reads the figures). "
        "Needs `dose.verify`; recorded as `session.dose_verified`.",
        request=DoseVerifyInputSerializer,
        responses={200: DoseSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.DOSE_VERIFY)
        session = _session(clinic, session_id)
        data = _body(DoseVerifyInputSerializer, request)
        preparation = active_preparation(session)
        if preparation is None:
            raise NotFound("No dose is prepared for this session.")
        dose_verify(
            acting_user=user,
            preparation=preparation,
            dose_mg=data["dose_mg"],
            rate_ml_per_h=data["rate_ml_per_h"],
            devices=data["devices"],
        )
        return _preparation_response(preparation.pk, clinic, user)


# --- pump events and devices ----------------------------------------------------------------------


class SessionEventsView(SessionListEndpoint):
    serializer_class = PumpEventSerializer
    parser_classes = StaffEndpoint.parser_classes

    def get_queryset(self) -> list[dict[str, Any]]:  # type: ignore[override]
        user, clinic = _allowed(self.request, Action.PATIENT_CHART_VIEW)
        session = _session(clinic, self.kwargs["session_id"])
        _audit_view(user, session, "events")
        events = session.pump_events.select_related("recorded_by").order_by("occurred_at", "id")
        return [_event_data(event) for event in events]

    @extend_schema(
        operation_id="sessions_events_list",
        summary="The session's pump events and esketamine devices, in time order",
        description="Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: PumpEventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="sessions_events_create",
        summary="Start, pause, resume, change the rate of, or stop the IV infusion",
        description="Start needs the checklist passed (or overridden) and the dose verified, "
        "at the computed rate unless a physician gives a reason; a rate change needs a reason. "
        "Stop computes the delivered dose from the events and moves the session to recovery. "
        "An event the pump's state does not allow (a pause while paused) is a 400. Needs "
        "`session.chart` (start: `medication.administer`); recorded as `session.charted`.",
        request=PumpEventInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PumpEventSerializer,
            200: OpenApiResponse(PumpEventSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        key = _key(request)
        data = _body(PumpEventInputSerializer, request)
        event = pump_event_record(
            acting_user=user,
            session=session,
            kind=data["kind"],
            rate_ml_per_h=data["rate_ml_per_h"],
            reason=data["reason"],
            occurred_at=data["occurred_at"],
            idempotency_key=key,
        )
        return _idempotent_response(PumpEventSerializer, _event_data(event), clinic, event)


class DeviceView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_devices_create",
        summary="One esketamine device given",
        description="At least 5 minutes after the previous one, up to the devices prepared; "
        "each is posted to the ledger as an administration. The first starts the session "
        "clock; the last moves the session to recovery and records the controlled substance. "
        "Needs `medication.administer`.",
        request=DeviceInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PumpEventSerializer,
            200: OpenApiResponse(PumpEventSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.MEDICATION_ADMINISTER)
        session = _session(clinic, session_id)
        key = _key(request)
        data = _body(DeviceInputSerializer, request)
        event = device_administer(
            acting_user=user,
            session=session,
            occurred_at=data["occurred_at"],
            idempotency_key=key,
        )
        return _idempotent_response(PumpEventSerializer, _event_data(event), clinic, event)


# --- vitals and alarms ----------------------------------------------------------------------------


def _readings(session: TreatmentSession) -> list[dict[str, Any]]:
    readings = list(session.readings.select_related("recorded_by").order_by("measured_at", "id"))
    alarms: dict[int, list[SessionAlarm]] = {}
    for alarm in session.alarms.select_related("acknowledged_by").order_by("raised_at", "id"):
        alarms.setdefault(alarm.reading_id, []).append(alarm)
    return [_reading_data(reading, alarms.get(reading.pk, [])) for reading in readings]


class SessionVitalsView(SessionListEndpoint):
    serializer_class = VitalsSerializer
    parser_classes = StaffEndpoint.parser_classes

    def get_queryset(self) -> list[dict[str, Any]]:  # type: ignore[override]
        user, clinic = _allowed(self.request, Action.PATIENT_CHART_VIEW)
        session = _session(clinic, self.kwargs["session_id"])
        _audit_view(user, session, "vitals")
        return _readings(session)

    @extend_schema(
        operation_id="sessions_vitals_list",
        summary="The session's vital-sign readings, in time order, with their alarms",
        description="Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: VitalsSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="sessions_vitals_create",
        summary="Record one vital-signs reading",
        description="A reading no patient could have (systolic 400, SpO2 120, heart rate 0) is "
        "a 400 and nothing is stored; a time in the future or before check-in is a 400 on "
        "`measured_at`. Before the start the clinical rules decide go / review / hold "
        "(`pre_infusion_decision`, feeding the checklist); after it they raise alarms "
        "(`alarm_level` 1 warning, 2 critical), answered here with the reading and escalated "
        "to the physician when not acknowledged in time. Needs `session.chart`; recorded as "
        "`session.vitals_recorded`.",
        request=VitalsInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: VitalsSerializer,
            200: OpenApiResponse(VitalsSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        key = _key(request)
        data = _body(VitalsInputSerializer, request)
        reading = vitals_record(acting_user=user, session=session, idempotency_key=key, **data)
        alarms = list(reading.alarms.select_related("acknowledged_by").order_by("-level", "id"))
        return _idempotent_response(
            VitalsSerializer, _reading_data(reading, alarms), clinic, reading
        )


class AlarmAcknowledgeView(SessionEndpoint):
    @extend_schema(
        operation_id="alarms_acknowledge",
        summary="Acknowledge an alarm and say what was done",
        description="Late is allowed (the time is when it is acknowledged) until the session's "
        "note is signed; after that 409: what was done goes in an addendum to the note. 409 "
        "when already acknowledged. Needs `session.chart`; recorded as "
        "`session.alarm_acknowledged`.",
        request=AlarmAcknowledgeInputSerializer,
        responses={200: AlarmSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, alarm_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        alarm = SessionAlarm.objects.filter(clinic=clinic, pk=alarm_id).first()
        if alarm is None:
            raise NotFound(ALARM_NOT_FOUND)
        data = _body(AlarmAcknowledgeInputSerializer, request)
        updated = alarm_acknowledge(
            acting_user=user, alarm=alarm, action_taken=data["action_taken"]
        )
        return _respond(AlarmSerializer, _alarm_data(updated), clinic)


# --- side effects, PRNs and scores ----------------------------------------------------------------


class SideEffectView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_side_effects_create",
        summary="Record a side effect",
        description="Its kind, severity and the action taken (`other` needs a description). "
        "Needs `session.chart`; recorded as `session.charted`.",
        request=SideEffectInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: SideEffectSerializer,
            200: OpenApiResponse(SideEffectSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        key = _key(request)
        data = _body(SideEffectInputSerializer, request)
        effect = side_effect_record(acting_user=user, session=session, idempotency_key=key, **data)
        return _idempotent_response(SideEffectSerializer, _side_effect_data(effect), clinic, effect)


class SideEffectResolveView(SessionEndpoint):
    @extend_schema(
        operation_id="side_effects_resolve",
        summary="Mark a side effect resolved",
        description="Not before its onset, not in the future; 409 when already resolved, and "
        "409 once the session is discharged or not given (its chart is closed: the resolution "
        "goes in an addendum to the signed note). Needs `session.chart`.",
        request=SideEffectResolveInputSerializer,
        responses={200: SideEffectSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, side_effect_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        effect = SideEffect.objects.filter(clinic=clinic, pk=side_effect_id).first()
        if effect is None:
            raise NotFound(SIDE_EFFECT_NOT_FOUND)
        data = _body(SideEffectResolveInputSerializer, request)
        updated = side_effect_resolve(
            acting_user=user, side_effect=effect, resolved_at=data["resolved_at"], note=data["note"]
        )
        return _respond(SideEffectSerializer, _side_effect_data(updated), clinic)


class PrnView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_prns_create",
        summary="Record a PRN medication given",
        description="Drug, dose, unit, route and time, linked to the side effect it treats "
        "(`side_effect_id`, of this session). Needs `medication.administer`; recorded as "
        "`session.charted`.",
        request=PrnInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PrnSerializer,
            200: OpenApiResponse(PrnSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.MEDICATION_ADMINISTER)
        session = _session(clinic, session_id)
        key = _key(request)
        data = _body(PrnInputSerializer, request)
        effect = None
        if data["side_effect_id"] is not None:
            effect = SideEffect.objects.filter(session=session, pk=data["side_effect_id"]).first()
            if effect is None:
                raise InvalidInput(
                    "That side effect is not one of this session's.",
                    fields={"side_effect_id": ["Not a side effect of this session."]},
                )
        prn = prn_record(
            acting_user=user,
            session=session,
            drug=data["drug"],
            dose=data["dose"],
            unit=data["unit"],
            route=data["route"],
            side_effect=effect,
            given_at=data["given_at"],
            response=data["response"],
            dose_override_reason=data["dose_override_reason"],
            idempotency_key=key,
        )
        return _idempotent_response(PrnSerializer, _prn_data(prn), clinic, prn)


class ScoreView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_scores_create",
        summary="Record a score: CADSS-6, modified Aldrete, PADSS or the post-session form",
        description="Scored by the clinical rules; answers they do not accept are a 400. Needs "
        "`session.chart`.",
        request=ScoreInputSerializer,
        responses={201: ScoreSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        data = _body(ScoreInputSerializer, request)
        with _fields_named({data["instrument"]: "answers"}):
            score = session_score_record(
                acting_user=user,
                session=session,
                instrument=data["instrument"],
                answers=data["answers"],
            )
        return _respond(ScoreSerializer, _score_data(score), clinic, status.HTTP_201_CREATED)


# --- controlled substance, discharge and the note -------------------------------------------------


class ControlledSubstanceView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_controlled_substance",
        summary="After the stop: post what was given and waste the rest before a witness",
        description="The amount given comes from the pump events; the rest of the draw is "
        "wasted before a witness who signs with their own password (`witness_id`, "
        "`witness_password`), checked like a sign-in as for `POST /inventory/draws/{id}/waste`: "
        "a wrong password is a 400 on `witness_password` and nothing is recorded; 429 once "
        "signing as the witness is paused. The caller as witness, or a witness without a current "
        "licence, is a 400 on `witness_id`. 409 before the stop or when already recorded. "
        "Needs `medication.administer`.",
        request=ControlledSubstanceInputSerializer,
        responses={201: SubstanceRecordSerializer, **WRITE_REFUSALS, **RATE_LIMITED},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.MEDICATION_ADMINISTER)
        session = _session(clinic, session_id)
        data = _body(ControlledSubstanceInputSerializer, request)
        witness = witness_get(clinic=clinic, user_id=data["witness_id"])
        witness_signature_check(
            request=request._request,
            witness=witness,
            password=data["witness_password"],
            field="witness_password",
        )
        try:
            with _fields_named({"witness": "witness_id"}):
                record = controlled_substance_reconcile(
                    acting_user=user,
                    session=session,
                    witness=witness,
                    waste_reason=data["waste_reason"],
                )
        except PermissionRefused as error:
            if "witness" not in error.fields:
                raise
            # About the witness, not the caller: a problem with the body.
            raise InvalidInput(error.message, fields={"witness_id": [error.message]}) from error
        return _respond(
            SubstanceRecordSerializer, _substance_data(record), clinic, status.HTTP_201_CREATED
        )


class DischargeView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_discharge",
        summary="Discharge the patient to their escort",
        description="From recovery, with the escort present, the instructions given and the "
        "controlled substance recorded, once the discharge criteria are met (minimum "
        "observation, score, vitals back near baseline, sedation resolved). Not ready: 409 "
        "`precondition_failed` with the reasons in the message, unless a physician "
        "(`checklist.override`) gives `override_reason`. Completes the appointment. Needs "
        "`session.chart`; recorded as `session.discharged`.",
        request=DischargeInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        data = _body(DischargeInputSerializer, request)
        session_discharge(
            acting_user=user,
            session=session,
            escort_name=data["escort_name"],
            instructions_given=data["instructions_given"],
            override_reason=data["override_reason"],
        )
        return _session_response(session.pk, clinic, user)


class NoteSignView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_note_sign",
        summary="Sign the session note (the nurse), then co-sign it (a physician)",
        description="After discharge (409 before). The first signature freezes the generated "
        "summary; the second is a different physician's (`checklist.override`). 409 once both "
        "have signed. Recorded as `session.note_signed`.",
        request=None,
        responses={200: NoteSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        note = session_note_sign(acting_user=user, session=session)
        return _respond(NoteSerializer, _note_data(note), clinic)


class NoteAddendumView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_note_addenda_create",
        summary="Add an addendum to the signed note",
        description="A signed note never changes; corrections are addenda. 404 before the note "
        "is signed. Needs `session.chart`; recorded as `session.note_addendum`.",
        request=SessionAddendumInputSerializer,
        responses={201: NoteSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = _allowed(request, Action.SESSION_CHART)
        session = _session(clinic, session_id)
        note = SessionNote.objects.filter(session=session).first()
        if note is None:
            raise NotFound("This session's note is not signed yet.")
        data = _body(SessionAddendumInputSerializer, request)
        session_addendum_add(acting_user=user, note=note, text=data["text"])
        return _respond(NoteSerializer, _note_data(note), clinic, status.HTTP_201_CREATED)
