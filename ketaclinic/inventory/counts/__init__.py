"""Counts of Schedule III stock against the ledger, and the discrepancies they open
(CLINICAL.md §11; 21 CFR 1304.11 and 1301.76(b)).

A count records, for each container, what the ledger expected and what was found: a sealed
container counts whole, an opened vial by its estimated measure in mL (allowed for CIII), an
opened kit by its devices, never more than the container was received with. Counting never
changes a balance; a difference opens a `Discrepancy`, a task to investigate, settled (when the
ledger was wrong) by `stock_adjust` with its sign-off. A large correction of the ledger (an
adjustment or a reversal, `services.LARGE_CORRECTION_PERCENT`) opens one too.
Theft or a significant loss is reported to the DEA in writing within one business day of
discovery and on Form 106 within 45 days; both deadlines are kept on the discrepancy and shown
until met. Counts and their lines are append-only (database triggers refuse UPDATE and DELETE,
and TRUNCATE on PostgreSQL: inventory/guards.py); a discrepancy's findings are appended to, never
rewritten.

One module per seam: `regulatory` (which counts are which, and the DEA's dates), `recording`
(the count sheet and recording a count), `history` (counts read back), `discrepancies` (the
investigation, the DEA notice, Form 106 and resolving) and `biennial` (where the clinic stands
on its initial and biennial inventories). Everything is imported from here.
"""

from ketaclinic.inventory.counts.biennial import InventoryStatus, inventory_status_get
from ketaclinic.inventory.counts.discrepancies import (
    DiscrepancyRow,
    discrepancy_assess,
    discrepancy_dea_notice_record,
    discrepancy_form_106_record,
    discrepancy_get,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
    discrepancy_row,
)
from ketaclinic.inventory.counts.history import (
    Amounts,
    CountLineRow,
    signed_amount,
    stock_count_get,
    stock_count_get_for_inventory,
    stock_count_list_for_clinic,
    stock_count_query_for_clinic,
)
from ketaclinic.inventory.counts.recording import (
    CountEntry,
    count_sheet_containers,
    staff_for_action,
    stock_count_record,
)
from ketaclinic.inventory.counts.regulatory import (
    BIENNIAL_WARNING_DAYS,
    FORM_106_DAYS,
    IN_STOCK,
    INVENTORY_KINDS,
    ROUTINE_KINDS,
    add_business_days,
    biennial_inventory_due_on,
    dea_notice_due_on,
    form_106_due_on,
)

__all__ = [
    "BIENNIAL_WARNING_DAYS",
    "FORM_106_DAYS",
    "INVENTORY_KINDS",
    "IN_STOCK",
    "ROUTINE_KINDS",
    "Amounts",
    "CountEntry",
    "CountLineRow",
    "DiscrepancyRow",
    "InventoryStatus",
    "add_business_days",
    "biennial_inventory_due_on",
    "count_sheet_containers",
    "dea_notice_due_on",
    "discrepancy_assess",
    "discrepancy_dea_notice_record",
    "discrepancy_form_106_record",
    "discrepancy_get",
    "discrepancy_list_for_clinic",
    "discrepancy_resolve",
    "discrepancy_row",
    "form_106_due_on",
    "inventory_status_get",
    "signed_amount",
    "staff_for_action",
    "stock_count_get",
    "stock_count_get_for_inventory",
    "stock_count_list_for_clinic",
    "stock_count_query_for_clinic",
    "stock_count_record",
]
