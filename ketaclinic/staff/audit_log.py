"""The audit page for clinic admins and auditors, and its CSV export; both are audited too.

Here rather than in `audit`: the page names roles, clinics and patients, which sit above the
trail (audit keeps the chain, its checks and the writers' one entry point)."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditEvent
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.spreadsheets import spreadsheet_safe
from ketaclinic.staff.audit_log_forms import AuditFilterForm
from ketaclinic.staff.audit_log_selectors import (
    AuditFilters,
    audit_chain_state,
    audit_event_list_exported,
    audit_event_list_viewed,
    audit_patient_mrns,
)

PAGE_SIZE = 50

CSV_COLUMNS = [
    "id",
    "occurred_at_utc",
    "actor_id",
    "actor",
    "actor_role",
    "clinic_id",
    "patient_id",
    "action",
    "action_label",
    "object_type",
    "object_id",
    "outcome",
    "source_ip",
    "request_id",
    "detail",
    "sealed_sequence",
]


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    patient_mrn: str

    @property
    def actor_role_label(self) -> str:
        return actor_role_label(self.event.actor_role)


def actor_role_label(role: str) -> str:
    """The role's name as staff read it; a role since renamed or removed shows as stored."""
    if role in Role.values:
        return str(Role(role).label)
    return role


def _filters(request: HttpRequest, clinic: Clinic) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET or None, clinic=clinic)
    if not form.is_bound:
        return form, AuditFilters()
    if form.is_valid():
        return form, form.filters()
    return form, None


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@require_GET
@login_required
def audit_event_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.AUDIT_VIEW, clinic=clinic)
    form, filters = _filters(request, clinic)
    page, rows = None, []
    if filters is not None:
        # The door records the read before the paginator counts the rows.
        events = audit_event_list_viewed(user=user, clinic=clinic, filters=filters)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = _rows(clinic=clinic, events=list(page.object_list))
    return _render(request, clinic=clinic, form=form, page=page, rows=rows, status=200)


def _rows(*, clinic: Clinic, events: list[AuditEvent]) -> list[AuditRow]:
    mrns = audit_patient_mrns(
        clinic=clinic, patient_ids={event.patient_id for event in events if event.patient_id}
    )
    return [AuditRow(event, mrns.get(event.patient_id or 0, "")) for event in events]


def _render(
    request: HttpRequest,
    *,
    clinic: Clinic,
    form: AuditFilterForm,
    page: Page[AuditEvent] | None,
    rows: list[AuditRow],
    status: int,
) -> HttpResponse:
    user = acting_user(request)
    return render(
        request,
        "staff/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "chain": audit_chain_state() if page is not None else None,
            "can_export": has_permission(user=user, action=Action.AUDIT_EXPORT, clinic=clinic),
            "export_query": _query_without_page(request),
            "zone": clinic.zone,
            "clinic": clinic,
            "alert_seconds": settings.AUDIT_UNSEALED_ALERT_SECONDS,
            "nav": "audit",
        },
        status=status,
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        seal = getattr(event, "seal", None)
        row: list[object] = [
            event.pk,
            event.occurred_at.astimezone(datetime.UTC).isoformat(),
            event.actor_id or "",
            event.actor_label,
            event.actor_role,
            event.clinic_id or "",
            event.patient_id or "",
            event.action,
            event.action_label,
            event.object_type,
            event.object_id,
            event.outcome,
            event.source_ip or "",
            event.request_id,
            json.dumps(event.detail, sort_keys=True, ensure_ascii=False) if event.detail else "",
            seal.sequence if seal else "",
        ]
        yield writer.writerow([spreadsheet_safe(value) for value in row])


@require_GET
@login_required
def audit_event_export(request: HttpRequest) -> HttpResponseBase:
    """Every matching event as CSV (UTC times), streamed so a long trail never fills memory."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.AUDIT_EXPORT, clinic=clinic)
    form, filters = _filters(request, clinic)
    if filters is None:
        return _render(request, clinic=clinic, form=form, page=None, rows=[], status=400)
    events = audit_event_list_exported(user=user, clinic=clinic, filters=filters).iterator(
        chunk_size=2000
    )
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%MZ")
    response["Content-Disposition"] = f'attachment; filename="audit-{clinic.slug}-{stamp}.csv"'
    return response
