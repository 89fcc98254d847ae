"""Messages between a patient (in the portal) and their clinic. A patient has one conversation
with the clinic: the thread is the patient's messages in order."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.core.models import ClinicScopedModel

MAX_MESSAGE_LENGTH = 4000


class Direction(models.TextChoices):
    TO_CLINIC = "to_clinic", "From the patient"
    TO_PATIENT = "to_patient", "From the clinic"


class Message(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(max_length=16, choices=Direction.choices)
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Read by the other side: by a staff member for a patient's message, by the patient for a reply.
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["clinic", "patient", "created_at"], name="message_thread"),
            models.Index(fields=["clinic", "direction", "read_at"], name="message_unread"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} ({self.direction})"
