"""The reports a clinic can build, and building one for the acting clinic."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.inventory.reports.movements import dispensing_log, receipts, waste
from ketaclinic.inventory.reports.stock import balances, inventory
from ketaclinic.inventory.reports.tables import ReportData, ReportFilters, ReportKind

REPORTS: dict[str, ReportKind] = {
    kind.slug: kind
    for kind in (
        ReportKind(
            "dispensing",
            "Dispensing log",
            "Every administration with the patient's name and address, and every waste with its "
            "witness, for a product and period.",
            uses_period=True,
            uses_product=True,
            uses_location=False,
            build=dispensing_log,
        ),
        ReportKind(
            "receipts",
            "Receipts",
            "Stock received: supplier name, address and DEA number, invoice, date received, NDC, "
            "lot, expiry, containers × volume.",
            uses_period=True,
            uses_product=True,
            uses_location=False,
            build=receipts,
        ),
        ReportKind(
            "waste",
            "Waste and disposal",
            "Wastage with its witness, breakage, destruction (Form 41 data) and returns to a "
            "reverse distributor.",
            uses_period=True,
            uses_product=True,
            uses_location=False,
            build=waste,
        ),
        ReportKind(
            "balances",
            "Current balances",
            "What the ledger holds now, by product, lot, container and location.",
            uses_period=False,
            uses_product=True,
            uses_location=True,
            build=balances,
        ),
        ReportKind(
            "inventory",
            "Initial and biennial inventory",
            "An inventory as taken: date, opening or close of business, signatures, and each "
            "product's containers.",
            uses_period=False,
            uses_product=False,
            uses_location=False,
            build=inventory,
        ),
    )
}


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    clinic: Clinic
    filters: ReportFilters
    data: ReportData
    generated_at: datetime.datetime
    generated_by: User

    @property
    def row_total(self) -> int:
        return sum(len(table.rows) for table in self.data.tables)


def report_build(*, acting_user: User, clinic: Clinic, slug: str, filters: ReportFilters) -> Report:
    """The named report for the acting clinic (its DEA registration), as of now."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    kind = REPORTS.get(slug)
    if kind is None:
        raise NotFound("No such report.")
    filters.check(clinic=clinic)
    return Report(
        kind=kind,
        clinic=clinic,
        filters=filters,
        data=kind.build(clinic, filters),
        generated_at=timezone.now(),
        generated_by=acting_user,
    )
