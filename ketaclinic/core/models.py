"""Base models shared by every app."""

from __future__ import annotations

from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class ClinicScopedModel(TimeStampedModel):
    """Every clinical row belongs to a clinic: the tenancy and future distribution column."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True
