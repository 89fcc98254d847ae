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


class SigningPlace(models.TextChoices):
    TABLET = "tablet", "Clinic tablet, witnessed in person"
    PORTAL = "portal", "Patient portal"


class WitnessMethod(models.TextChoices):
    IN_PERSON = "in_person", "Identity confirmed in person"
    VIDEO = "video", "Identity confirmed by video call"


class ConsentSignature(ClinicScopedModel):
    """A patient's signature on one consent version. Signed on a clinic tablet it is witnessed at
    once; signed in the portal it awaits a staff witness, and only a witnessed consent counts."""

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
    signed_in = models.CharField(
        max_length=16, choices=SigningPlace.choices, default=SigningPlace.TABLET
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witnessed_at = models.DateTimeField(null=True, blank=True)
    witness_method = models.CharField(max_length=16, choices=WitnessMethod.choices, blank=True)
    # A portal signature staff could not confirm (identity not confirmed, the patient says they
    # did not sign it, …) is declined, never deleted: the patient may then sign again.
    declined_at = models.DateTimeField(null=True, blank=True)
    declined_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decline_reason = models.CharField(max_length=500, blank=True)
    pdf = models.BinaryField(
        help_text="The consent as the patient signed it (on a tablet, with its witness). Never "
        "made again."
    )
    # Issue 13 item 2: a signed document is kept as signed. Witnessing or declining a portal
    # signature makes a second PDF beside it.
    witness_pdf = models.BinaryField(
        null=True,
        blank=True,
        help_text="A portal signature's PDF made when staff witnessed or declined it: the consent "
        "with the witness, or the decline. `pdf` stays as signed.",
    )
    is_pdf_as_signed = models.BooleanField(
        default=True,
        help_text="False only for portal signatures witnessed or declined before the PDF as "
        "signed was kept: their `pdf` was made again at that step (it is also their "
        "`witness_pdf`), and the copy as signed was not kept.",
    )
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(witness__isnull=True, witnessed_at__isnull=True)
                | models.Q(witness__isnull=False, witnessed_at__isnull=False),
                name="consent_witness_and_time_together",
            ),
            models.CheckConstraint(
                condition=~models.Q(signed_in="tablet") | models.Q(witness__isnull=False),
                name="consent_tablet_signature_is_witnessed",
            ),
            models.CheckConstraint(
                condition=models.Q(declined_at__isnull=True)
                | models.Q(witnessed_at__isnull=True, declined_by__isnull=False),
                name="consent_declined_by_someone_and_not_witnessed",
            ),
        ]

    @property
    def is_witnessed(self) -> bool:
        return self.witnessed_at is not None

    @property
    def has_witness_pdf(self) -> bool:
        """Witnessed or declined after signing in the portal: its copy with the outcome."""
        return self.signed_in == SigningPlace.PORTAL and (
            self.witnessed_at is not None or self.declined_at is not None
        )

    def __str__(self) -> str:
        return f"Consent {self.document} signed {self.signed_at:%Y-%m-%d}"
