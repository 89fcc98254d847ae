"""Reads for the audit log page and its CSV export: the trail of one clinic, with the people who
work there and its patients' MRNs (hence here, above accounts and patients, not in audit).

Reading the trail is recorded too: `audit_event_list_viewed` and `audit_event_list_exported`
are the page's and the export's doors, which record the read (with the filters) before they
return the events. The page never records it itself."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.audit.models import AUTHENTICATION_PREFIX, AuditAction, AuditEvent
from ketaclinic.audit.services import ChainReport, audit_chain_check_newest, audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.patients.models import Patient


@dataclass(frozen=True)
class AuditFilters:
    """What the audit page was asked for; dates are the clinic's own calendar days."""

    patient_id: int | None = None
    actor_email: str = ""
    action: str = ""
    outcome: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    def as_detail(self) -> dict[str, str]:
        """The filters set, as recorded in the AUDIT_VIEWED / AUDIT_EXPORTED event."""
        return {key: str(value) for key, value in asdict(self).items() if value not in (None, "")}


def audit_event_list_for_clinic(*, clinic: Clinic, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The clinic's events, and the authentication events of the people who work there.

    Events carry the clinic they happened at. Authentication events (sign-in, failed sign-in,
    lockout, MFA, sign-out) carry none, since a person signs in before choosing a clinic, so they
    are matched by person: anyone with a membership at this clinic, current or ended, by user id,
    or by the email typed when the attempt names no known account (failed sign-ins, lockouts).
    A person who works at two clinics has their sign-ins on both pages. Failed sign-ins for an
    email no staff member has belong to no clinic and are shown on none (`verify` covers them).
    Newest first.
    """
    memberships = StaffMembership.objects.filter(clinic=clinic)
    authentication = Q(clinic_id__isnull=True, action__startswith=AUTHENTICATION_PREFIX) & (
        Q(actor_id__in=memberships.values("user_id"))
        | Q(actor_id__isnull=True, actor_label__in=memberships.values("user__email"))
    )
    events = AuditEvent.objects.filter(Q(clinic_id=clinic.pk) | authentication)
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


def audit_event_list_viewed(
    *, user: User, clinic: Clinic, filters: AuditFilters
) -> QuerySet[AuditEvent]:
    """The events for the audit page, its read recorded as `audit.viewed`.

    Recorded first: the paginator counts rows before the page is read, and a row added in
    between would push the oldest one off the last page. The permission is the page's to check
    (before the filters are read, so a refusal never depends on them)."""
    audit_record(
        actor=user, action=AuditAction.AUDIT_VIEWED, clinic=clinic, detail=filters.as_detail()
    )
    return audit_event_list_for_clinic(clinic=clinic, filters=filters)


def audit_event_list_exported(
    *, user: User, clinic: Clinic, filters: AuditFilters
) -> QuerySet[AuditEvent]:
    """The events for the CSV export, its read recorded as `audit.exported` (the export then
    holds its own event)."""
    audit_record(
        actor=user, action=AuditAction.AUDIT_EXPORTED, clinic=clinic, detail=filters.as_detail()
    )
    return audit_event_list_for_clinic(clinic=clinic, filters=filters)


def audit_chain_state() -> ChainReport:
    """Whether the newest links of the chain still verify, for the page's banner (a read; the
    page reaches audit's machinery only through here)."""
    return audit_chain_check_newest()


def audit_patient_id_for_mrn(*, clinic: Clinic, medical_record_number: str) -> int | None:
    """The id of this clinic's patient with that MRN (any case), to filter the trail by."""
    return (
        Patient.objects.filter(clinic=clinic, medical_record_number__iexact=medical_record_number)
        .values_list("id", flat=True)
        .first()
    )


def audit_patient_mrns(*, clinic: Clinic, patient_ids: set[int]) -> dict[int, str]:
    """MRNs of this clinic's patients among `patient_ids` (one query, for a page of events)."""
    if not patient_ids:
        return {}
    return dict(
        Patient.objects.filter(clinic=clinic, pk__in=patient_ids).values_list(
            "id", "medical_record_number"
        )
    )
