"""The door to the Schedule III reports (CONVENTIONS.md §4). The dispensing log and the waste
report name patients and their addresses, so reading one is a read of their records: this builds
the report and records that read, for the staff page (page, CSV, PDF) and the API alike. Neither
records it itself.
"""

from __future__ import annotations

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inventory.reports import Report, ReportFilters, report_build


def report_read(
    *,
    acting_user: User,
    clinic: Clinic,
    slug: str,
    filters: ReportFilters,
    fmt: str,
    pdf_max_rows: int | None = None,
) -> Report:
    """The named report (`report_build`: `inventory.view`, the clinic's own filters), with its
    read recorded as `patient.list_viewed` when it names patients.

    `pdf_max_rows`: the most rows a PDF can lay out in one request; a longer report is refused
    before anything is recorded, since nothing was read.
    """
    built = report_build(acting_user=acting_user, clinic=clinic, slug=slug, filters=filters)
    if pdf_max_rows is not None and built.row_total > pdf_max_rows:
        raise InvalidInput(
            f"This report has {built.row_total} rows, too many for one PDF (at most "
            f"{pdf_max_rows}). Choose a shorter period or a single product, or download "
            "the CSV, which has them all."
        )
    if built.data.names_patients:
        audit_record(
            actor=acting_user,
            action=AuditAction.PATIENT_LIST_VIEWED,
            clinic=clinic,
            detail={"report": f"inventory.{slug}", "format": fmt, **built.filters.as_detail()},
        )
    return built
