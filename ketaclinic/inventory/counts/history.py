"""Counts read back: the latest counts, one count with its lines, and amounts and their
differences as staff read them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.inventory.counts.regulatory import INVENTORY_KINDS
from ketaclinic.inventory.models import Product, StockCount, StockCountLine


def signed_amount(product: Product, units: int) -> str:
    """A difference as staff read it: "+1.5 mL", "−2 devices"."""
    if units == 0:
        return product.display_amount(0)
    return ("+" if units > 0 else "−") + product.display_amount(abs(units))


@dataclass(frozen=True)
class Amounts:
    """What the ledger expected and what was found (for a correction: the balance before and
    after it), as staff read them."""

    product: Product
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected

    @property
    def counted_display(self) -> str:
        return self.product.display_amount(self.counted)

    @property
    def expected_display(self) -> str:
        return self.product.display_amount(self.expected)

    @property
    def difference_display(self) -> str:
        return signed_amount(self.product, self.difference)


@dataclass(frozen=True)
class CountLineRow:
    """A count line with its amounts as staff read them."""

    line: StockCountLine

    @property
    def product(self) -> Product:
        return self.line.container.lot.product

    @property
    def amounts(self) -> Amounts:
        return Amounts(product=self.product, expected=self.line.expected, counted=self.line.counted)


def stock_count_list_for_clinic(
    *, acting_user: User, clinic: Clinic, limit: int = 50
) -> list[StockCount]:
    """The latest counts with how many containers each covered and how many did not match."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    return list(stock_count_query_for_clinic(clinic=clinic)[:limit])


def stock_count_query_for_clinic(*, clinic: Clinic) -> QuerySet[StockCount]:
    """Every count, newest first, with the same totals, as a query (the API pages through it);
    the caller has checked `inventory.view`."""
    return (
        StockCount.objects.filter(clinic=clinic)
        .select_related("location", "counted_by", "witness")
        .annotate(
            line_total=Count("lines", distinct=True),
            discrepancy_total=Count(
                "lines", filter=Q(lines__discrepancy__isnull=False), distinct=True
            ),
        )
        .order_by("-counted_at", "-id")
    )


def stock_count_get(
    *, acting_user: User, clinic: Clinic, count_id: int
) -> tuple[StockCount, list[CountLineRow]]:
    """A count and its lines (with any discrepancy each opened), in two queries."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    count = (
        StockCount.objects.filter(clinic=clinic, pk=count_id)
        .select_related("location", "counted_by", "witness")
        .first()
    )
    if count is None:
        raise NotFound("No such count at this clinic.")
    lines = (
        StockCountLine.objects.filter(count=count)
        .select_related("container__lot__product", "container__location", "discrepancy")
        .order_by("id")
    )
    return count, [CountLineRow(line) for line in lines]


def stock_count_get_for_inventory(*, clinic: Clinic, count_id: int) -> StockCount | None:
    """An inventory (initial or biennial count, not a daily one) of the clinic, or None for
    missing, another clinic's and another kind of count alike: the caller answers one 404."""
    return StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS, pk=count_id).first()
