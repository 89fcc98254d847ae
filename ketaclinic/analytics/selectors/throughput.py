"""The clinic's activity figures: active patients by stage, infusions given in the period,
no-shows and chair utilisation."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from ketaclinic.analytics.selectors.common import DashboardFilters, Rate
from ketaclinic.charting.models import SessionStatus
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours
from ketaclinic.courses.models import OPEN_STATUSES, TreatmentCourse
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, ClinicClosure


@dataclass(frozen=True)
class StageCount:
    status: str
    label: str
    patients: int


def _active_by_stage(clinic: Clinic) -> tuple[StageCount, ...]:
    counts = dict(
        TreatmentCourse.objects.filter(clinic=clinic, status__in=OPEN_STATUSES)
        .order_by()
        .values("status")
        .annotate(n=Count("patient_id", distinct=True))
        .values_list("status", "n")
    )
    return tuple(
        StageCount(status=str(status), label=status.label, patients=counts.get(status, 0))
        for status in OPEN_STATUSES
    )


def _open_chair_minutes(filters: DashboardFilters) -> int:
    chairs = Chair.objects.filter(clinic=filters.clinic, is_active=True).count()
    by_weekday: Counter[int] = Counter()
    for weekday, opens, closes in OpeningHours.objects.filter(clinic=filters.clinic).values_list(
        "weekday", "opens_at", "closes_at"
    ):
        by_weekday[weekday] += (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
    closed = set(
        ClinicClosure.objects.filter(
            clinic=filters.clinic, day__gte=filters.first_day, day__lte=filters.last_day
        ).values_list("day", flat=True)
    )
    minutes = 0
    day = filters.first_day
    while day <= filters.last_day:
        if day not in closed:
            minutes += by_weekday[day.weekday()]
        day += datetime.timedelta(days=1)
    return minutes * chairs


def _booked_chair_minutes(filters: DashboardFilters) -> int:
    total = (
        Appointment.objects.filter(
            clinic=filters.clinic,
            chair__isnull=False,
            starts_at__gte=filters.starts_at,
            starts_at__lt=filters.ends_at,
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .aggregate(
            booked=Sum(
                ExpressionWrapper(F("ends_at") - F("starts_at"), output_field=DurationField())
            )
        )["booked"]
    )
    if total is None:
        return 0
    if isinstance(total, datetime.timedelta):
        return int(total.total_seconds() // 60)
    return int(total) // 60_000_000  # SQLite sums durations as microseconds


def _no_shows(filters: DashboardFilters) -> Rate:
    counts = dict(
        Appointment.objects.filter(
            clinic=filters.clinic,
            starts_at__gte=filters.starts_at,
            starts_at__lt=filters.ends_at,
            status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW],
        )
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    missed = counts.get(AppointmentStatus.NO_SHOW, 0)
    return Rate(missed, missed + counts.get(AppointmentStatus.COMPLETED, 0))


def _given_in_period(filters: DashboardFilters) -> Q:
    return Q(
        clinic=filters.clinic,
        status=SessionStatus.DISCHARGED,
        checked_in_at__gte=filters.starts_at,
        checked_in_at__lt=filters.ends_at,
    )
