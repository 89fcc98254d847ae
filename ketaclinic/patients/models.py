"""Patients: people the clinic treats, each of one clinic, with an optional portal account.

Issue 4 (registration and intake) extends this record; what is here is what every other part of
the system needs to name a patient and reach them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.age import age_years


def digits_only(phone: str) -> str:
    """The digits of a phone number, without a leading US country code 1."""
    digits = "".join(character for character in phone if character.isdigit())
    return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits


class SexAtBirth(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INTERSEX = "intersex", "Intersex"
    UNKNOWN = "unknown", "Not recorded"


class JourneyStage(models.TextChoices):
    REGISTERED = "registered", "Registered"
    SCREENING = "screening", "Screening"
    ELIGIBILITY_REVIEW = "eligibility_review", "Eligibility review"
    APPROVED = "approved", "Approved"
    IN_INDUCTION = "in_induction", "Induction course"
    MAINTENANCE = "maintenance", "Maintenance (boosters)"
    COMPLETED = "completed", "Completed"
    DECLINED = "declined", "Not eligible"
    DISCHARGED = "discharged", "Discharged from care"


class Patient(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="patients")
    medical_record_number = models.CharField(max_length=20)
    legal_first_name = models.CharField(max_length=100)
    legal_last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(max_length=16, choices=SexAtBirth.choices)
    gender_identity = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    # Digits only, for duplicate detection across formats ("(303) 555-0142" = "303.555.0142").
    phone_digits = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    preferred_language = models.CharField(max_length=50, blank=True, default="English")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_phone = models.CharField(max_length=32, blank=True)
    emergency_contact_relationship = models.CharField(max_length=50, blank=True)
    escort_name = models.CharField(
        max_length=200, blank=True, help_text="The adult who usually drives the patient home."
    )
    escort_phone = models.CharField(max_length=32, blank=True)
    referring_clinician = models.CharField(max_length=200, blank=True)
    primary_care_clinician = models.CharField(max_length=200, blank=True)
    payment_note = models.CharField(max_length=500, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    journey_stage = models.CharField(
        max_length=32, choices=JourneyStage.choices, default=JourneyStage.REGISTERED
    )
    portal_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patient_record",
    )

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "medical_record_number"], name="patient_mrn_unique_per_clinic"
            ),
            models.CheckConstraint(condition=~Q(legal_last_name=""), name="patient_has_last_name"),
        ]
        indexes = [
            models.Index(fields=["clinic", "legal_last_name"], name="patient_clinic_name"),
            models.Index(fields=["clinic", "date_of_birth"], name="patient_clinic_birth"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A derived search column, kept in step on every save (bulk creators set it themselves).
        self.phone_digits = digits_only(self.phone)
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    def age_on(self, day: datetime.date) -> int:
        return age_years(born=self.date_of_birth, on=day)
