"""Inventory reads for the app's endpoints that no seam module (`catalog`, `counts`, `reports`)
already answers."""

from __future__ import annotations

from ketaclinic.clinics.models import Clinic
from ketaclinic.inventory.counts import INVENTORY_KINDS
from ketaclinic.inventory.models import StockCount


def stock_count_get_for_inventory(*, clinic: Clinic, count_id: int) -> StockCount | None:
    """An inventory (initial or biennial count, not a daily one) of the clinic, or None for
    missing, another clinic's and another kind of count alike: the caller answers one 404."""
    return StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS, pk=count_id).first()
