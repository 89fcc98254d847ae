"""The reports read from the ledger's entries: the dispensing log, receipts, and waste and
other disposal with their witnesses (21 CFR 1304.21–22; Part 1317)."""

from __future__ import annotations

from django.db.models import CharField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inventory.models import Movement, MovementKind, Product
from ketaclinic.inventory.reports.tables import (
    Cell,
    ReportData,
    ReportFilters,
    Table,
    _day,
    _local,
    _movements,
    _name,
    _patient_address,
    _patient_name,
    _period_bounds,
    form_and_strength,
    milligrams,
    per_container,
    quantity,
)

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
