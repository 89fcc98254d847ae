"""Request bodies of the intake and eligibility writes: JSON types and lengths only.

Whether an entry is accepted (a plausible weight, a known ICD-10 code, a complete intake to
submit) is decided by the intake services, as for the staff pages; these serializers make sure
each field has the right JSON type and a length the database can hold, and refuse fields they do
not know (a misspelt field on a PUT would otherwise silently clear what it meant to set).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import InputSerializer, NamedEnum, StrictBooleanField, StrictDecimalField
from ketaclinic.api.fields import text_field as _text
from ketaclinic.intake.forms import HISTORY_CHOICES
from ketaclinic.intake.models import INDICATION_CHOICES, TRIAL_OUTCOME_CHOICES, EligibilityOutcome

# Rows per list on the intake, as on the staff form (its formsets take at most 30).
MAX_ROWS = 30


class TrialOutcomeField(serializers.ChoiceField):
    """A trial's outcome. Its schema is the `TrialOutcomeEnum` component (below): left to
    drf-spectacular it would collide with the decision's `outcome` enum."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=TRIAL_OUTCOME_CHOICES, **kwargs)


class TrialOutcomeEnum(NamedEnum):
    """An antidepressant trial's `outcome` (the eligibility decision's is `OutcomeEnum`)."""

    target_class = TrialOutcomeField
    component_name = "TrialOutcomeEnum"
    choices = list(TRIAL_OUTCOME_CHOICES)


# --- intake ------------------------------------------------------------------------------------


class TrialInputSerializer(InputSerializer):
    """One antidepressant trial: the drug, its highest dose and for how long, and how it ended."""

    drug = serializers.CharField(max_length=100)
    highest_dose_mg = StrictDecimalField(
        max_digits=7, decimal_places=2, help_text="Highest daily dose, mg."
    )
    weeks_at_dose = serializers.IntegerField(min_value=0, help_text="Weeks at that dose.")
    is_dose_adequate = StrictBooleanField()
    is_adherent = StrictBooleanField(help_text="Taken as prescribed.")
    outcome = TrialOutcomeField()
    is_current_episode = StrictBooleanField()


class MedicationInputSerializer(InputSerializer):
    """A current medication (classified for interactions with ketamine by the rules)."""

    name = serializers.CharField(max_length=100)
    dose_mg = StrictDecimalField(
        max_digits=7, decimal_places=2, min_value=0, allow_null=True, default=None
    )
    frequency = _text(50)


KEPT = "Left out, the stored value is kept."


class IntakeInputSerializer(InputSerializer):
    """The intake's fields. A field left out keeps its stored value (send it empty, `null` or
    `[]` to clear it); a list sent replaces the stored list. Saves a draft, submits it, or, with
    `amendment_reason`, amends a submitted intake (a new version)."""

    submit = StrictBooleanField(
        required=False,
        help_text="On a draft: true submits it for eligibility review, false (or left out) "
        "saves the draft. A submitted intake never goes back to a draft: false is refused "
        "with 409 there.",
    )
    amendment_reason = serializers.CharField(
        max_length=2000,
        required=False,
        help_text="Amends a submitted intake (required for that): why it changes. The "
        "changes become a new version and every earlier version is kept.",
    )
    indication = serializers.ChoiceField(
        choices=INDICATION_CHOICES, allow_blank=True, required=False, help_text=KEPT
    )
    psychiatric_history = serializers.CharField(
        max_length=8000, allow_blank=True, required=False, help_text=KEPT
    )
    medical_history = serializers.ListField(
        child=serializers.ChoiceField(choices=HISTORY_CHOICES),
        max_length=len(HISTORY_CHOICES),
        required=False,
        help_text="The history that matters for ketamine (each item once). " + KEPT,
    )
    substance_use = serializers.CharField(
        max_length=4000, allow_blank=True, required=False, help_text=KEPT
    )
    allergies = serializers.CharField(
        max_length=1000,
        allow_blank=True,
        required=False,
        help_text="Write 'none known' if none. " + KEPT,
    )
    is_pregnant = StrictBooleanField(allow_null=True, required=False, help_text=KEPT)
    is_breastfeeding = StrictBooleanField(allow_null=True, required=False, help_text=KEPT)
    height_cm = StrictDecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=KEPT
    )
    weight_kg = StrictDecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=KEPT
    )
    baseline_systolic_mmhg = serializers.IntegerField(
        min_value=0, max_value=400, allow_null=True, required=False, help_text=KEPT
    )
    baseline_diastolic_mmhg = serializers.IntegerField(
        min_value=0, max_value=300, allow_null=True, required=False, help_text=KEPT
    )
    baseline_heart_rate_bpm = serializers.IntegerField(
        min_value=0, max_value=300, allow_null=True, required=False, help_text=KEPT
    )
    baseline_spo2_percent = serializers.IntegerField(
        min_value=0, max_value=100, allow_null=True, required=False, help_text=KEPT
    )
    diagnoses = serializers.ListField(
        child=serializers.CharField(max_length=10),
        max_length=MAX_ROWS,
        required=False,
        help_text="ICD-10 codes from the clinic's list, e.g. F33.2. " + KEPT,
    )
    trials = serializers.ListField(
        child=TrialInputSerializer(), max_length=MAX_ROWS, required=False, help_text=KEPT
    )
    medications = serializers.ListField(
        child=MedicationInputSerializer(), max_length=MAX_ROWS, required=False, help_text=KEPT
    )


# --- eligibility -------------------------------------------------------------------------------


class EligibilityDecisionInputSerializer(InputSerializer):
    """The physician's decision; the note is the reasoning that goes into the record."""

    outcome = serializers.ChoiceField(choices=EligibilityOutcome.choices)
    note = serializers.CharField(
        max_length=8000, allow_blank=True, help_text="The reasoning; it goes into the record."
    )
    protocol_key = serializers.CharField(
        max_length=64,
        allow_blank=True,
        default="",
        help_text="When approved: the protocol, e.g. iv-ketamine-depression@1.",
    )
    requested_items = _text(500, help_text="When more information is needed: ECG, labs, records…")


class AddendumInputSerializer(InputSerializer):
    """A dated addendum to a signed decision."""

    text = serializers.CharField(max_length=8000, allow_blank=True)
