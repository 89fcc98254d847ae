"""A report as a CSV download, the same for the staff page and the API."""

from __future__ import annotations

import csv

from django.http import HttpResponse

from ketaclinic.core.spreadsheets import spreadsheet_safe
from ketaclinic.inventory.reports import Report, cell_text


def report_filename(built: Report, extension: str) -> str:
    filters = built.filters
    if filters.start and filters.end:
        span = f"{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    else:
        span = built.generated_at.astimezone(built.clinic.zone).strftime("%Y%m%d")
    return f"{built.kind.slug}-{built.clinic.slug}-{span}.{extension}"


def report_csv_response(built: Report) -> HttpResponse:
    """The report's main table, each typed cell made safe to open in a spreadsheet (a number
    stays a number: a negative difference is not quoted as if it were a formula)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report_filename(built, "csv")}"'
    table = built.data.primary
    writer = csv.writer(response)
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([cell_text(spreadsheet_safe(value)) for value in row])
    return response
