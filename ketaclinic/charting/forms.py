"""The session page's forms: each parses one step's input for its service. Ranges here only
shape the inputs (whole numbers, sizes); the clinical judgement is `medicine/`'s, in the
services.

A typed number is a plain decimal (`core.forms.PlainDecimalField`, used by every form that takes
a dose or a measurement): an exponent ("5e1"), "NaN", "Infinity" or a thousands separator is
refused — Django's DecimalField would read "5e1" as 50."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import DoseContainer, SideEffect, TreatmentSession
from ketaclinic.core.forms import PlainDecimalField, StyledForm
from ketaclinic.inventory.models import Container, ContainerStatus, ProductForm
from ketaclinic.medicine.dosing import DEFAULT_DILUENT_BAG_ML
from ketaclinic.medicine.medications import MedicationRoute, MedicationUnit, dose_text
from ketaclinic.medicine.questionnaires.aldrete import MODIFIED_ALDRETE
from ketaclinic.medicine.questionnaires.cadss import CADSS6_ITEMS
from ketaclinic.medicine.session import (
    PRN_SUGGESTIONS,
    Severity,
    SideEffectAction,
    SideEffectKind,
)


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(StyledForm):
    """A form a tablet may send twice: the key is made when the form is drawn, so a resent
    form (a retry after a dropped connection) carries the same key and is stored once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)


class VitalsForm(IdempotentForm):
    systolic_mmhg = forms.IntegerField(label="Systolic", min_value=0, max_value=999)
    diastolic_mmhg = forms.IntegerField(label="Diastolic", min_value=0, max_value=999)
    heart_rate_bpm = forms.IntegerField(label="HR", min_value=0, max_value=999)
    spo2_percent = forms.IntegerField(label="SpO2 %", min_value=0, max_value=999)
    respiratory_rate_per_min = forms.IntegerField(
        label="RR", min_value=0, max_value=999, required=False
    )
    moaa_s = forms.TypedChoiceField(
        label="MOAA/S",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *[(score, str(score)) for score in range(5, -1, -1)]],
    )
    temperature_c = PlainDecimalField(
        label="Temp °C", max_digits=4, decimal_places=1, required=False
    )
    rhythm = forms.CharField(label="Rhythm", max_length=64, required=False)
    has_symptoms = forms.BooleanField(
        label="Chest pain, severe headache, visual change, focal signs or confusion",
        required=False,
    )
    measured_at = forms.TimeField(
        label="Taken at",
        required=False,
        help_text="Leave empty for now; give the time for a late entry.",
        widget=forms.TimeInput(attrs={"type": "time"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (
            "systolic_mmhg",
            "diastolic_mmhg",
            "heart_rate_bpm",
            "spo2_percent",
            "respiratory_rate_per_min",
        ):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})


class ChecklistItemForm(StyledForm):
    item = forms.CharField(widget=forms.HiddenInput)
    detail = forms.CharField(label="Detail", max_length=500, required=False)


class MeasurementsForm(StyledForm):
    weight_kg = PlainDecimalField(
        label="Weight today (kg)", max_digits=5, decimal_places=1, min_value=Decimal("0")
    )
    height_cm = PlainDecimalField(
        label="Height (cm)", max_digits=5, decimal_places=1, min_value=Decimal("0")
    )


class EscortForm(StyledForm):
    name = forms.CharField(label="Escort's name", max_length=200)
    phone = forms.CharField(label="Escort's phone", max_length=32)


class ReasonForm(StyledForm):
    reason = forms.CharField(
        label="Reason", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


def usable_containers(session: TreatmentSession) -> QuerySet[Container]:
    form = ProductForm.DEVICE_KIT if session.is_esketamine else ProductForm.VIAL
    today = session.clinic.local_today()
    return (
        Container.objects.filter(
            clinic=session.clinic,
            lot__product__form=form,
            status__in=[ContainerStatus.SEALED, ContainerStatus.OPEN],
            balance__gt=0,
            lot__expires_on__gte=today,
        )
        .filter(Q(beyond_use_at__isnull=True) | Q(beyond_use_at__gt=timezone.now()))
        .select_related("lot__product", "location")
        .order_by("-status", "lot__expires_on", "label")
    )


class ContainerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Container) -> str:
        product = obj.lot.product
        state = "opened" if obj.status == ContainerStatus.OPEN else "sealed"
        return (
            f"{obj.label} — {product.name}, lot {obj.lot.lot_number}, exp "
            f"{obj.lot.expires_on:%d %b %Y}, {state}"
        )


class DosePrepareForm(StyledForm):
    container = ContainerChoiceField(queryset=Container.objects.none(), label="Vial or kit")
    dose = PlainDecimalField(
        label="Dose",
        max_digits=6,
        decimal_places=3,
        required=False,
        help_text="Leave empty for the signed order's dose. A different dose needs a physician.",
    )
    dose_change_reason = forms.CharField(
        label="Physician's reason for a different dose", max_length=500, required=False
    )
    container_kind = forms.ChoiceField(
        label="Prepared in",
        choices=[
            (DoseContainer.BAG, "Bag (volumetric pump)"),
            (DoseContainer.SYRINGE, "Syringe pump, 1 mg/mL"),
        ],
        initial=DoseContainer.BAG,
    )
    diluent_volume_ml = PlainDecimalField(
        label="Diluent bag (mL)",
        max_digits=6,
        decimal_places=1,
        initial=DEFAULT_DILUENT_BAG_ML,
        required=False,
    )
    diluent_lot = forms.CharField(label="Diluent lot", max_length=64, required=False)
    diluent_expires_on = forms.DateField(
        label="Diluent expiry", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, session: TreatmentSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["container"].queryset = usable_containers(session)  # type: ignore[attr-defined]
        if session.is_esketamine:
            for name in (
                "container_kind",
                "diluent_volume_ml",
                "diluent_lot",
                "diluent_expires_on",
            ):
                del self.fields[name]
            self.fields[
                "dose"
            ].help_text = "Leave empty for the order (first session: the label's starting dose)."


class VerifyForm(StyledForm):
    dose_mg = PlainDecimalField(label="Dose on the label (mg)", max_digits=8, decimal_places=2)
    rate_ml_per_h = PlainDecimalField(
        label="Rate on the pump (mL/h)", max_digits=7, decimal_places=1, required=False
    )
    devices = forms.IntegerField(label="Devices", min_value=1, max_value=3, required=False)


class PumpForm(IdempotentForm):
    kind = forms.CharField(widget=forms.HiddenInput)
    rate_ml_per_h = PlainDecimalField(
        label="New rate (mL/h)", max_digits=7, decimal_places=1, required=False
    )
    reason = forms.CharField(label="Reason", max_length=500, required=False)


class SideEffectForm(IdempotentForm):
    kind = forms.ChoiceField(
        label="Side effect", choices=[(k.value, k.label) for k in SideEffectKind]
    )
    description = forms.CharField(label="Describe (for other)", max_length=300, required=False)
    severity = forms.ChoiceField(
        label="Severity", choices=[(s.value, s.value.capitalize()) for s in Severity]
    )
    action = forms.ChoiceField(
        label="Action",
        choices=[
            (
                a.value,
                {
                    "none": "None",
                    "slow": "Slowed",
                    "pause": "Paused",
                    "stop": "Stopped",
                    "prn": "PRN given",
                }[a.value],
            )
            for a in SideEffectAction
        ],
    )
    onset_at = forms.TimeField(
        label="Onset",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Empty for now.",
    )
    note = forms.CharField(label="Note", max_length=500, required=False)


class PrnForm(IdempotentForm):
    suggestion = forms.ChoiceField(label="Common PRN", required=False)
    drug = forms.CharField(label="Drug", max_length=100, required=False)
    dose = PlainDecimalField(label="Dose", max_digits=7, decimal_places=3, required=False)
    unit = forms.ChoiceField(
        label="Unit", choices=[(unit.value, unit.value) for unit in MedicationUnit], initial="mg"
    )
    route = forms.ChoiceField(
        label="Route", choices=[(route.value, route.value) for route in MedicationRoute]
    )
    dose_override_reason = forms.CharField(
        label="Physician's reason (above the usual dose, or a drug not in the list)",
        max_length=500,
        required=False,
    )
    side_effect = forms.ModelChoiceField(
        queryset=SideEffect.objects.none(), required=False, label="For"
    )
    given_at = forms.TimeField(
        label="Given at", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    response = forms.CharField(label="Response", max_length=500, required=False)

    def __init__(self, *args: Any, session: TreatmentSession, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["side_effect"].queryset = SideEffect.objects.filter(session=session)  # type: ignore[attr-defined]
        self.fields["suggestion"].choices = [("", "— type it below —")] + [  # type: ignore[attr-defined]
            (str(index), f"{s.drug.capitalize()} {dose_text(s.dose, s.unit)} {s.route}")
            for index, s in enumerate(PRN_SUGGESTIONS)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = data.get("suggestion")
        if chosen:
            suggestion = PRN_SUGGESTIONS[int(chosen)]
            data["drug"], data["dose"] = suggestion.drug.capitalize(), suggestion.dose
            data["unit"], data["route"] = suggestion.unit, suggestion.route
        elif not data.get("drug") or data.get("dose") is None:
            raise forms.ValidationError("Choose a common PRN or give the drug and dose.")
        return data


class PrnResponseForm(StyledForm):
    prn_id = forms.IntegerField(widget=forms.HiddenInput)
    response = forms.CharField(label="Response", max_length=500)


class ResolveForm(StyledForm):
    side_effect_id = forms.IntegerField(widget=forms.HiddenInput)


_ZERO_TO_FOUR = [(value, str(value)) for value in range(5)]
CADSS6_LABELS = {
    1: "Things seem to be moving in slow motion",
    2: "Things seem unreal, as if in a dream",
    6: "Sense of own body changed",
    7: "Separated from what is happening",
    15: "Colors are diminished or intensified",
    22: "Gaps in memory",
}


class Cadss6Form(StyledForm):
    """CADSS-6 items by code and a short reminder, 0 (not at all) to 4 (extremely)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for number in CADSS6_ITEMS:
            self.fields[f"cadss.{number}"] = forms.TypedChoiceField(
                label=f"Item {number}: {CADSS6_LABELS[number]}",
                choices=_ZERO_TO_FOUR,
                coerce=int,
                widget=forms.RadioSelect,
            )


class AldreteForm(StyledForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in MODIFIED_ALDRETE.items:
            self.fields[item.code] = forms.TypedChoiceField(
                label=item.text,
                choices=[(2, "2"), (1, "1"), (0, "0")],
                coerce=int,
                widget=forms.RadioSelect,
            )


class PostSessionForm(StyledForm):
    """KSET-style post-treatment check: each symptom none to severe (CLINICAL.md §6.4, §6.5)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in SideEffectKind:
            if kind == SideEffectKind.OTHER:
                continue
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=[("none", "None"), *[(s.value, s.value.capitalize()) for s in Severity]],
                initial="none",
            )


class ReconcileForm(StyledForm):
    witness = forms.ModelChoiceField(queryset=User.objects.none(), label="Witness")
    witness_password = forms.CharField(
        label="Witness's password",
        widget=forms.PasswordInput(render_value=False),
        help_text="The witness types their own password to sign.",
    )
    waste_reason = forms.CharField(
        label="Waste reason", max_length=500, initial="Remainder after the infusion"
    )

    def __init__(self, *args: Any, witnesses: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["witness"].queryset = witnesses  # type: ignore[attr-defined]


class DischargeForm(StyledForm):
    escort_name = forms.CharField(label="Escort present (name)", max_length=200)
    instructions_given = forms.BooleanField(
        label="Instructions given and understood", required=False
    )
    override_reason = forms.CharField(
        label="Physician's reason to discharge before the criteria are met",
        max_length=500,
        required=False,
    )


class AlarmAcknowledgeForm(StyledForm):
    alarm_id = forms.IntegerField(widget=forms.HiddenInput)
    action_taken = forms.CharField(label="What was done", max_length=500)


class AddendumForm(StyledForm):
    text = forms.CharField(label="Addendum", widget=forms.Textarea(attrs={"rows": 3}))


class RemsForm(StyledForm):
    takes_benzodiazepines = forms.BooleanField(label="Benzodiazepines", required=False)
    takes_non_benzodiazepine_hypnotics = forms.BooleanField(
        label="Non-benzodiazepine sedative hypnotics", required=False
    )
    takes_psychostimulants = forms.BooleanField(label="Psychostimulants", required=False)
    takes_maois = forms.BooleanField(label="MAOIs", required=False)
    takes_opioids = forms.BooleanField(label="Opioids", required=False)
    ready_to_leave_minutes = forms.IntegerField(
        label="Without the 2-hour minimum, ready to leave at (minutes from the first device)",
        min_value=1,
        max_value=600,
        required=False,
    )


class RemsSubmittedForm(StyledForm):
    reference = forms.CharField(label="Confirmation number or fax date", max_length=100)
