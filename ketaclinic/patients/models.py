"""Patients: people the clinic treats, each of one clinic, with an optional portal account.

Issue 4 (registration and intake) extends this record; what is here is what every other part of
the system needs to name a patient and reach them.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q

from ketaclinic.core.models import ClinicScopedModel


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
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
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
        indexes = [models.Index(fields=["clinic", "legal_last_name"], name="patient_clinic_name")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    def age_on(self, day: datetime.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
