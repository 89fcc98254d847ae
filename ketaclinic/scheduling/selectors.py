"""Reads of appointments: a patient's upcoming visits, and a clinic's day by chair."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus


def upcoming_appointments_for_patient(*, patient: Patient, limit: int = 10) -> list[Appointment]:
    return list(
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, ends_at__gte=timezone.now()
        )
        .select_related("chair", "clinician")
        .order_by("starts_at")[:limit]
    )


def appointments_for_patient(*, patient: Patient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(patient=patient)
        .select_related("chair", "clinician", "booked_by")
        .order_by("-starts_at")
    )


def day_bounds(
    *, clinic: Clinic, day: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    """The clinic's local day as UTC instants (23 or 25 hours long when the clocks change)."""
    start = datetime.datetime.combine(day, datetime.time()).replace(tzinfo=clinic.zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()).replace(
        tzinfo=clinic.zone
    )
    return start, end


@dataclass
class DayColumn:
    chair: Chair | None  # None: visits that need no chair (consults, therapy, follow-ups)
    appointments: list[Appointment] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.chair.name if self.chair else "Consults and other visits"


def day_schedule(*, clinic: Clinic, day: datetime.date) -> list[DayColumn]:
    """One column per chair in service (and one for visits without a chair), booked and done
    appointments in time order; cancelled and missed ones are listed by `day_closed`."""
    start, end = day_bounds(clinic=clinic, day=day)
    columns = {
        chair.pk: DayColumn(chair)
        for chair in Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")
    }
    without_chair = DayColumn(None)
    appointments = (
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__lt=end,
            ends_at__gt=start,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED],
        )
        .select_related("patient", "chair", "clinician")
        .order_by("starts_at")
    )
    for appointment in appointments:
        if appointment.chair_id is None:
            without_chair.appointments.append(appointment)
        else:
            column = columns.get(appointment.chair_id)
            if column is None:  # a chair taken out of service after booking still shows
                column = columns[appointment.chair_id] = DayColumn(appointment.chair)
            column.appointments.append(appointment)
    return [*columns.values(), without_chair]


def day_closed(*, clinic: Clinic, day: datetime.date) -> list[Appointment]:
    start, end = day_bounds(clinic=clinic, day=day)
    return list(
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW],
        )
        .select_related("patient")
        .order_by("starts_at")
    )
