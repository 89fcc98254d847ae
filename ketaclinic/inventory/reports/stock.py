"""The reports of what is held: current balances, and an initial or biennial inventory as
taken (21 CFR 1304.11)."""

from __future__ import annotations

import datetime

from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.inventory.counts.regulatory import (
    IN_STOCK,
    INVENTORY_KINDS,
    biennial_inventory_due_on,
)
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    CountKind,
    Draw,
    Product,
    StockCount,
    StockCountLine,
)
from ketaclinic.inventory.reports.tables import (
    Cell,
    ReportData,
    ReportFilters,
    Table,
    _day,
    _local,
    _name,
    form_and_strength,
    milligrams,
    per_container,
    quantity,
)

# --- Current balances ---------------------------------------------------------------------------

BALANCE_COLUMNS = (
    "Product",
    "NDC",
    "Lot",
    "Expires",
    "Container",
    "Location",
    "Status",
    "Opened",
    "Beyond use",
    "Balance",
    "Unit",
    "mg",
)


def balances(clinic: Clinic, filters: ReportFilters) -> ReportData:
    """What the ledger holds now, per container, with totals per product and lot, and what has
    been drawn for a session and not yet recorded as given or wasted."""
    containers = Container.objects.filter(clinic=clinic, status__in=IN_STOCK).select_related(
        "lot__product", "location"
    )
    draws = Draw.objects.filter(clinic=clinic, balance__gt=0).select_related(
        "container__lot__product", "drawn_by"
    )
    if filters.product is not None:
        containers = containers.filter(lot__product=filters.product)
        draws = draws.filter(container__lot__product=filters.product)
    if filters.location is not None:
        containers = containers.filter(location=filters.location)
        draws = draws.filter(container__location=filters.location)
    zone = clinic.zone
    rows: list[tuple[Cell, ...]] = []
    lots: dict[int, list[Container]] = {}
    for container in containers.order_by("lot__product__name", "lot__expires_on", "label"):
        product = container.lot.product
        lots.setdefault(container.lot_id, []).append(container)
        rows.append(
            (
                product.name,
                product.ndc,
                container.lot.lot_number,
                _day(container.lot.expires_on),
                container.label,
                container.location.name,
                str(container.get_status_display()),
                _local(container.opened_at, zone),
                _local(container.beyond_use_at, zone),
                quantity(product, container.balance),
                product.unit_label,
                milligrams(product, container.balance),
            )
        )
    lot_rows: list[tuple[Cell, ...]] = []
    for group in lots.values():
        lot = group[0].lot
        product = lot.product
        units = sum(container.balance for container in group)
        lot_rows.append(
            (
                product.name,
                lot.lot_number,
                _day(lot.expires_on),
                sum(1 for c in group if c.status == ContainerStatus.SEALED),
                sum(1 for c in group if c.status == ContainerStatus.OPEN),
                quantity(product, units),
                product.unit_label,
                milligrams(product, units),
            )
        )
    draw_rows: list[tuple[Cell, ...]] = []
    for draw in draws.order_by("drawn_at", "id"):
        product = draw.container.lot.product
        draw_rows.append(
            (
                _local(draw.drawn_at, zone),
                draw.container.label,
                product.name,
                _name(draw.drawn_by),
                quantity(product, draw.balance),
                product.unit_label,
            )
        )
    return ReportData(
        tables=[
            Table("Containers on hand", BALANCE_COLUMNS, rows, empty_text="Nothing on hand."),
            Table(
                "Totals by lot",
                (
                    "Product",
                    "Lot",
                    "Expires",
                    "Sealed",
                    "Opened",
                    "Balance",
                    "Unit",
                    "mg",
                ),
                lot_rows,
                is_primary=False,
                empty_text="Nothing on hand.",
            ),
            Table(
                "Drawn for a session, not yet recorded as given or wasted",
                ("Drawn at", "Container", "Product", "Drawn by", "Outstanding", "Unit"),
                draw_rows,
                is_primary=False,
                empty_text="Every draw is accounted for.",
            ),
        ]
    )


# --- Initial and biennial inventory -------------------------------------------------------------

INVENTORY_COLUMNS = (
    "Product",
    "NDC",
    "Form and strength",
    "Per container",
    "Container",
    "Lot",
    "Expires",
    "Location",
    "Condition",
    "Counted",
    "Unit",
    "Estimated",
    "Ledger",
    "Difference",
)


def _was_opened(line: StockCountLine, counted_at: datetime.datetime) -> bool:
    opened_at = line.container.opened_at
    return line.is_estimate or (opened_at is not None and opened_at <= counted_at)


def _biennial_timeliness(clinic: Clinic, count: StockCount) -> str:
    """Whether a biennial inventory was taken within two years of the one before it."""
    previous = (
        StockCount.objects.filter(
            clinic=clinic, kind__in=INVENTORY_KINDS, counted_at__lt=count.counted_at
        )
        .order_by("-counted_at", "-id")
        .first()
    )
    if previous is None:
        return "No earlier inventory is on record at this clinic."
    previous_on = previous.counted_at.astimezone(clinic.zone).date()
    due_on = biennial_inventory_due_on(previous_on)
    label = f"the {previous.get_kind_display().lower()} of {previous_on.isoformat()}"
    if count.counted_at.astimezone(clinic.zone).date() > due_on:
        return f"Taken late: it was due by {due_on.isoformat()}, two years after {label}."
    return f"Taken within two years of {label}."


def inventory(clinic: Clinic, filters: ReportFilters) -> ReportData:
    """An initial or biennial inventory (21 CFR 1304.11): its date, opening or close of
    business, who took and witnessed it, and for each product its form and strength, the
    volume or units per container and the number of containers, opened ones by estimate."""
    count = filters.count
    if count is None:
        count = (
            StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS)
            .select_related("counted_by", "witness")
            .order_by("-counted_at", "-id")
            .first()
        )
    if count is None:
        return ReportData(
            tables=[Table("Containers counted", INVENTORY_COLUMNS, [])],
            notes=["No initial or biennial inventory has been taken at this clinic yet."],
        )
    if count.clinic_id != clinic.pk or count.kind not in INVENTORY_KINDS:
        raise NotFound("No such inventory at this clinic.")
    zone = clinic.zone
    lines = (
        StockCountLine.objects.filter(count=count)
        .select_related("container__lot__product", "container__location")
        .order_by("container__lot__product__name", "container__label")
    )
    rows: list[tuple[Cell, ...]] = []
    summary: dict[int, dict[str, int]] = {}
    products: dict[int, Product] = {}
    for line in lines:
        container = line.container
        product = container.lot.product
        products[product.pk] = product
        opened = _was_opened(line, count.counted_at)
        totals = summary.setdefault(
            product.pk, {"sealed": 0, "opened": 0, "in_opened": 0, "all": 0}
        )
        if line.counted:
            totals["opened" if opened else "sealed"] += 1
        if opened:
            totals["in_opened"] += line.counted
        totals["all"] += line.counted
        rows.append(
            (
                product.name,
                product.ndc,
                form_and_strength(product),
                per_container(product),
                container.label,
                container.lot.lot_number,
                _day(container.lot.expires_on),
                container.location.name,
                "Opened" if opened else "Sealed",
                quantity(product, line.counted),
                product.unit_label,
                "Yes" if line.is_estimate else "No",
                quantity(product, line.expected),
                quantity(product, line.difference),
            )
        )
    summary_rows: list[tuple[Cell, ...]] = [
        (
            product.name,
            product.ndc,
            form_and_strength(product),
            per_container(product),
            totals["sealed"],
            totals["opened"],
            quantity(product, totals["in_opened"]),
            quantity(product, totals["all"]),
            product.unit_label,
        )
        for product_id, totals in summary.items()
        for product in [products[product_id]]
    ]
    timing = count.get_timing_display().lower() if count.timing else "time of day not stated"
    notes = [
        f"{count.get_kind_display()} taken {_local(count.counted_at, zone)} ({timing}) by "
        f"{_name(count.counted_by)}, witnessed by {_name(count.witness) or 'nobody'}.",
    ]
    if count.kind == CountKind.BIENNIAL:
        notes.append(_biennial_timeliness(clinic, count))
    if count.note:
        notes.append(f"Note: {count.note}")
    if not rows:
        notes.append("Nothing was on hand: this inventory records zero.")
    return ReportData(
        tables=[
            Table("Containers counted", INVENTORY_COLUMNS, rows, empty_text="Zero on hand."),
            Table(
                "By product",
                (
                    "Product",
                    "NDC",
                    "Form and strength",
                    "Per container",
                    "Sealed containers",
                    "Opened containers",
                    "In opened containers (estimated)",
                    "Total",
                    "Unit",
                ),
                summary_rows,
                is_primary=False,
                empty_text="Zero on hand.",
            ),
        ],
        notes=notes,
    )
