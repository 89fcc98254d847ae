"""The Schedule III records as reports a DEA inspector can have in one click (CLINICAL.md §11;
21 CFR 1304.04 "readily retrievable", 1304.11, 1304.21–22): the dispensing log, receipts, waste
and other disposal with witnesses, current balances and the initial or biennial inventory.

Each report is read in a fixed number of queries whatever its length, and comes back as plain
tables of cells (text, whole numbers or decimals) that the page, the CSV and the PDF all render,
so the three formats always say the same thing. Nothing here writes, and nothing deletes.

One module per seam: `tables` (filters, tables and cells), `movements` (the dispensing log,
receipts, waste and disposal), `stock` (balances and inventories) and `build` (the list of
reports and building one). Everything is imported from here.
"""

from ketaclinic.inventory.reports.build import REPORTS, Report, report_build
from ketaclinic.inventory.reports.movements import (
    DISPENSING_COLUMNS,
    RECEIPT_COLUMNS,
    WASTE_COLUMNS,
    dispensing_log,
    receipts,
    waste,
)
from ketaclinic.inventory.reports.stock import (
    BALANCE_COLUMNS,
    INVENTORY_COLUMNS,
    balances,
    inventory,
)
from ketaclinic.inventory.reports.tables import (
    MAX_PERIOD_DAYS,
    Cell,
    ReportData,
    ReportFilters,
    ReportKind,
    Table,
    cell_text,
    form_and_strength,
    milligrams,
    per_container,
    quantity,
)

__all__ = [
    "BALANCE_COLUMNS",
    "DISPENSING_COLUMNS",
    "INVENTORY_COLUMNS",
    "MAX_PERIOD_DAYS",
    "RECEIPT_COLUMNS",
    "REPORTS",
    "WASTE_COLUMNS",
    "Cell",
    "Report",
    "ReportData",
    "ReportFilters",
    "ReportKind",
    "Table",
    "balances",
    "cell_text",
    "dispensing_log",
    "form_and_strength",
    "inventory",
    "milligrams",
    "per_container",
    "quantity",
    "receipts",
    "report_build",
    "waste",
]
