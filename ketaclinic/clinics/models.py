"""Organization → Clinic (a site) → rooms → infusion chairs, and each clinic's opening hours."""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from ketaclinic.core.models import TimeStampedModel


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone (for example America/Denver).")


class Organization(TimeStampedModel):
    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class Clinic(TimeStampedModel):
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="clinics")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, help_text="Two-letter state code.")
    postal_code = models.CharField(max_length=10)
    phone = models.CharField(max_length=32)
    email = models.EmailField(blank=True)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    dea_registration_number = models.CharField(
        max_length=9, blank=True, help_text="The site's DEA registration (21 CFR 1301.12)."
    )
    dea_registration_expires_on = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    patients_per_nurse = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text="Most patients infusing at once per nurse on shift (default one nurse to three).",
    )
    rule_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "The clinic's changes to the clinical rules' defaults, by section and setting "
            "(medicine/config.py); changed only by the medical director, through services."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="clinic_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def local_now(self) -> datetime.datetime:
        return timezone.now().astimezone(self.zone)

    def local_today(self) -> datetime.date:
        return self.local_now().date()

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_line1]
        if self.address_line2:
            lines.append(self.address_line2)
        lines.append(f"{self.city}, {self.state} {self.postal_code}")
        return lines


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """One opening period on a weekday, in the clinic's local time. No row = closed that day."""

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="hours_open_before_close"
            ),
            models.UniqueConstraint(fields=["clinic", "weekday", "opens_at"], name="hours_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class Room(TimeStampedModel):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="rooms")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="room_name_unique")]

    def __str__(self) -> str:
        return self.name


class Chair(TimeStampedModel):
    """An infusion chair. Carries its clinic directly so chair queries never need a join."""

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="chairs")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=100)
    has_cardiac_monitor = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="chair_name_unique")]

    def __str__(self) -> str:
        return self.name
