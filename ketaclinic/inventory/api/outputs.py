"""What the stock API answers with: one serializer per output, each field defined once.

Amounts come twice: in base units (`*_units`: microlitres for a vial, devices for a kit, exact
integers) and in the product's unit (mL or devices, a decimal string). Instants are shown in the
clinic's zone (`clinic_context`); `today` and `now` in the context date the expiry and
beyond-use flags.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ketaclinic.api.fields import ClinicDateTimeField, clinic_context
from ketaclinic.clinics.models import Clinic
from ketaclinic.inventory.api.fields import (
    AMOUNT,
    MILLIGRAMS,
    UNIT_HELP,
    UNITS_HELP,
    BusinessTimingField,
    ContainerStatusField,
    CountKindField,
    DiscrepancyStatusField,
    MovementKindField,
    ProductFormField,
    amount_text,
)
from ketaclinic.inventory.counts import CountLineRow, DiscrepancyRow
from ketaclinic.inventory.models import Container, Discrepancy, Draw, Lot, Movement, StockCount
from ketaclinic.inventory.reports import Cell, cell_text
from ketaclinic.inventory.services import LARGE_CORRECTION_PERCENT


def output_context(clinic: Clinic) -> dict[str, Any]:
    """The context every serializer here reads: the clinic's zone, its today, and now."""
    return {**clinic_context(clinic), "today": clinic.local_today(), "now": timezone.now()}


# --- stock and its ledger ----------------------------------------------------------------------


class ProductSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    form = ProductFormField()
    ndc = serializers.CharField(help_text="National Drug Code of the package.")
    dea_schedule = serializers.CharField()
    strength_mg_per_ml = serializers.DecimalField(
        max_digits=7, decimal_places=3, allow_null=True, help_text="A vial's; null for a kit."
    )
    volume_ml = serializers.DecimalField(
        max_digits=7, decimal_places=3, allow_null=True, help_text="Per vial; null for a kit."
    )
    devices_per_kit = serializers.IntegerField(
        allow_null=True, min_value=1, max_value=32767, help_text="A kit's; null for a vial."
    )
    mg_per_device = serializers.DecimalField(
        max_digits=7, decimal_places=3, allow_null=True, help_text="A kit's; null for a vial."
    )
    unit = serializers.CharField(source="unit_label", help_text=UNIT_HELP)
    is_active = serializers.BooleanField(help_text="False: no longer stocked.")


class LocationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()


class LotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    product_name = serializers.CharField(source="product.name")
    lot_number = serializers.CharField()
    expires_on = serializers.DateField()
    is_expired = serializers.SerializerMethodField()

    def get_is_expired(self, lot: Lot) -> bool:
        today: datetime.date = self.context["today"]
        return lot.expires_on < today


class ContainerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    # A field called "label" shadows Field.label for the type checker only; DRF is fine with it.
    label = serializers.CharField(  # type: ignore[assignment]
        help_text="Written on the vial or kit when it was received."
    )
    product_id = serializers.IntegerField(source="lot.product_id")
    product_name = serializers.CharField(source="lot.product.name")
    lot_id = serializers.IntegerField()
    lot_number = serializers.CharField(source="lot.lot_number")
    expires_on = serializers.DateField(source="lot.expires_on")
    location_id = serializers.IntegerField()
    location_name = serializers.CharField(source="location.name")
    status = ContainerStatusField()
    balance_units = serializers.IntegerField(
        source="balance", help_text="Base units left: microlitres for a vial, devices for a kit."
    )
    balance = serializers.SerializerMethodField(help_text="In `unit`.")
    balance_mg = serializers.SerializerMethodField(help_text="Milligrams of drug (as base).")
    unit = serializers.CharField(source="lot.product.unit_label", help_text=UNIT_HELP)
    opened_at = ClinicDateTimeField(allow_null=True)
    beyond_use_at = ClinicDateTimeField(
        allow_null=True, help_text="An opened vial may not be drawn from then on."
    )
    is_expired = serializers.SerializerMethodField()
    is_beyond_use = serializers.SerializerMethodField()

    @extend_schema_field(AMOUNT)
    def get_balance(self, container: Container) -> str:
        return amount_text(container.lot.product, container.balance)

    @extend_schema_field(MILLIGRAMS)
    def get_balance_mg(self, container: Container) -> str:
        return f"{container.lot.product.mg_for(container.balance):.3f}"

    def get_is_expired(self, container: Container) -> bool:
        today: datetime.date = self.context["today"]
        return container.lot.expires_on < today

    def get_is_beyond_use(self, container: Container) -> bool:
        now: datetime.datetime = self.context["now"]
        return container.beyond_use_at is not None and container.beyond_use_at <= now


class MovementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = MovementKindField()
    occurred_at = ClinicDateTimeField()
    recorded_by_id = serializers.IntegerField()
    recorded_by_name = serializers.CharField(source="recorded_by.full_name")
    product_id = serializers.IntegerField()
    ndc = serializers.CharField(source="product.ndc")
    lot_id = serializers.IntegerField()
    lot_number = serializers.CharField(source="lot.lot_number")
    container_id = serializers.IntegerField()
    container_label = serializers.CharField(source="container.label")
    container_delta_units = serializers.IntegerField(
        source="container_delta", help_text="What it did to the container's balance, base units."
    )
    draw_id = serializers.IntegerField(allow_null=True)
    draw_delta_units = serializers.IntegerField(
        source="draw_delta", help_text="What it did to the draw's balance, base units."
    )
    amount = serializers.SerializerMethodField(
        help_text="How much moved, in `unit`: the container's change, or else the draw's."
    )
    unit = serializers.CharField(source="product.unit_label", help_text=UNIT_HELP)
    patient_id = serializers.IntegerField(
        allow_null=True, help_text="For a draw, an administration or a waste."
    )
    appointment_id = serializers.IntegerField(allow_null=True)
    from_location_id = serializers.IntegerField(allow_null=True)
    to_location_id = serializers.IntegerField(allow_null=True)
    witness_id = serializers.IntegerField(
        allow_null=True, help_text="The witness (for an adjustment: the approver)."
    )
    witness_name = serializers.CharField(source="witness.full_name", allow_null=True, default=None)
    second_witness_id = serializers.IntegerField(allow_null=True)
    second_witness_name = serializers.CharField(
        source="second_witness.full_name", allow_null=True, default=None
    )
    reverses_id = serializers.IntegerField(
        allow_null=True, help_text="For a reversal: the entry it corrects."
    )
    reason = serializers.CharField()
    detail = serializers.DictField(
        help_text="A receipt's supplier, address, DEA number, invoice and date received; a "
        "return's reverse distributor; a destruction's Form 41 details."
    )

    @extend_schema_field(AMOUNT)
    def get_amount(self, movement: Movement) -> str:
        units = abs(movement.container_delta) or abs(movement.draw_delta)
        return amount_text(movement.product, units)


class DrawSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    container_id = serializers.IntegerField()
    container_label = serializers.CharField(source="container.label")
    appointment_id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    drawn_by_id = serializers.IntegerField()
    drawn_at = ClinicDateTimeField()
    quantity_units = serializers.IntegerField(source="quantity", help_text="Drawn, base units.")
    balance_units = serializers.IntegerField(
        source="balance", help_text="Not yet administered or wasted, base units."
    )
    quantity = serializers.SerializerMethodField(help_text="Drawn, in `unit`.")
    balance = serializers.SerializerMethodField(help_text="Left to account for, in `unit`.")
    unit = serializers.CharField(source="container.lot.product.unit_label", help_text=UNIT_HELP)

    @extend_schema_field(AMOUNT)
    def get_quantity(self, draw: Draw) -> str:
        return amount_text(draw.container.lot.product, draw.quantity)

    @extend_schema_field(AMOUNT)
    def get_balance(self, draw: Draw) -> str:
        return amount_text(draw.container.lot.product, draw.balance)


class ReceiptSerializer(serializers.Serializer):
    containers = ContainerSerializer(many=True, help_text="One per vial or kit, labelled.")


# --- counts, discrepancies and reports ---------------------------------------------------------


class StockCountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = CountKindField()
    location_id = serializers.IntegerField(
        allow_null=True, help_text="The location counted; null for an inventory (every location)."
    )
    location_name = serializers.CharField(source="location.name", allow_null=True)
    counted_at = ClinicDateTimeField()
    timing = serializers.SerializerMethodField(
        help_text="Opening or close of business (an inventory's); null when not stated."
    )
    counted_by_id = serializers.IntegerField()
    counted_by_name = serializers.CharField(source="counted_by.full_name")
    witness_id = serializers.IntegerField(allow_null=True)
    witness_name = serializers.CharField(source="witness.full_name", allow_null=True)
    note = serializers.CharField()
    line_total = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, help_text="Containers counted."
    )
    discrepancy_total = serializers.IntegerField(
        min_value=0, max_value=2**31 - 1, help_text="Containers that did not match the ledger."
    )

    @extend_schema_field(BusinessTimingField(allow_null=True))
    def get_timing(self, count: StockCount | dict[str, Any]) -> str | None:
        timing = count["timing"] if isinstance(count, dict) else count.timing
        return timing or None


class CountLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line.pk")
    container_id = serializers.IntegerField(source="line.container_id")
    container_label = serializers.CharField(source="line.container.label")
    product_id = serializers.IntegerField(source="product.pk")
    product_name = serializers.CharField(source="product.name")
    unit = serializers.CharField(source="product.unit_label", help_text=UNIT_HELP)
    expected_units = serializers.IntegerField(
        source="line.expected", help_text="By the ledger when counted. " + UNITS_HELP
    )
    counted_units = serializers.IntegerField(source="line.counted", help_text=UNITS_HELP)
    difference_units = serializers.IntegerField(
        source="line.difference", help_text="Counted less expected. " + UNITS_HELP
    )
    expected = serializers.SerializerMethodField(help_text="In `unit`.")
    counted = serializers.SerializerMethodField(help_text="In `unit`.")
    difference = serializers.SerializerMethodField(help_text="In `unit`; negative: a shortfall.")
    is_estimate = serializers.BooleanField(
        source="line.is_estimate",
        help_text="An opened vial's contents, an estimated measure (allowed for Schedule III).",
    )
    discrepancy_id = serializers.SerializerMethodField(
        help_text="The discrepancy this line opened; null when it matched."
    )

    @extend_schema_field(AMOUNT)
    def get_expected(self, row: CountLineRow) -> str:
        return amount_text(row.product, row.line.expected)

    @extend_schema_field(AMOUNT)
    def get_counted(self, row: CountLineRow) -> str:
        return amount_text(row.product, row.line.counted)

    @extend_schema_field(AMOUNT)
    def get_difference(self, row: CountLineRow) -> str:
        return amount_text(row.product, row.line.difference)

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_discrepancy_id(self, row: CountLineRow) -> int | None:
        discrepancy = discrepancy_of(row)
        return discrepancy.pk if discrepancy is not None else None


def discrepancy_of(row: CountLineRow) -> Discrepancy | None:
    # The reverse one-to-one raises (an AttributeError) when the line matched.
    discrepancy: Discrepancy | None = getattr(row.line, "discrepancy", None)
    return discrepancy


class StockCountDetailSerializer(StockCountSerializer):
    lines = CountLineSerializer(many=True, help_text="One per container, in the sheet's order.")


class DiscrepancySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="discrepancy.pk")
    status = DiscrepancyStatusField(source="discrepancy.status")
    discovered_at = ClinicDateTimeField(source="discrepancy.discovered_at")
    discovered_on = serializers.DateField(help_text="The clinic's day of discovery.")
    count_id = serializers.IntegerField(
        source="line.count_id",
        allow_null=True,
        help_text="The count that found it; null when a large correction opened it.",
    )
    count_kind = CountKindField(source="line.count.kind", allow_null=True)
    correction_id = serializers.IntegerField(
        source="discrepancy.correction_id",
        allow_null=True,
        help_text="The ledger entry (an adjustment or a reversal) that opened it, for moving the "
        f"container by more than {LARGE_CORRECTION_PERCENT} % of what it was received with; "
        "null when a count did.",
    )
    container_id = serializers.IntegerField(source="container.pk")
    container_label = serializers.CharField(source="container.label")
    product_id = serializers.IntegerField(source="amounts.product.pk")
    product_name = serializers.CharField(source="amounts.product.name")
    unit = serializers.CharField(source="amounts.product.unit_label", help_text=UNIT_HELP)
    expected_units = serializers.IntegerField(
        source="amounts.expected",
        help_text=UNITS_HELP + " What the ledger held (for a correction: before it).",
    )
    counted_units = serializers.IntegerField(
        source="amounts.counted",
        help_text=UNITS_HELP + " What was found (for a correction: the balance it left).",
    )
    difference_units = serializers.IntegerField(source="amounts.difference", help_text=UNITS_HELP)
    expected = serializers.SerializerMethodField(help_text="In `unit`.")
    counted = serializers.SerializerMethodField(help_text="In `unit`.")
    difference = serializers.SerializerMethodField(help_text="In `unit`; negative: a shortfall.")
    is_theft_or_significant_loss = serializers.BooleanField(
        source="discrepancy.is_theft_or_significant_loss",
        allow_null=True,
        help_text="The judgement; null until the findings are recorded.",
    )
    dea_notice_due_on = serializers.DateField(
        source="notice_due_on",
        help_text="One business day after discovery: the notice's deadline if it is theft or "
        "significant loss, and so the day by which to judge.",
    )
    dea_notice_sent_on = serializers.DateField(
        source="discrepancy.dea_notice_sent_on", allow_null=True
    )
    form_106_due_on = serializers.DateField(
        source="discrepancy.form_106_due_on",
        allow_null=True,
        help_text="45 days after discovery, once judged theft or significant loss.",
    )
    form_106_filed_on = serializers.DateField(
        source="discrepancy.form_106_filed_on", allow_null=True
    )
    findings = serializers.CharField(
        source="discrepancy.findings",
        help_text="The running record: one dated, signed entry per line, none rewritten.",
    )
    resolved_by_id = serializers.IntegerField(source="discrepancy.resolved_by_id", allow_null=True)
    resolved_by_name = serializers.CharField(
        source="discrepancy.resolved_by.full_name", allow_null=True
    )
    resolved_at = ClinicDateTimeField(source="discrepancy.resolved_at", allow_null=True)
    is_overdue = serializers.BooleanField(help_text="Any of the three deadlines below is missed.")
    is_judgement_overdue = serializers.BooleanField(
        help_text="Open and not yet judged after the DEA notice's deadline."
    )
    is_dea_notice_overdue = serializers.BooleanField()
    is_form_106_overdue = serializers.BooleanField()

    @extend_schema_field(AMOUNT)
    def get_expected(self, row: DiscrepancyRow) -> str:
        return amount_text(row.amounts.product, row.amounts.expected)

    @extend_schema_field(AMOUNT)
    def get_counted(self, row: DiscrepancyRow) -> str:
        return amount_text(row.amounts.product, row.amounts.counted)

    @extend_schema_field(AMOUNT)
    def get_difference(self, row: DiscrepancyRow) -> str:
        return amount_text(row.amounts.product, row.amounts.difference)


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "integer", "maximum": 2**31 - 1}],
        "description": 'Text, a whole number, or a decimal as a string (`"1.5"`).',
    }
)
class ReportCellField(serializers.Field):
    def to_representation(self, value: Cell) -> str | int:
        if isinstance(value, bool):  # pragma: no cover - reports have no booleans
            return str(value)
        return cell_text(value)


class ReportTableSerializer(serializers.Serializer):
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.ListField(child=ReportCellField()),
        help_text="One list of cells per row, in the order of `columns`.",
    )
    is_primary = serializers.BooleanField(help_text="The table `?format=csv` gives.")
    empty_text = serializers.CharField(help_text="What the table says when it has no rows.")


class ReportFiltersSerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    product_id = serializers.IntegerField(allow_null=True, min_value=1)
    location_id = serializers.IntegerField(allow_null=True, min_value=1)
    count_id = serializers.IntegerField(allow_null=True, min_value=1)


class ReportSerializer(serializers.Serializer):
    report = serializers.CharField(source="kind.slug")
    title = serializers.CharField(source="kind.title")
    description = serializers.CharField(source="kind.description")
    generated_at = ClinicDateTimeField()
    filters = ReportFiltersSerializer(source="filters.as_detail")
    notes = serializers.ListField(child=serializers.CharField(), source="data.notes")
    tables = ReportTableSerializer(many=True, source="data.tables")
