"""A course's measurement schedule: one row per instrument per due point (before infusion N,
weekly in maintenance, day N after the last infusion), answered by a questionnaire response,
reminded once a day while open, and flagged as missed when its window passes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.measurement import DueReason, reason_text
from ketaclinic.medicine.questionnaires import INSTRUMENTS


class DueStatus(models.TextChoices):
    DUE = "due", "Due"
    COMPLETED = "completed", "Completed"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "No longer needed"


DUE_REASON_CHOICES = [
    (DueReason.BEFORE_INFUSION.value, "Before an infusion"),
    (DueReason.WEEKLY.value, "Weekly (maintenance)"),
    (DueReason.AFTER_LAST_INFUSION.value, "After the last infusion"),
]


class MeasurePlan(ClinicScopedModel):
    """The schedule of one course: when it was last planned, with which instruments."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.OneToOneField(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="measure_plan"
    )
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    instruments = models.JSONField(default=list)
    planned_on = models.DateField()
    maintenance_started_on = models.DateField(
        null=True,
        blank=True,
        help_text="First planned in maintenance: weekly measures count from here.",
    )

    def __str__(self) -> str:
        return f"Measurement plan for course {self.course_id}"


class MeasureDue(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(MeasurePlan, on_delete=models.PROTECT, related_name="dues")
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="measure_dues"
    )
    instrument = models.CharField(max_length=32)
    reason = models.CharField(max_length=24, choices=DUE_REASON_CHOICES)
    sequence = models.PositiveSmallIntegerField(
        help_text="Infusion number, maintenance week, or days after the last infusion."
    )
    due_on = models.DateField()
    opens_on = models.DateField()
    closes_on = models.DateField()
    status = models.CharField(max_length=16, choices=DueStatus.choices, default=DueStatus.DUE)
    completed_by_response = models.ForeignKey(
        "outcomes.QuestionnaireResponse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_on = models.DateField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "instrument"]
        constraints = [
            # Planning twice finds the same row: one per course, instrument and due point.
            models.UniqueConstraint(
                fields=["course", "instrument", "reason", "sequence"], name="measure_due_once"
            ),
            models.UniqueConstraint(
                fields=["completed_by_response"],
                condition=Q(completed_by_response__isnull=False),
                name="measure_response_once",
            ),
        ]
        indexes = [
            models.Index(fields=["clinic", "status", "due_on"], name="measure_clinic_status"),
            models.Index(fields=["patient", "instrument", "status"], name="measure_patient_open"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.reason_text} ({self.status})"

    @property
    def reason_text(self) -> str:
        return reason_text(reason=self.reason, sequence=self.sequence)

    @property
    def instrument_name(self) -> str:
        instrument = INSTRUMENTS.get(self.instrument)
        return instrument.name if instrument else self.instrument
