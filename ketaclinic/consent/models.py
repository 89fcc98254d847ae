"""Versioned consent documents per treatment, and each patient's signed, witnessed consent."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ketaclinic.core.models import ClinicScopedModel


class Treatment(models.TextChoices):
    IV_KETAMINE = "iv_ketamine", "IV ketamine (off-label)"
    ESKETAMINE = "esketamine", "Esketamine nasal spray"
    KETAMINE_ASSISTED_PSYCHOTHERAPY = "kap", "Ketamine-assisted psychotherapy"


class ConsentDocument(ClinicScopedModel):
    """One version of the consent text for a treatment. Publishing a new version makes every
    consent to an older one out of date."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    treatment = models.CharField(max_length=16, choices=Treatment.choices)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    valid_for_days = models.PositiveIntegerField(
        default=365, help_text="Consent lapses after this many days."
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["treatment", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "treatment", "version"], name="consent_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_treatment_display()} v{self.version}"


class ConsentSignature(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="consents"
    )
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="signatures"
    )
    typed_name = models.CharField(max_length=200)
    drawn_signature_png = models.BinaryField(
        help_text="The signature as drawn on the tablet or screen."
    )
    signed_at = models.DateTimeField()
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    pdf = models.BinaryField(help_text="The signed consent as a PDF, kept as signed.")
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at"]

    def __str__(self) -> str:
        return f"Consent {self.document} signed {self.signed_at:%Y-%m-%d}"
