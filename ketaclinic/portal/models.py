"""Portal invitations: how a patient the clinic registered gets a portal account.

Staff invite the patient from the chart; the patient receives an email with a single-use link
that expires, and chooses a password on it. The link carries only a random token; the token is
never stored (its SHA-256 hash is), as with questionnaire links.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel


class PortalInvitation(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_invitations"
    )
    # The address the link went to: the account is made with it, since only someone who reads
    # that mailbox can open the link (and the sign-in code goes there too).
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Set when staff withdraw the invitation, or send a new link (the old one dies with it).
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # One link at a time: a new one is sent only after the old one is closed.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                name="portal_invitation_one_open_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(revoked_at__isnull=True),
                name="portal_invitation_used_or_revoked_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"Portal invitation for patient {self.patient_id}"
