"""Questionnaire responses (scored by medicine/), portal links that carry no personal data, and
the urgent tasks a positive suicide-risk answer raises."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel


class ResponseContext(models.TextChoices):
    SCREENING = "screening", "Screening"
    PRE_SESSION = "pre_session", "Before a session"
    FOLLOW_UP = "follow_up", "Between sessions"


class ResponseSource(models.TextChoices):
    STAFF = "staff", "Entered by staff"
    PORTAL_LINK = "portal_link", "Patient, by link"
    PORTAL = "portal", "Patient, in the portal"


class QuestionnaireResponse(ClinicScopedModel):
    """A completed questionnaire. Answers are stored with the score medicine/ computed from them."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument = models.CharField(max_length=32)
    answers = models.JSONField()
    total = models.IntegerField()
    band = models.CharField(max_length=64)
    flags = models.JSONField(default=list)
    context = models.CharField(max_length=16, choices=ResponseContext.choices)
    source = models.CharField(max_length=16, choices=ResponseSource.choices)
    completed_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-completed_at"]
        indexes = [
            models.Index(fields=["patient", "instrument", "-completed_at"], name="response_trend")
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} ({self.band})"

    @property
    def instrument_name(self) -> str:
        from ketaclinic.medicine.questionnaires import INSTRUMENTS

        instrument = INSTRUMENTS.get(self.instrument)
        return instrument.name if instrument else self.instrument

    @property
    def has_suicide_risk(self) -> bool:
        return "suicide_risk" in self.flags


class QuestionnaireLink(ClinicScopedModel):
    """A single-use, expiring link for a patient to fill questionnaires without signing in.

    The link carries only a random token; the token itself is never stored (a SHA-256 hash is).
    """

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaire_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    instruments = models.JSONField()
    context = models.CharField(max_length=16, choices=ResponseContext.choices)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Questionnaire link for patient {self.patient_id}"


class TaskPriority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    ROUTINE = "routine", "Routine"


class ClinicalTask(ClinicScopedModel):
    """Work for a clinician, e.g. 'review a positive suicide-risk answer now'."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="tasks")
    priority = models.CharField(max_length=16, choices=TaskPriority.choices)
    for_role = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    source_response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completion_note = models.TextField(blank=True)

    class Meta:
        ordering = ["completed_at", "-priority", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="task_completed_by_someone",
            )
        ]

    def __str__(self) -> str:
        return self.title
