"""Reminders sent for appointments, the patient's attendance link and what they confirmed, and
staff members' calendar-feed tokens. Links and feeds carry only a random token; its SHA-256 hash
is stored, never the token."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


CONFIRMATION = "confirmation"


def purpose_label(purpose: str) -> str:
    """'confirmation' or 'before_48h' in words."""
    if purpose == CONFIRMATION:
        return "Booking confirmation"
    hours = purpose.removeprefix("before_").removesuffix("h")
    return f"Reminder {hours} h before"


class ReminderDelivery(ClinicScopedModel):
    """One message sent: the job that sends reminders skips what is recorded here, so a retried
    job does not send the same reminder twice on the same channel."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=32)
    starts_at = models.DateTimeField(help_text="The visit time the message was about.")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "purpose", "starts_at", "channel"],
                name="reminder_delivery_once",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{purpose_label(self.purpose)} by {self.channel} for appointment {self.appointment_id}"
        )


class AttendanceLink(ClinicScopedModel):
    """A single-use link in a reminder where the patient confirms attendance and their driver.

    Valid until the visit starts, for the visit time it was sent about (a moved appointment gets
    new reminders and links)."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Attendance link for appointment {self.appointment_id}"


class AttendanceConfirmation(ClinicScopedModel):
    """What the patient said from the link: coming or not, and who drives them home."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    link = models.OneToOneField(AttendanceLink, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(help_text="The visit time confirmed.")
    is_attending = models.BooleanField()
    escort_name = models.CharField(max_length=200, blank=True)
    escort_phone = models.CharField(max_length=32, blank=True)
    confirmed_at = models.DateTimeField()

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        indexes = [
            models.Index(fields=["appointment", "-confirmed_at"], name="attendance_appt_time")
        ]

    def __str__(self) -> str:
        return f"Attendance for appointment {self.appointment_id}: {self.is_attending}"


class CalendarFeedToken(ClinicScopedModel):
    """A staff member's private iCalendar feed of their appointments at one clinic; revocable."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "clinic"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_feed_per_user_clinic",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of user {self.user_id} at clinic {self.clinic_id}"
