"""Response shapes of the intake and eligibility endpoints. The intake shows its clinical content
only to a caller who may open the chart (the view picks the fields, see views.py)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import NamedEnum
from ketaclinic.intake.models import (
    DecisionAddendum,
    EligibilityDecision,
    IntakeVersion,
    IntakeVersionKind,
)
from ketaclinic.intake.selectors import decision_unreviewed_amendment

# type() because "source" and "context" are also attributes of DRF's Field: DRF's metaclass
# moves declared fields off the class, but a class body would shadow them for the type checker.
ReasonSerializer = type(
    "ReasonSerializer",
    (serializers.Serializer,),
    {
        "severity": serializers.CharField(),
        "message": serializers.CharField(),
        "source": serializers.CharField(),
    },
)


class AdviceSerializer(serializers.Serializer):
    decision = serializers.CharField()
    adequate_failed_trials = serializers.IntegerField()
    reasons = ReasonSerializer(many=True)


CLINICAL_ONLY = "Only for callers with `patient.chart_view`."
MEASUREMENTS = "For callers with `patient.chart_view` or `intake.measurements_record`."


class IntakeSerializer(serializers.Serializer):
    content = serializers.ChoiceField(
        choices=[("full", "full"), ("status", "status")],
        help_text="`full` for callers with `patient.chart_view`; `status` otherwise: the "
        "status, version and dates (and the measurements to a caller who may record them), "
        "none of the clinical content.",
    )
    status = serializers.CharField()
    version = serializers.IntegerField(
        help_text="0 while a draft; 1 when submitted; one more for each amendment."
    )
    submitted_at = serializers.DateTimeField(allow_null=True)
    patient_submitted_at = serializers.DateTimeField(
        allow_null=True, help_text="When the patient sent their part from the portal."
    )
    indication = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    allergies = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    psychiatric_history = serializers.CharField(required=False, help_text=CLINICAL_ONLY)
    medical_history = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    height_cm = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=MEASUREMENTS
    )
    weight_kg = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, required=False, help_text=MEASUREMENTS
    )
    diagnoses = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    medications = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=CLINICAL_ONLY
    )
    advice = AdviceSerializer(allow_null=True, required=False, help_text=CLINICAL_ONLY)


class IntakeVersionKindField(serializers.ChoiceField):
    """Submitted (version 1) or amended, as the `IntakeVersionKindEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=IntakeVersionKind.choices, **kwargs)


class IntakeVersionKindEnum(NamedEnum):
    target_class = IntakeVersionKindField
    component_name = "IntakeVersionKindEnum"
    choices = list(IntakeVersionKind.choices)


class IntakeVersionSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(help_text="1 as submitted; one more per amendment.")
    kind = IntakeVersionKindField()
    created_by = serializers.CharField(source="created_by.full_name")
    content = serializers.JSONField(
        help_text="The whole intake of this version: every field, the diagnoses (code and "
        "description), the trials and the medications."
    )
    changes = serializers.JSONField(
        help_text="What differs from the previous version: each field with its old and new "
        'value, or "changed" for free text (and the trials and medications).'
    )

    class Meta:
        model = IntakeVersion
        fields = ["number", "kind", "content", "changes", "reason", "created_by", "created_at"]


class AddendumSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    author = serializers.CharField(source="author.full_name")
    intake_version = serializers.IntegerField(
        source="intake_version.number",
        allow_null=True,
        help_text="The intake version in front of the physician: an addendum written after an "
        "amendment is their review of it.",
    )

    class Meta:
        model = DecisionAddendum
        fields = ["id", "text", "author", "created_at", "intake_version"]


class DecisionSerializer(serializers.ModelSerializer):
    id = serializers.IntegerField(read_only=True)
    signed_by = serializers.CharField(source="signed_by.full_name")
    addenda = AddendumSerializer(many=True, read_only=True, help_text="Oldest first.")
    intake_version = serializers.IntegerField(
        source="intake_version.number",
        allow_null=True,
        help_text="The intake version the decision was signed on.",
    )
    reviewed_intake_version = serializers.IntegerField(
        help_text="The newest intake version a physician signed on: the decision's own or one "
        "reviewed in an addendum."
    )
    is_intake_amended_since = serializers.SerializerMethodField(
        help_text="The intake was amended after the reviewed version: a physician reviews the "
        "amendment (an addendum or a new decision); a course is not signed on it until then."
    )

    class Meta:
        model = EligibilityDecision
        fields = [
            "id",
            "outcome",
            "protocol_key",
            "note",
            "requested_items",
            "signed_by",
            "signed_at",
            "advice_snapshot",
            "addenda",
            "intake_version",
            "reviewed_intake_version",
            "is_intake_amended_since",
        ]

    def get_is_intake_amended_since(self, decision: EligibilityDecision) -> bool:
        # A list passes the intake's version in its context; one decision on its own (after a
        # write) reads it.
        current = self.context.get("intake_version")
        return decision_unreviewed_amendment(decision, current_version=current) is not None
