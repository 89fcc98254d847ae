"""Inquiries from the public website, worked by the front desk in a queue."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.core.models import ClinicScopedModel


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    CONSULT_BOOKED = "consult_booked", "Consult booked"
    NOT_A_FIT = "not_a_fit", "Not a fit"
    CLOSED = "closed", "Closed"


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"


class ConditionOfInterest(models.TextChoices):
    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety"
    PTSD = "ptsd", "PTSD"
    OCD = "ocd", "OCD"
    SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal thoughts"
    SUBSTANCE_USE = "substance_use", "Substance use"
    CHRONIC_PAIN = "chronic_pain", "Chronic pain"
    OTHER = "other", "Something else / not sure"


class Inquiry(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="inquiries")
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    preferred_contact_method = models.CharField(max_length=16, choices=ContactMethod.choices)
    condition_of_interest = models.CharField(max_length=32, choices=ConditionOfInterest.choices)
    message = models.TextField(blank=True, max_length=4000)
    has_consented_to_contact = models.BooleanField()
    status = models.CharField(
        max_length=20, choices=InquiryStatus.choices, default=InquiryStatus.NEW, db_index=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inquiries",
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(email="", phone=""), name="inquiry_has_email_or_phone"
            ),
            models.CheckConstraint(
                condition=models.Q(has_consented_to_contact=True), name="inquiry_consented"
            ),
        ]
        indexes = [models.Index(fields=["clinic", "status", "-created_at"], name="inquiry_queue")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_status_display()})"


class InquiryNote(models.Model):
    """A note the front desk adds while working an inquiry; notes are never edited."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="notes")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    status_before = models.CharField(max_length=20, choices=InquiryStatus.choices, blank=True)
    status_after = models.CharField(max_length=20, choices=InquiryStatus.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Note on {self.inquiry} by {self.author}"
