"""A patient's treatment course (the physician's signed plan: protocol, induction, review points,
booster plan) and its dose orders. Signed rows are never edited; a course moves between states
only through services, each move audited."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.courses import CourseRules


class CourseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    INDUCTION = "induction", "Induction"
    EXTENDED = "extended", "Induction extended"
    MAINTENANCE = "maintenance", "Maintenance (boosters)"
    COMPLETED = "completed", "Completed"
    STOPPED = "stopped", "Stopped"


OPEN_STATUSES = (
    CourseStatus.PLANNED,
    CourseStatus.INDUCTION,
    CourseStatus.EXTENDED,
    CourseStatus.MAINTENANCE,
)


class TreatmentCourse(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="courses"
    )
    decision = models.ForeignKey(
        "intake.EligibilityDecision",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The signed approval the course rests on.",
    )
    protocol_key = models.CharField(max_length=64)
    indication = models.CharField(max_length=32)
    target_infusions = models.PositiveSmallIntegerField()
    maximum_infusions = models.PositiveSmallIntegerField()
    minimum_interval_hours = models.PositiveSmallIntegerField()
    maximum_per_week = models.PositiveSmallIntegerField()
    review_checkpoints = models.JSONField(help_text="Infusion numbers at which to review.")
    starting_dose = models.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = models.CharField(max_length=16)
    titration_plan = models.CharField(max_length=500)
    booster_plan = models.CharField(max_length=500)
    rems_patient_enrollment = models.CharField(
        max_length=32,
        blank=True,
        help_text="SPRAVATO REMS patient enrolment (esketamine only; before the first dose).",
    )
    note = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=CourseStatus.choices, default=CourseStatus.PLANNED
    )
    status_reason = models.CharField(
        max_length=500, blank=True, help_text="The current status's (each is in status_changes)."
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            # One open course per patient: two plans at once would double the dosing rules.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status__in=["planned", "induction", "extended", "maintenance"]),
                name="one_open_course_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.protocol_key} course ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def rules(self) -> CourseRules:
        """The course's own limits as medicine/ checks them (fixed when it was signed)."""
        return CourseRules(
            target_infusions=min(self.target_infusions, self.maximum_infusions),
            maximum_infusions=self.maximum_infusions,
            minimum_interval=datetime.timedelta(hours=self.minimum_interval_hours),
            maximum_per_week=self.maximum_per_week,
            review_checkpoints=tuple(self.review_checkpoints),
        )


class CourseStatusChange(ClinicScopedModel):
    """One move of a course between states, with its reason, who and when (issue 13 item 2): the
    course keeps its current status and reason; every earlier one is kept here."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=CourseStatus.choices)
    to_status = models.CharField(max_length=16, choices=CourseStatus.choices)
    reason = models.CharField(max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class DoseOrder(ClinicScopedModel):
    """A physician's signed order for the dose to give under a course, valid until it expires."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="orders")
    dose = models.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = models.CharField(max_length=16)
    warnings = models.JSONField(default=list, help_text="What the dosing rules said at signing.")
    override_reason = models.CharField(max_length=500, blank=True)
    note = models.CharField(max_length=500, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"{self.dose} {self.dose_unit} (until {self.expires_at:%Y-%m-%d})"
