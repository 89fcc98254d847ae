"""Intake: what the eligibility rules need, kept as a draft until submitted. Once submitted it
changes only by amendment: each amendment is a new version, and every earlier version is kept
whole (IntakeVersion)."""

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
    # 0 while a draft; 1 once submitted; one more for each amendment (IntakeVersion.number).
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Intake of patient {self.patient_id} ({self.status}, v{self.version})"

    @property
    def is_open_to_patient(self) -> bool:
        """A patient may change their intake until they send it or staff submit it."""
        return self.status == IntakeStatus.DRAFT and self.patient_submitted_at is None


class IntakeVersionKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    AMENDED = "amended", "Amended"


class IntakeVersion(ClinicScopedModel):
    """The intake as it stood when submitted (version 1) or amended (2, 3…): every field, the
    diagnoses, trials and medications, with who, when and why. Written in the transaction that
    changes the intake, and never changed."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=IntakeVersionKind.choices)
    content = models.JSONField(help_text="The whole intake of this version.")
    changes = models.JSONField(
        default=dict,
        blank=True,
        help_text="What differs from the previous version: field name to old and new value "
        "(free text: only that it changed).",
    )
    reason = models.TextField(blank=True, help_text="Why it was amended (required then).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["intake", "number"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "number"], name="one_intake_version_number"),
            models.CheckConstraint(
                condition=models.Q(kind="submitted") | ~models.Q(reason=""),
                name="an_amendment_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Intake v{self.number} of patient {self.intake_id} ({self.kind})"


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
    # The intake version the decision was signed on. When the intake is amended after it, the
    # decision shows it until a physician reviews the amendment (an addendum or a new decision).
    intake_version = models.ForeignKey(
        IntakeVersion, on_delete=models.PROTECT, null=True, related_name="decisions"
    )

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

    @property
    def reviewed_intake_version(self) -> int:
        """The newest intake version a physician has signed on: the decision's own, or one
        reviewed in an addendum (uses the prefetched addenda with their intake versions)."""
        numbers = [self.intake_version.number if self.intake_version else 0]
        numbers += [
            addendum.intake_version.number
            for addendum in self.addenda.all()
            if addendum.intake_version is not None
        ]
        return max(numbers)


class DecisionAddendum(models.Model):
    decision = models.ForeignKey(
        EligibilityDecision, on_delete=models.PROTECT, related_name="addenda"
    )
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The intake version in front of the physician when they wrote it: an addendum written after
    # an amendment is the physician's review of it.
    intake_version = models.ForeignKey(
        IntakeVersion, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Addendum by {self.author} on {self.created_at:%Y-%m-%d}"
