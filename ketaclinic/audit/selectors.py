"""Reads of the audit trail for the audit page and its CSV export."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import StaffMembership
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinics.models import Clinic


@dataclass(frozen=True)
class AuditFilters:
    patient_id: int | None = None
    actor_email: str = ""
    action: str = ""
    outcome: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def as_detail(self) -> dict[str, str]:
        return {key: str(value) for key, value in self.__dict__.items() if value not in (None, "")}


def audit_event_list_for_clinic(*, clinic: Clinic, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The clinic's events, plus sign-in events of the people who work there.

    Sign-in events carry no clinic (a person signs in before choosing one), so they are matched
    by actor: everyone with a membership at this clinic, current or past.
    """
    staff_ids = StaffMembership.objects.filter(clinic=clinic).values("user_id")
    events = AuditEvent.objects.filter(
        Q(clinic_id=clinic.pk) | Q(clinic_id__isnull=True, actor_id__in=staff_ids)
    )
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.actor_email:
        events = events.filter(actor_label__iexact=filters.actor_email)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.outcome:
        events = events.filter(outcome=filters.outcome)
    zone = clinic.zone
    if filters.date_from is not None:
        start = datetime.datetime.combine(filters.date_from, datetime.time.min, tzinfo=zone)
        events = events.filter(occurred_at__gte=start)
    if filters.date_to is not None:
        end = datetime.datetime.combine(
            filters.date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        events = events.filter(occurred_at__lt=end)
    return events.select_related("seal").order_by("-occurred_at", "-id")
