"""The audit page for clinic admins and auditors, and its CSV export; both are audited too."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.forms import AuditFilterForm
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.audit.selectors import AuditFilters, audit_event_list_for_clinic
from ketaclinic.audit.services import audit_chain_status, audit_record

CSV_COLUMNS = [
    "id",
    "occurred_at_utc",
    "actor_id",
    "actor",
    "actor_role",
    "clinic_id",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "source_ip",
    "request_id",
    "sealed_sequence",
]


def _filters(request: HttpRequest, clinic_id: int) -> tuple[AuditFilterForm, AuditFilters | None]:
    form = AuditFilterForm(request.GET or None, clinic_id=clinic_id)
    if not form.is_bound:
        return form, AuditFilters()
    if form.is_valid():
        return form, form.filters()
    return form, None


@login_required
def audit_event_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.AUDIT_VIEW, clinic=clinic)
    form, filters = _filters(request, clinic.pk)
    page = None
    if filters is not None:
        # Recorded first: the paginator counts rows before the page is read, and a row added in
        # between would push the oldest one off the last page.
        audit_record(
            actor=user, action=AuditAction.AUDIT_VIEWED, clinic=clinic, detail=filters.as_detail()
        )
        events = audit_event_list_for_clinic(clinic=clinic, filters=filters)
        page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.html",
        {
            "form": form,
            "page": page,
            "chain": audit_chain_status(),
            "can_export": has_permission(user=user, action=Action.AUDIT_EXPORT, clinic=clinic),
            "zone": clinic.zone,
            "nav": "audit",
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(events: Iterator[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in events:
        seal = getattr(event, "seal", None)
        yield writer.writerow(
            [
                event.pk,
                event.occurred_at.astimezone(datetime.UTC).isoformat(),
                event.actor_id or "",
                event.actor_label,
                event.actor_role,
                event.clinic_id or "",
                event.patient_id or "",
                event.action,
                event.object_type,
                event.object_id,
                event.outcome,
                event.source_ip or "",
                event.request_id,
                seal.sequence if seal else "",
            ]
        )


@login_required
def audit_event_export(request: HttpRequest) -> HttpResponseBase:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.AUDIT_EXPORT, clinic=clinic)
    form, filters = _filters(request, clinic.pk)
    if filters is None:
        return render(
            request,
            "audit/event_list.html",
            {"form": form, "page": None, "chain": None, "can_export": True, "nav": "audit"},
            status=400,
        )
    audit_record(
        actor=user, action=AuditAction.AUDIT_EXPORTED, clinic=clinic, detail=filters.as_detail()
    )
    events = audit_event_list_for_clinic(clinic=clinic, filters=filters).iterator(chunk_size=2000)
    response = StreamingHttpResponse(_csv_rows(events), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{clinic.slug}-{stamp}.csv"'
    return response
