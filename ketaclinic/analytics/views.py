"""The clinic dashboard, its figures as CSV, and the de-identified research export.

Who may see what (accounts/roles.py):
- Dashboard and its CSV: REPORTS_VIEW (physicians, medical directors, clinic admins, auditors):
  aggregate figures only, no patient.
- Research export: REPORTS_VIEW and OUTCOMES_VIEW (physicians, medical directors, clinic admins):
  row-level, de-identified clinical data, so the auditor's oversight role is not enough.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.analytics.access import (
    RESEARCH_ACTIONS,
    dashboard_figures_export,
    research_export_for_user,
)
from ketaclinic.analytics.charts import Bar, bar_chart_svg
from ketaclinic.analytics.forms import DashboardFilterForm
from ketaclinic.analytics.selectors import (
    DashboardFigures,
    DashboardFilters,
    Rate,
    dashboard_clinics_for_user,
    dashboard_figures,
    figures_csv_rows,
)
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.spreadsheets import spreadsheet_safe


def _form(request: HttpRequest, user: User) -> DashboardFilterForm:
    clinic = acting_clinic(request)
    require_permission(user=user, action=Action.REPORTS_VIEW, clinic=clinic)
    clinics = dashboard_clinics_for_user(user=user)
    return DashboardFilterForm(request.GET or None, clinics=clinics, current=clinic)


def _valid_filters(form: DashboardFilterForm) -> DashboardFilters | None:
    if form.is_bound and not form.is_valid():
        return None
    return form.filters()


def _filters(form: DashboardFilterForm, user: User) -> DashboardFilters | None:
    filters = _valid_filters(form)
    if filters is not None:
        require_permission(user=user, action=Action.REPORTS_VIEW, clinic=filters.clinic)
    return filters


def _caption(rate: Rate, unit: str = "%") -> str:
    if rate.value is None:
        return f"— ({rate.counts})"
    return f"{rate.value} {unit} ({rate.counts})"


def _charts(figures: DashboardFigures) -> dict[str, str]:
    stage_bars = tuple(
        Bar(stage.label, float(stage.patients), str(stage.patients))
        for stage in figures.active_by_stage
    )
    outcome_bars = tuple(
        Bar(
            f"{group.indication_label} · {group.protocol_label}",
            float(group.responded.value) if group.responded.value is not None else None,
            _caption(group.responded),
        )
        for group in figures.outcomes
    )
    remission_bars = tuple(
        Bar(
            f"{group.indication_label} · {group.protocol_label}",
            float(group.remitted.value) if group.remitted.value is not None else None,
            _caption(group.remitted),
        )
        for group in figures.outcomes
    )
    return {
        "stages": bar_chart_svg(
            title="Active patients by course stage",
            bars=stage_bars,
            maximum=max([bar.value or 0 for bar in stage_bars] + [1]),
        ),
        "response": bar_chart_svg(
            title="PHQ-9 response rate by indication and protocol", bars=outcome_bars, maximum=100
        ),
        "remission": bar_chart_svg(
            title="PHQ-9 remission rate by indication and protocol",
            bars=remission_bars,
            maximum=100,
        ),
    }


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    form = _form(request, user)
    filters = _filters(form, user)
    figures = dashboard_figures(filters=filters) if filters else None
    context = {
        "form": form,
        "figures": figures,
        "charts": _charts(figures) if figures else {},
        "query": request.GET.urlencode(),
        "can_export_research": filters is not None
        and all(
            has_permission(user=user, action=a, clinic=filters.clinic) for a in RESEARCH_ACTIONS
        ),
        "nav": "dashboard",
    }
    return render(request, "analytics/dashboard.html", context, status=200 if figures else 400)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([spreadsheet_safe(value) for value in row])


def _stamp() -> str:
    return timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%MZ")


@require_GET
@login_required
def dashboard_csv(request: HttpRequest) -> HttpResponseBase:
    user = acting_user(request)
    form = _form(request, user)
    filters = _valid_filters(form)
    if filters is None:
        return render(
            request, "analytics/dashboard.html", {"form": form, "figures": None}, status=400
        )
    # The door checks the permission for the chosen clinic and records the export.
    figures = dashboard_figures_export(user=user, filters=filters)
    response = HttpResponse("".join(_csv(figures_csv_rows(figures))), content_type="text/csv")
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{filters.clinic.slug}-{_stamp()}.csv"'
    )
    return response


@require_GET
@login_required
def research_csv(request: HttpRequest) -> HttpResponseBase:
    """The clinic's whole registry, de-identified (analytics/research.py); audited as an export."""
    user = acting_user(request)
    form = _form(request, user)
    filters = _valid_filters(form)
    if filters is None:
        return render(
            request, "analytics/dashboard.html", {"form": form, "figures": None}, status=400
        )
    # The door checks both permissions for the chosen clinic and records the export.
    export = research_export_for_user(user=user, filters=filters)
    response = StreamingHttpResponse(_csv(export.rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="research-{filters.clinic.slug}-{_stamp()}.csv"'
    )
    return response
