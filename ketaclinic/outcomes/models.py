"""Questionnaire responses (scored by medicine/), portal links that carry no personal data, and
the urgent tasks a positive suicide-risk answer raises."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.questionnaires import INSTRUMENTS


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


class InstrumentWording(ClinicScopedModel):
    """The item wording of a licensed questionnaire (CLINICAL.md §9.2), from the clinic's own
    licensed copy: ketaclinic ships only item codes and scoring for these. Loaded by the clinic
    admin on the questionnaire wording page; loading again replaces it whole."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=32)
    item_texts = models.JSONField(help_text="Item code → the question as worded in the licence.")
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    loaded_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["clinic", "instrument"], name="instrument_wording_once")
        ]

    def __str__(self) -> str:
        return f"Wording of {self.instrument} at clinic {self.clinic_id}"


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
    # Suicide-safety workflow (CLINICAL.md §9.3; timings medicine/safety.py). A task with a
    # deadline is acknowledged ("I have it") by a physician before it, or escalated once.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The patient's physician; empty = any physician at the clinic.",
    )
    acknowledge_by = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The medical director it went to when the deadline passed unacknowledged.",
    )

    class Meta:
        ordering = ["completed_at", "-priority", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="task_completed_by_someone",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | Q(acknowledged_by__isnull=False),
                name="task_acknowledged_by_someone",
            ),
        ]
        indexes = [
            models.Index(
                fields=["clinic", "priority"],
                condition=Q(completed_at__isnull=True),
                name="task_open_by_clinic",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.completed_at is None

    @property
    def is_acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def is_overdue(self, now: datetime.datetime) -> bool:
        """Open, unacknowledged, and past its acknowledgement deadline."""
        return (
            self.completed_at is None
            and self.acknowledged_at is None
            and self.acknowledge_by is not None
            and self.acknowledge_by <= now
        )
