"""Intake: what the eligibility rules need, kept as a draft until submitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.eligibility import TrialOutcome
from ketaclinic.medicine.protocols import Indication


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


INDICATION_CHOICES = [
    (Indication.TREATMENT_RESISTANT_DEPRESSION.value, "Treatment-resistant depression"),
    (Indication.DEPRESSION_WITH_SUICIDAL_IDEATION.value, "Depression with suicidal ideation"),
    (Indication.ANXIETY.value, "Anxiety"),
    (Indication.PTSD.value, "PTSD"),
    (Indication.OCD.value, "OCD"),
    (Indication.ALCOHOL_USE_DISORDER.value, "Alcohol use disorder"),
    (Indication.CHRONIC_PAIN.value, "Chronic pain"),
]
TRIAL_OUTCOME_CHOICES = [
    (TrialOutcome.NO_RESPONSE.value, "No response"),
    (TrialOutcome.PARTIAL_RESPONSE.value, "Partial response"),
    (TrialOutcome.INTOLERANCE.value, "Stopped: side effects"),
    (TrialOutcome.RESPONSE.value, "Responded"),
]


class Intake(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.OneToOneField(
        "patients.Patient", on_delete=models.PROTECT, related_name="intake"
    )
    status = models.CharField(
        max_length=16, choices=IntakeStatus.choices, default=IntakeStatus.DRAFT
    )
    indication = models.CharField(max_length=32, choices=INDICATION_CHOICES, blank=True)
    psychiatric_history = models.TextField(blank=True)
    medical_history = models.JSONField(
        default=list, blank=True
    )  # medicine.eligibility.History values
    substance_use = models.TextField(blank=True)
    allergies = models.TextField(blank=True)
    is_pregnant = models.BooleanField(null=True, blank=True)
    is_breastfeeding = models.BooleanField(null=True, blank=True)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    baseline_systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    baseline_spo2_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The patient's own part, filled in the portal, was sent to the clinic at this time. From then
    # it is read-only to the patient; staff add what is measured in clinic and submit for review.
    patient_submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Intake of patient {self.patient_id} ({self.status})"

    @property
    def is_open_to_patient(self) -> bool:
        """A patient may change their intake until they send it or staff submit it."""
        return self.status == IntakeStatus.DRAFT and self.patient_submitted_at is None


class IntakeDiagnosis(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="diagnoses")
    code = models.CharField(max_length=10)
    description = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class AntidepressantTrialRecord(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="trials")
    drug = models.CharField(max_length=100)
    highest_dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    weeks_at_dose = models.PositiveSmallIntegerField()
    is_dose_adequate = models.BooleanField()
    is_adherent = models.BooleanField()
    outcome = models.CharField(max_length=20, choices=TRIAL_OUTCOME_CHOICES)
    is_current_episode = models.BooleanField()

    def __str__(self) -> str:
        return f"{self.drug} {self.highest_dose_mg} mg × {self.weeks_at_dose} wk"


class CurrentMedication(models.Model):
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=100)
    dose_mg = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    frequency = models.CharField(max_length=50, blank=True)

    def __str__(self) -> str:
        return self.name


class EligibilityOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    MORE_INFORMATION = "more_information", "More information needed"


class EligibilityDecision(ClinicScopedModel):
    """A physician's signed decision on a submitted intake. Never edited: changes are addenda."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="eligibility_decisions"
    )
    outcome = models.CharField(max_length=20, choices=EligibilityOutcome.choices)
    protocol_key = models.CharField(max_length=64, blank=True)
    note = models.TextField()
    requested_items = models.CharField(max_length=500, blank=True, help_text="ECG, labs, records…")
    advice_snapshot = models.JSONField(
        help_text="The rules' advice the physician saw, with every reason."
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    signer_title = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(outcome="approved") | ~models.Q(protocol_key=""),
                name="approval_names_a_protocol",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} by {self.signed_by} on {self.signed_at:%Y-%m-%d}"


class DecisionAddendum(models.Model):
    decision = models.ForeignKey(
        EligibilityDecision, on_delete=models.PROTECT, related_name="addenda"
    )
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Addendum by {self.author} on {self.created_at:%Y-%m-%d}"
