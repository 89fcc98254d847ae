"""Where the clinic stands on its initial and biennial inventories (21 CFR 1304.11)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from ketaclinic.clinics.models import Clinic
from ketaclinic.inventory.counts.regulatory import (
    BIENNIAL_WARNING_DAYS,
    INVENTORY_KINDS,
    biennial_inventory_due_on,
)
from ketaclinic.inventory.models import CountKind, StockCount


@dataclass(frozen=True)
class InventoryStatus:
    """Where the clinic stands on its initial and biennial inventories (21 CFR 1304.11)."""

    initial: StockCount | None
    latest: StockCount | None
    latest_on: datetime.date | None
    due_on: datetime.date | None
    today: datetime.date

    @property
    def has_initial(self) -> bool:
        return self.initial is not None

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.today > self.due_on

    @property
    def is_due_soon(self) -> bool:
        return (
            self.due_on is not None
            and not self.is_overdue
            and (self.due_on - self.today).days <= BIENNIAL_WARNING_DAYS
        )

    @property
    def days_left(self) -> int | None:
        return None if self.due_on is None else (self.due_on - self.today).days


def inventory_status_get(*, clinic: Clinic) -> InventoryStatus:
    inventories = list(
        StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS)
        .select_related("counted_by", "witness")
        .order_by("-counted_at", "-id")
    )
    initial = next((c for c in inventories if c.kind == CountKind.INITIAL), None)
    latest = inventories[0] if inventories else None
    latest_on = latest.counted_at.astimezone(clinic.zone).date() if latest else None
    return InventoryStatus(
        initial=initial,
        latest=latest,
        latest_on=latest_on,
        due_on=biennial_inventory_due_on(latest_on) if latest_on else None,
        today=clinic.local_today(),
    )
