"""Staff pages for counts, discrepancies and the Schedule III reports: thin, each parses its
input, calls one service or selector and renders. Refusals come back on the form with what was
typed kept; nothing here writes a row itself, and there is no page that deletes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods
from weasyprint import HTML

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.inventory.access import report_read
from ketaclinic.inventory.count_forms import (
    AssessForm,
    CountChoiceForm,
    CountSheetForm,
    DeaNoticeForm,
    Form106Form,
    ReportFilterForm,
    ResolveForm,
)
from ketaclinic.inventory.counts import (
    INVENTORY_KINDS,
    count_sheet_containers,
    discrepancy_assess,
    discrepancy_dea_notice_record,
    discrepancy_form_106_record,
    discrepancy_get,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
    inventory_status_get,
    staff_for_action,
    stock_count_get,
    stock_count_list_for_clinic,
    stock_count_record,
)
from ketaclinic.inventory.exports import report_csv_response, report_filename
from ketaclinic.inventory.models import CountKind, DiscrepancyStatus
from ketaclinic.inventory.reports import REPORTS, Report
from ketaclinic.inventory.services import LARGE_CORRECTION_PERCENT
from ketaclinic.inventory.stock_forms import witness_signature_check

REPORT_PAGE_SIZE = 100
# WeasyPrint lays out every row; beyond this a PDF takes too long for a request. The CSV has all.
PDF_MAX_ROWS = 3000


# --- Counts --------------------------------------------------------------------------------------


@require_GET
@login_required
def count_home(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    counts = stock_count_list_for_clinic(acting_user=user, clinic=clinic, limit=20)
    discrepancies = discrepancy_list_for_clinic(acting_user=user, clinic=clinic)
    return render(
        request,
        "inventory/counts/home.html",
        {
            "counts": counts,
            "status": inventory_status_get(clinic=clinic),
            "open_total": len(discrepancies),
            "overdue_total": sum(1 for row in discrepancies if row.is_overdue),
            "can_record": has_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic),
            "nav": "inventory",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def count_record(request: HttpRequest) -> HttpResponse:
    """Choose a count, then fill its sheet (blind: the ledger's figures come after)."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
    choice = CountChoiceForm(request.GET or None, clinic=clinic)
    if not choice.is_bound or not choice.is_valid():
        return render(
            request,
            "inventory/counts/choose.html",
            {"form": choice, "nav": "inventory"},
            status=400 if choice.is_bound else 200,
        )
    kind = CountKind(choice.cleaned_data["kind"])
    location = choice.cleaned_data["location"]
    is_inventory = kind in INVENTORY_KINDS
    containers = count_sheet_containers(clinic=clinic, kind=kind, location=location)
    witnesses = staff_for_action(clinic=clinic, action=Action.INVENTORY_WITNESS, exclude=user)
    sheet_arguments: dict[str, Any] = {
        "containers": containers,
        "witnesses": witnesses,
        "is_inventory": is_inventory,
    }
    status = 200
    if request.method == "POST":
        form = CountSheetForm(request.POST, **sheet_arguments)
        if form.is_valid():
            try:
                witness = form.cleaned_data["witness"]
                if witness is not None:
                    # The witness signs: their own password, as for a waste.
                    witness_signature_check(
                        request=request,
                        witness=witness,
                        password=form.cleaned_data["witness_password"],
                        field="witness_password",
                    )
                count = stock_count_record(
                    acting_user=user,
                    clinic=clinic,
                    kind=kind,
                    location=location,
                    entries=form.entries(),
                    witness=form.cleaned_data["witness"],
                    timing=form.cleaned_data["timing"],
                    note=form.cleaned_data["note"],
                )
            except DomainError as error:
                form.add_domain_field_errors(error.fields)
                form_add_domain_error(form, error)
            else:
                mismatches = sum(1 for line in count.lines.all() if line.difference)
                if mismatches:
                    messages.warning(
                        request,
                        f"Count recorded. {mismatches} container"
                        f"{'s do' if mismatches != 1 else ' does'} not match the ledger: "
                        "a discrepancy is open for each.",
                    )
                else:
                    messages.success(request, "Count recorded. Everything matches the ledger.")
                return redirect("inventory:count_detail", count_id=count.pk)
        status = 400
    else:
        form = CountSheetForm(**sheet_arguments)
    return render(
        request,
        "inventory/counts/sheet.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": kind.label,
            "location": location,
            "is_inventory": is_inventory,
            "status": inventory_status_get(clinic=clinic) if is_inventory else None,
            "nav": "inventory",
        },
        status=status,
    )


@require_GET
@login_required
def count_detail(request: HttpRequest, count_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    count, lines = stock_count_get(acting_user=user, clinic=clinic, count_id=count_id)
    return render(
        request,
        "inventory/counts/detail.html",
        {
            "count": count,
            "lines": lines,
            "mismatches": sum(1 for row in lines if row.line.difference),
            "nav": "inventory",
        },
    )


# --- Discrepancies -------------------------------------------------------------------------------

_STATUS_FILTERS: dict[str, DiscrepancyStatus | None] = {
    "open": DiscrepancyStatus.OPEN,
    "resolved": DiscrepancyStatus.RESOLVED,
    "all": None,
}


@require_GET
@login_required
def discrepancy_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    shown = request.GET.get("status", "open")
    if shown not in _STATUS_FILTERS:
        shown = "open"
    rows = discrepancy_list_for_clinic(
        acting_user=user, clinic=clinic, status=_STATUS_FILTERS[shown]
    )
    return render(
        request,
        "inventory/counts/discrepancy_list.html",
        {
            "rows": rows,
            "shown": shown,
            "status_tabs": [("open", "Open"), ("resolved", "Resolved"), ("all", "All")],
            "overdue_total": sum(1 for row in rows if row.is_overdue),
            "large_correction_percent": LARGE_CORRECTION_PERCENT,
            "nav": "inventory",
        },
    )


_ACTIONS = ("assess", "dea_notice", "form_106", "resolve")


@require_http_methods(["GET", "POST"])
@login_required
def discrepancy_detail(request: HttpRequest, discrepancy_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    row = discrepancy_get(acting_user=user, clinic=clinic, discrepancy_id=discrepancy_id)
    can_record = has_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
    approvers = (
        staff_for_action(clinic=clinic, action=Action.INVENTORY_RECORD, exclude=user)
        if can_record
        else []
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = request.POST if request.method == "POST" else None
    forms = {
        "assess": AssessForm(bound if action == "assess" else None, prefix="assess"),
        "dea_notice": DeaNoticeForm(
            bound if action == "dea_notice" else None,
            prefix="dea_notice",
            initial={"sent_on": clinic.local_today()},
        ),
        "form_106": Form106Form(
            bound if action == "form_106" else None,
            prefix="form_106",
            initial={"filed_on": clinic.local_today()},
        ),
        "resolve": ResolveForm(
            bound if action == "resolve" else None,
            prefix="resolve",
            approvers=approvers,
            # A correction is already on the ledger: nothing to adjust on resolving it.
            can_adjust=row.line is not None,
        ),
    }
    status = 200
    if request.method == "POST":
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        if action not in _ACTIONS:
            messages.error(request, "Choose what to record.")
            return redirect("inventory:discrepancy_detail", discrepancy_id=discrepancy_id)
        form = forms[action]
        if form.is_valid():
            try:
                if action == "resolve" and form.cleaned_data["adjust_balance"]:
                    # The second person signs the adjustment: their own password, as elsewhere.
                    witness_signature_check(
                        request=request,
                        witness=form.cleaned_data["approver"],
                        password=form.cleaned_data["approver_password"],
                        field="approver_password",
                    )
                done = _discrepancy_act(action, form, user=user, row_discrepancy=row.discrepancy)
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, done)
                return redirect("inventory:discrepancy_detail", discrepancy_id=discrepancy_id)
        status = 400
    return render(
        request,
        "inventory/counts/discrepancy_detail.html",
        {
            "row": row,
            "discrepancy": row.discrepancy,
            "line": row.line,
            "correction": row.correction,
            "can_record": can_record,
            "forms": forms,
            "failed": action if status == 400 else "",
            "nav": "inventory",
        },
        status=status,
    )


def _discrepancy_act(action: str, form: Any, *, user: Any, row_discrepancy: Any) -> str:
    data = form.cleaned_data
    if action == "assess":
        discrepancy_assess(
            acting_user=user,
            discrepancy=row_discrepancy,
            is_theft_or_significant_loss=form.is_theft,
            findings=data["findings"],
        )
        return "Judgement and findings recorded."
    if action == "dea_notice":
        discrepancy_dea_notice_record(
            acting_user=user,
            discrepancy=row_discrepancy,
            sent_on=data["sent_on"],
            note=data["note"],
        )
        return "DEA notice recorded."
    if action == "form_106":
        discrepancy_form_106_record(
            acting_user=user,
            discrepancy=row_discrepancy,
            filed_on=data["filed_on"],
            reference=data["reference"],
        )
        return "Form 106 filing recorded."
    discrepancy_resolve(
        acting_user=user,
        discrepancy=row_discrepancy,
        findings=data["findings"],
        adjust_balance=data["adjust_balance"],
        approver=data["approver"],
    )
    return "Discrepancy resolved."


# --- Reports -------------------------------------------------------------------------------------


@require_GET
@login_required
def report_index(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    today = clinic.local_today()
    return render(
        request,
        "inventory/counts/report_index.html",
        {
            "reports": list(REPORTS.values()),
            "start": today.replace(day=1),
            "end": today,
            "clinic": clinic,
            "nav": "inventory",
        },
    )


def _filter_data(request: HttpRequest, form_defaults: dict[str, str]) -> dict[str, str]:
    data = dict(form_defaults)
    for key in request.GET:
        if key != "page":
            data[key] = str(request.GET.get(key, ""))
    return data


@require_GET
@login_required
def report_view(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    """One report as a page, a CSV or a PDF; the same filters give the same rows in each."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    kind = REPORTS.get(report)
    if kind is None:
        raise Http404("No such report.")
    today = clinic.local_today()
    defaults = {"start": today.replace(day=1).isoformat(), "end": today.isoformat()}
    form = ReportFilterForm(_filter_data(request, defaults), clinic=clinic, kind=kind)
    built: Report | None = None
    if form.is_valid():
        try:
            # The door records the read of a report that names patients.
            built = report_read(
                acting_user=user,
                clinic=clinic,
                slug=kind.slug,
                filters=form.filters(),
                fmt=fmt,
                pdf_max_rows=PDF_MAX_ROWS if fmt == "pdf" else None,
            )
        except DomainError as error:
            form_add_domain_error(form, error)
            built = None
    if built is None:
        return _report_page(request, kind=kind, form=form, built=None, status=400)
    if fmt == "csv":
        return report_csv_response(built)
    if fmt == "pdf":
        return _report_pdf(built)
    return _report_page(request, kind=kind, form=form, built=built, status=200)


def _report_page(
    request: HttpRequest, *, kind: Any, form: ReportFilterForm, built: Report | None, status: int
) -> HttpResponse:
    page = None
    if built is not None:
        page = Paginator(built.data.primary.rows, REPORT_PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "inventory/counts/report.html",
        {
            "kind": kind,
            "form": form,
            "report": built,
            "page": page,
            "export_query": query.urlencode(),
            "nav": "inventory",
        },
        status=status,
    )


def _report_pdf(built: Report) -> HttpResponse:
    clinic = built.clinic
    html = render_to_string(
        "inventory/counts/report_pdf.html",
        {
            "report": built,
            "clinic": clinic,
            "generated_at": built.generated_at.astimezone(clinic.zone),
            "zone_name": clinic.timezone,
        },
    )
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(built, "pdf")}"'
    return response
