"""The Schedule III records as reports a DEA inspector can have in one click (CLINICAL.md §11;
21 CFR 1304.04 "readily retrievable", 1304.11, 1304.21–22): the dispensing log, receipts, waste
and other disposal with witnesses, current balances and the initial or biennial inventory.

Each report is read in a fixed number of queries whatever its length, and comes back as plain
tables of cells (text, whole numbers or decimals) that the page, the CSV and the PDF all render,
so the three formats always say the same thing. Nothing here writes, and nothing deletes.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import CharField, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.inventory.counts import IN_STOCK, INVENTORY_KINDS, biennial_inventory_due_on
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    CountKind,
    Draw,
    Movement,
    MovementKind,
    Product,
    StockCount,
    StockCountLine,
    StorageLocation,
)
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.scheduling.selectors import day_bounds

Cell = str | int | Decimal

# Records are kept two years (21 CFR 1304.04); a report covers at most that, plus a leap day.
MAX_PERIOD_DAYS = 731


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    # The table the CSV holds (one per file, so it opens cleanly in a spreadsheet).
    is_primary: bool = True
    empty_text: str = "No entries."


@dataclass(frozen=True)
class ReportFilters:
    start: datetime.date | None = None
    end: datetime.date | None = None
    product: Product | None = None
    location: StorageLocation | None = None
    count: StockCount | None = None

    def check(self, *, clinic: Clinic) -> None:
        problems: dict[str, list[str]] = {}
        if self.start and self.end:
            if self.end < self.start:
                problems["end"] = ["On or after the start."]
            elif (self.end - self.start).days >= MAX_PERIOD_DAYS:
                problems["end"] = ["At most two years at a time."]
        for name, row in (("product", self.product), ("location", self.location)):
            if row is not None and row.clinic_id != clinic.pk:
                problems[name] = ["Not at this clinic."]
        if problems:
            raise InvalidInput(
                "Check the report's filters: " + " ".join(v[0] for v in problems.values()),
                fields=problems,
            )

    def as_detail(self) -> dict[str, object]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "product_id": self.product.pk if self.product else None,
            "location_id": self.location.pk if self.location else None,
            "count_id": self.count.pk if self.count else None,
        }


@dataclass(frozen=True)
class ReportData:
    tables: list[Table]
    notes: list[str] = field(default_factory=list)
    # Patients named: reading it is recorded in the audit trail.
    names_patients: bool = False

    @property
    def primary(self) -> Table:
        return next(table for table in self.tables if table.is_primary)


@dataclass(frozen=True)
class ReportKind:
    slug: str
    title: str
    description: str
    uses_period: bool
    uses_product: bool
    uses_location: bool
    build: Callable[[Clinic, ReportFilters], ReportData]


# --- Cells --------------------------------------------------------------------------------------


def _trimmed(value: Decimal) -> Decimal:
    """A decimal exactly as it is, without trailing zeros (1.500 → 1.5) and never rounded."""
    return Decimal(plain_decimal(value))


def cell_text(value: Cell) -> str | int:
    """A cell as the CSV and the API write it: a decimal as plain digits ("100", "0.8"), never
    in exponent form ("1E+2") as `str()` may write one."""
    return plain_decimal(value) if isinstance(value, Decimal) else value


def quantity(product: Product, units: int) -> Decimal | int:
    """Base units as staff read them: mL for a vial, devices for a kit."""
    return _trimmed(Decimal(units) / 1000) if product.is_vial else units


def milligrams(product: Product, units: int) -> Decimal:
    return _trimmed(product.mg_for(units))


def _local(moment: datetime.datetime | None, zone: datetime.tzinfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user else ""


def form_and_strength(product: Product) -> str:
    if product.is_vial:
        return f"Injection {_trimmed(product.strength_mg_per_ml or Decimal(0))} mg/mL"
    return f"Nasal spray {_trimmed(product.mg_per_device or Decimal(0))} mg per device"


def per_container(product: Product) -> str:
    return product.display_amount(product.units_per_container)


def _period_bounds(
    clinic: Clinic, filters: ReportFilters
) -> tuple[datetime.datetime, datetime.datetime]:
    if filters.start is None or filters.end is None:
        raise InvalidInput("Choose the period.", fields={"start": ["Required."]})
    start, _ = day_bounds(clinic=clinic, day=filters.start)
    _, end = day_bounds(clinic=clinic, day=filters.end)
    return start, end


def _movements(clinic: Clinic, filters: ReportFilters) -> QuerySet[Movement]:
    movements = Movement.objects.filter(clinic=clinic).select_related(
        "product", "lot", "container", "recorded_by", "witness", "second_witness", "reverses"
    )
    if filters.product is not None:
        movements = movements.filter(product=filters.product)
    return movements


def _patient_name(movement: Movement) -> str:
    patient = movement.patient
    return f"{patient.legal_first_name} {patient.legal_last_name}" if patient else ""


def _patient_address(movement: Movement) -> str:
    patient = movement.patient
    if patient is None:
        return ""
    place = " ".join(
        part for part in (f"{patient.city}," if patient.city else "", patient.state) if part
    )
    parts = [patient.address_line1, patient.address_line2, f"{place} {patient.postal_code}".strip()]
    return ", ".join(part for part in parts if part)


# --- Dispensing log -----------------------------------------------------------------------------

DISPENSING_COLUMNS = (
    "Date and time",
    "Entry",
    "Patient",
    "Patient address",
    "Product",
    "NDC",
    "Lot",
    "Expires",
    "Container",
    "Quantity",
    "Unit",
    "mg",
    "Administered or recorded by",
    "Witness",
    "Reason",
    "Entry no.",
)

_PATIENT_KINDS = (MovementKind.ADMINISTRATION, MovementKind.WASTE)


def _entry_label(movement: Movement) -> str:
    if movement.reverses is not None:
        return f"Reversal of {movement.reverses.get_kind_display().lower()} #{movement.reverses_id}"
    return str(movement.get_kind_display())


def dispensing_log(clinic: Clinic, filters: ReportFilters) -> ReportData:
    """Every administration (patient name and address, date, amount, who) and every waste of
    what was drawn (with its witness), with corrections shown as reversing entries
    (21 CFR 1304.22(c))."""
    start, end = _period_bounds(clinic, filters)
    movements = (
        _movements(clinic, filters)
        .select_related("patient")
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(
            Q(kind__in=_PATIENT_KINDS)
            | Q(kind=MovementKind.REVERSAL, reverses__kind__in=_PATIENT_KINDS)
        )
        .order_by("occurred_at", "id")
    )
    zone = clinic.zone
    rows: list[tuple[Cell, ...]] = []
    totals: dict[tuple[int, str], list[int]] = {}
    products: dict[int, Product] = {}
    for movement in movements:
        product = movement.product
        units = -movement.draw_delta
        kind = movement.reverses.kind if movement.reverses else movement.kind
        products[product.pk] = product
        total = totals.setdefault((product.pk, kind), [0, 0])
        total[0] += units
        total[1] += 1
        rows.append(
            (
                _local(movement.occurred_at, zone),
                _entry_label(movement),
                _patient_name(movement),
                _patient_address(movement),
                product.name,
                product.ndc,
                movement.lot.lot_number,
                _day(movement.lot.expires_on),
                movement.container.label,
                quantity(product, units),
                product.unit_label,
                milligrams(product, units),
                _name(movement.recorded_by),
                _name(movement.witness),
                movement.reason,
                movement.pk,
            )
        )
    summary_rows: list[tuple[Cell, ...]] = []
    for (product_id, kind), (units, entries) in sorted(
        totals.items(), key=lambda item: (products[item[0][0]].name, item[0][1])
    ):
        product = products[product_id]
        summary_rows.append(
            (
                product.name,
                "Administered" if kind == MovementKind.ADMINISTRATION else "Wasted",
                entries,
                quantity(product, units),
                product.unit_label,
                milligrams(product, units),
            )
        )
    return ReportData(
        tables=[
            Table("Administrations and waste", DISPENSING_COLUMNS, rows),
            Table(
                "Totals by product",
                ("Product", "Entry", "Entries", "Quantity", "Unit", "mg"),
                summary_rows,
                is_primary=False,
            ),
        ],
        names_patients=True,
    )


# --- Receipts -----------------------------------------------------------------------------------

RECEIPT_COLUMNS = (
    "Date received",
    "Supplier",
    "Supplier address",
    "Supplier DEA number",
    "Invoice",
    "Product",
    "NDC",
    "Form and strength",
    "Lot",
    "Expires",
    "Containers",
    "Per container",
    "Total",
    "Unit",
    "Container labels",
    "Recorded by",
    "Recorded at",
)


def receipts(clinic: Clinic, filters: ReportFilters) -> ReportData:
    """Receipts by the date actually received (21 CFR 1304.21–22(c)): one line per lot on an
    invoice, with its supplier's name, address and DEA number."""
    if filters.start is None or filters.end is None:
        raise InvalidInput("Choose the period.", fields={"start": ["Required."]})
    # ISO dates compare as text in the same order as dates, on SQLite and PostgreSQL alike.
    movements = (
        _movements(clinic, filters)
        .filter(kind=MovementKind.RECEIPT)
        # Cast: a JSON key's lookups would compare JSON values, not the text of the date.
        .annotate(received_text=Cast(KT("detail__received_on"), output_field=CharField()))
        .filter(
            received_text__gte=filters.start.isoformat(), received_text__lte=filters.end.isoformat()
        )
        .order_by("received_text", "occurred_at", "id")
    )
    zone = clinic.zone
    groups: dict[tuple[object, ...], list[Movement]] = {}
    for movement in movements:
        detail = movement.detail
        key = (
            detail.get("received_on"),
            movement.lot_id,
            detail.get("invoice_number"),
            detail.get("supplier_dea_number"),
            detail.get("supplier_name"),
            detail.get("supplier_address"),
        )
        groups.setdefault(key, []).append(movement)
    rows: list[tuple[Cell, ...]] = []
    for group in groups.values():
        first = group[0]
        product = first.product
        detail = first.detail
        units = sum(movement.container_delta for movement in group)
        labels = sorted(movement.container.label for movement in group)
        rows.append(
            (
                str(detail.get("received_on", "")),
                str(detail.get("supplier_name", "")),
                str(detail.get("supplier_address", "")),
                str(detail.get("supplier_dea_number", "")),
                str(detail.get("invoice_number", "")),
                product.name,
                str(detail.get("ndc") or product.ndc),
                form_and_strength(product),
                first.lot.lot_number,
                _day(first.lot.expires_on),
                len(group),
                per_container(product),
                quantity(product, units),
                product.unit_label,
                labels[0] if len(labels) == 1 else f"{labels[0]} to {labels[-1]}",
                _name(first.recorded_by),
                _local(first.occurred_at, zone),
            )
        )
    return ReportData(tables=[Table("Receipts", RECEIPT_COLUMNS, rows)])


# --- Waste and other disposal -------------------------------------------------------------------

WASTE_COLUMNS = (
    "Date and time",
    "Entry",
    "Product",
    "NDC",
    "Lot",
    "Container",
    "Quantity",
    "Unit",
    "mg",
    "Patient",
    "Recorded by",
    "Witness",
    "Second witness",
    "Reason or circumstances",
    "Details",
    "Entry no.",
)

_DISPOSAL_KINDS = (
    MovementKind.WASTE,
    MovementKind.BREAKAGE,
    MovementKind.DESTRUCTION,
    MovementKind.RETURN,
)


def _disposal_details(movement: Movement) -> str:
    detail = movement.detail or {}
    if movement.kind == MovementKind.DESTRUCTION:
        return (
            f"Method: {detail.get('method', '')}; DEA Form 41: "
            f"{detail.get('form_41_reference') or 'not given'}"
        )
    if movement.kind == MovementKind.RETURN:
        return (
            f"Reverse distributor: {detail.get('distributor_name', '')}, DEA "
            f"{detail.get('distributor_dea_number', '')}"
        )
    return ""


def waste(clinic: Clinic, filters: ReportFilters) -> ReportData:
    """Pharmaceutical wastage with its witness, breakage with two, destruction (Form 41 data,
    two witnesses) and returns to a reverse distributor: date, manner and quantity
    (21 CFR 1304.22; Part 1317)."""
    start, end = _period_bounds(clinic, filters)
    movements = (
        _movements(clinic, filters)
        .select_related("patient")
        .filter(occurred_at__gte=start, occurred_at__lt=end)
        .filter(
            Q(kind__in=_DISPOSAL_KINDS)
            | Q(kind=MovementKind.REVERSAL, reverses__kind=MovementKind.WASTE)
        )
        .order_by("occurred_at", "id")
    )
    zone = clinic.zone
    rows: list[tuple[Cell, ...]] = []
    for movement in movements:
        product = movement.product
        units = -movement.draw_delta if movement.draw_id else -movement.container_delta
        rows.append(
            (
                _local(movement.occurred_at, zone),
                _entry_label(movement),
                product.name,
                product.ndc,
                movement.lot.lot_number,
                movement.container.label,
                quantity(product, units),
                product.unit_label,
                milligrams(product, units),
                _patient_name(movement),
                _name(movement.recorded_by),
                _name(movement.witness),
                _name(movement.second_witness),
                movement.reason,
                _disposal_details(movement),
                movement.pk,
            )
        )
    return ReportData(
        tables=[Table("Waste and disposal", WASTE_COLUMNS, rows)], names_patients=True
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


def inventory_list_for_clinic(*, clinic: Clinic) -> list[StockCount]:
    return list(
        StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS)
        .select_related("counted_by", "witness")
        .order_by("-counted_at", "-id")
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
