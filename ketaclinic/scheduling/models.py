"""Appointments: who comes, for what, when, in which chair. Times are stored in UTC and entered
and shown in the clinic's own time zone, so a 9:00 booking stays 9:00 across a clock change."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from ketaclinic.core.models import ClinicScopedModel
from ketaclinic.medicine.visits import VisitKind

VISIT_KIND_LABELS = {
    VisitKind.CONSULT: "Consultation",
    VisitKind.IV_INFUSION: "IV ketamine infusion",
    VisitKind.PAIN_INFUSION: "Pain infusion",
    VisitKind.ESKETAMINE: "Esketamine session",
    VisitKind.BOOSTER: "Booster infusion",
    VisitKind.THERAPY: "Therapy / integration",
    VisitKind.FOLLOW_UP: "Follow-up",
    VisitKind.TELEHEALTH: "Telehealth consultation",
}
VISIT_KIND_CHOICES = [(kind.value, label) for kind, label in VISIT_KIND_LABELS.items()]


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Appointments that hold their patient, chair and time; the others free them.
HOLDING_STATUSES = (AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED)


class Appointment(ClinicScopedModel):
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    kind = models.CharField(max_length=16, choices=VISIT_KIND_CHOICES)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    chair = models.ForeignKey(
        "clinics.Chair", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    course = models.ForeignKey(
        "courses.TreatmentCourse",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointments",
        help_text="The course a treatment is given under; none for other visits.",
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who sees the patient (a consult's physician, a session's nurse).",
    )
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    note = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status_reason = models.CharField(
        max_length=500, blank=True, help_text="Why it was cancelled or missed."
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["clinic", "starts_at"], name="appt_clinic_start"),
            models.Index(fields=["patient", "starts_at"], name="appt_patient_start"),
            models.Index(fields=["chair", "starts_at"], name="appt_chair_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appt_ends_after")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_holding(self) -> bool:
        return self.status in HOLDING_STATUSES


class ClinicClosure(ClinicScopedModel):
    """A day the clinic is closed (a holiday, training): nothing is booked on it."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "day"], name="one_closure_per_day")
        ]

    def __str__(self) -> str:
        return f"Closed {self.day:%Y-%m-%d}: {self.reason}"


class StaffShift(ClinicScopedModel):
    """A staff member on duty at the clinic; nurses' shifts set how many may infuse at once."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["clinic", "starts_at"], name="shift_clinic_start")]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistEntry(ClinicScopedModel):
    """A patient who wants an earlier or a particular slot; a freed slot is offered to them."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    kind = models.CharField(max_length=16, choices=VISIT_KIND_CHOICES)
    course = models.ForeignKey(
        "courses.TreatmentCourse", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    weekdays = models.JSONField(help_text="Days that suit, 0 = Monday.")
    earliest_time = models.TimeField()
    latest_time = models.TimeField()
    note = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=16, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.patient} waiting for {self.get_kind_display()}"

    @property
    def weekday_names(self) -> str:
        names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
        return ", ".join(names[day] for day in self.weekdays)
