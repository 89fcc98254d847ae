"""The doors to the dashboard's exports (CONVENTIONS.md §4). Neither export names a patient (the
figures are aggregates, the research rows de-identified), but each is data leaving the clinic:
each door checks the permissions for the clinic the filters chose, reads the export and records
it. The pages never record it themselves.
"""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.analytics.research import ResearchExport, research_export
from ketaclinic.analytics.selectors import DashboardFigures, DashboardFilters, dashboard_figures
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record

# Row-level (de-identified) clinical data, so the auditor's oversight role is not enough.
RESEARCH_ACTIONS = (Action.REPORTS_VIEW, Action.OUTCOMES_VIEW)


def dashboard_figures_export(*, user: User, filters: DashboardFilters) -> DashboardFigures:
    """The dashboard's figures for its CSV, recorded as `dashboard.exported` with the filters."""
    require_permission(user=user, action=Action.REPORTS_VIEW, clinic=filters.clinic)
    figures = dashboard_figures(filters=filters)
    audit_record(
        actor=user,
        action=AuditAction.DASHBOARD_EXPORTED,
        clinic=filters.clinic,
        detail=filters.as_detail(),
    )
    return figures


def research_export_for_user(*, user: User, filters: DashboardFilters) -> ResearchExport:
    """The clinic's de-identified registry (analytics/research.py), recorded as
    `research.exported` with how many courses and patients it holds."""
    for action in RESEARCH_ACTIONS:
        require_permission(user=user, action=action, clinic=filters.clinic)
    export = research_export(clinic=filters.clinic)
    audit_record(
        actor=user,
        action=AuditAction.RESEARCH_EXPORTED,
        clinic=filters.clinic,
        detail={"courses": export.courses, "patients": export.patients, "deidentified": True},
    )
    return export
