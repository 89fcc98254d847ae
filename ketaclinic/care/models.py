"""Combined care beside the infusions: therapy and integration notes, and changes to the patient's
other medications. Both are immutable once saved (DESIGN.md: signed clinical records are locked);
a correction is a new note that names the one it corrects."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel


class TherapyNoteKind(models.TextChoices):
    THERAPY = "therapy", "Therapy session"
    INTEGRATION = "integration", "Integration session"
    PSYCHIATRY_FOLLOW_UP = "psychiatry_follow_up", "Psychiatry follow-up"


class TherapyNote(ClinicScopedModel):
    """A therapist's or physician's note of a session beside the infusions. Read by clinical roles
    and therapists only; saved once and never edited (a correction is a new note)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="therapy_notes"
    )
    kind = models.CharField(max_length=24, choices=TherapyNoteKind.choices)
    session_date = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        help_text="The earlier note this one corrects.",
    )

    class Meta:
        ordering = ["-session_date", "-created_at"]
        indexes = [models.Index(fields=["patient", "session_date"], name="therapy_note_patient")]
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1) & Q(minutes__lte=600), name="therapy_note_minutes"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.session_date:%Y-%m-%d}"


class MedicationChangeKind(models.TextChoices):
    STARTED = "started", "Started"
    STOPPED = "stopped", "Stopped"
    DOSE_CHANGED = "dose_changed", "Dose changed"
    HELD_FOR_INFUSION = "held_for_infusion", "Held for infusion"


class MedicationChange(ClinicScopedModel):
    """A change to a medication the patient takes besides ketamine (an antidepressant started, a
    benzodiazepine held before infusions), on the same timeline as the scores it may explain."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="medication_changes"
    )
    medication_name = models.CharField(max_length=200)
    change = models.CharField(max_length=24, choices=MedicationChangeKind.choices)
    dose_text = models.CharField(max_length=200, blank=True, help_text="e.g. '150 mg daily'")
    changed_on = models.DateField()
    reason = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-changed_on", "-created_at"]
        indexes = [models.Index(fields=["patient", "changed_on"], name="medication_change_patient")]

    def __str__(self) -> str:
        return f"{self.medication_name}: {self.get_change_display()} on {self.changed_on:%Y-%m-%d}"
