"""The session day's request bodies and the named enums its bodies and answers share. Every
decimal is a `StrictDecimalField`: a JSON number or a plain decimal string."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import (
    AwareDateTimeField,
    InputSerializer,
    StrictBooleanField,
)
from ketaclinic.api.fields import decimal_field as _decimal
from ketaclinic.api.fields import labels as _labels
from ketaclinic.api.fields import named_choice as _named_choice
from ketaclinic.api.fields import text_field as _text
from ketaclinic.charting.models import (
    DoseContainer,
    PumpEvent,
    SessionRoute,
    SessionStatus,
    VitalsPhase,
)
from ketaclinic.charting.selectors import (
    BoardStatus,
)
from ketaclinic.charting.services import (
    POST_SESSION_FORM,
    SESSION_INSTRUMENTS,
)
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
