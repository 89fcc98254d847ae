"""Intake forms: the main form and three lists (diagnoses, antidepressant trials, medications)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.intake.models import INDICATION_CHOICES, TRIAL_OUTCOME_CHOICES, EligibilityOutcome
from ketaclinic.medicine.eligibility import HISTORY_RULES, History
from ketaclinic.medicine.protocols import STANDARD_PROTOCOLS

YES_NO_UNKNOWN = [("", "Not recorded"), ("yes", "Yes"), ("no", "No")]
HISTORY_CHOICES = [(item.value, HISTORY_RULES[item][1]) for item in History]


def _tristate(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class IntakeForm(StyledForm):
    indication = forms.ChoiceField(
        label="Indication", choices=[("", "Choose"), *INDICATION_CHOICES], required=False
    )
    psychiatric_history = forms.CharField(
        label="Psychiatric history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=8000,
    )
    medical_history = forms.MultipleChoiceField(
        label="Medical history that matters for ketamine",
        choices=HISTORY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    substance_use = forms.CharField(
        label="Substance use (alcohol, drugs, ketamine)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
    )
    allergies = forms.CharField(
        label="Allergies", required=False, max_length=1000, help_text="Write 'none known' if none."
    )
    is_pregnant = forms.TypedChoiceField(
        label="Pregnant", choices=YES_NO_UNKNOWN, coerce=_tristate, required=False, empty_value=None
    )
    is_breastfeeding = forms.TypedChoiceField(
        label="Breastfeeding",
        choices=YES_NO_UNKNOWN,
        coerce=_tristate,
        required=False,
        empty_value=None,
    )
    height_cm = forms.DecimalField(
        label="Height (cm)", required=False, max_digits=5, decimal_places=1
    )
    weight_kg = forms.DecimalField(
        label="Weight (kg)", required=False, max_digits=5, decimal_places=1
    )
    baseline_systolic_mmhg = forms.IntegerField(
        label="Systolic (mmHg)", required=False, min_value=0, max_value=400
    )
    baseline_diastolic_mmhg = forms.IntegerField(
        label="Diastolic (mmHg)", required=False, min_value=0, max_value=300
    )
    baseline_heart_rate_bpm = forms.IntegerField(
        label="Heart rate (bpm)", required=False, min_value=0, max_value=300
    )
    baseline_spo2_percent = forms.IntegerField(
        label="SpO2 (%)", required=False, min_value=0, max_value=100
    )


class DiagnosisForm(StyledForm):
    code = forms.CharField(
        label="ICD-10 code",
        max_length=10,
        widget=forms.TextInput(attrs={"list": "icd10-codes", "autocomplete": "off"}),
    )


class TrialForm(StyledForm):
    drug = forms.CharField(label="Antidepressant", max_length=100)
    highest_dose_mg = forms.DecimalField(
        label="Highest dose (mg/day)", min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )
    weeks_at_dose = forms.IntegerField(label="Weeks at that dose", min_value=0, max_value=520)
    is_dose_adequate = forms.BooleanField(label="Adequate dose", required=False)
    is_adherent = forms.BooleanField(label="Taken as prescribed", required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=TRIAL_OUTCOME_CHOICES)
    is_current_episode = forms.BooleanField(label="In this episode", required=False)


class MedicationForm(StyledForm):
    name = forms.CharField(label="Medication", max_length=100)
    dose_mg = forms.DecimalField(
        label="Dose (mg)", required=False, min_value=Decimal("0"), max_digits=7, decimal_places=2
    )
    frequency = forms.CharField(label="How often", max_length=50, required=False)


def _formset(form: type[forms.Form]) -> Any:
    return forms.formset_factory(form, extra=1, can_delete=True, max_num=30, validate_max=True)


DiagnosisFormSet = _formset(DiagnosisForm)
TrialFormSet = _formset(TrialForm)
MedicationFormSet = _formset(MedicationForm)


class EligibilityDecisionForm(StyledForm):
    outcome = forms.ChoiceField(label="Decision", choices=EligibilityOutcome.choices)
    protocol_key = forms.ChoiceField(label="Protocol (when approved)", required=False)
    requested_items = forms.CharField(
        label="Information needed (when more is needed)", required=False, max_length=500
    )
    note = forms.CharField(
        label="Reasoning", widget=forms.Textarea(attrs={"rows": 3}), max_length=8000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["protocol_key"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *((protocol.key, protocol.name) for protocol in STANDARD_PROTOCOLS),
        ]


class AddendumForm(StyledForm):
    text = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 2}), max_length=8000
    )
