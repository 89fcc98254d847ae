"""REST endpoints for counts of the Schedule III stock, the discrepancies they open, and the
five reports (issue 6), through the same services as the staff count and report pages
(`inventory/counts.py`, `inventory/reports.py`).

A count lists every container on hand, each found or not, opened ones with what is left; the
witness of an initial or biennial inventory signs with their own password in the body, checked
like a sign-in exactly as a waste's witness is (`witness_signature_check`). A discrepancy is
worked through findings, the DEA notice, Form 106 and its resolution; an adjustment of the
ledger on resolving is signed off by a second person, with their own password too. A report
reads as JSON tables (or its main table as CSV; the PDF is the staff page's); reading the
dispensing log or the waste report, which name patients, is recorded as the staff page
records it.
"""

from __future__ import annotations

import abc
import datetime
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller, witness_get
from ketaclinic.api.fields import ClinicDateTimeField, NamedEnum
from ketaclinic.api.inputs import (
    BusinessTimingField,
    CountInputSerializer,
    CountKindField,
    DeaNoticeInputSerializer,
    DiscrepancyFindingsInputSerializer,
    DiscrepancyResolveInputSerializer,
    Form106InputSerializer,
)
from ketaclinic.api.inventory import (
    AMOUNT,
    UNIT_HELP,
    InventoryListEndpoint,
    _amount,
    _body,
    _context,
    _field_id,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.catalog import location_get, product_get
from ketaclinic.inventory.counts import (
    INVENTORY_KINDS,
    CountEntry,
    CountLineRow,
    DiscrepancyRow,
    discrepancy_assess,
    discrepancy_dea_notice_record,
    discrepancy_form_106_record,
    discrepancy_get,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
    stock_count_get,
    stock_count_record,
)
from ketaclinic.inventory.exports import report_csv_response
from ketaclinic.inventory.models import (
    BusinessTiming,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    StockCount,
)
from ketaclinic.inventory.reports import (
    REPORTS,
    Cell,
    ReportFilters,
    ReportKind,
    cell_text,
    report_build,
)
from ketaclinic.inventory.services import LARGE_CORRECTION_PERCENT
from ketaclinic.inventory.stock_forms import witness_signature_check

# --- enums with their own names ----------------------------------------------------------------


class DiscrepancyStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DiscrepancyStatus.choices, **kwargs)


DISCREPANCY_FILTERS: dict[str, DiscrepancyStatus | None] = {
    "open": DiscrepancyStatus.OPEN,
    "resolved": DiscrepancyStatus.RESOLVED,
    "all": None,
}


class DiscrepancyFilterField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("open", "Open"), ("resolved", "Resolved"), ("all", "All")], **kwargs
        )


class ReportFormatField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=[("json", "JSON tables"), ("csv", "The main table as CSV")], **kwargs
        )


class CountKindEnum(NamedEnum):
    target_class = "ketaclinic.api.inputs.CountKindField"
    component_name = "CountKindEnum"
    choices = list(CountKind.choices)


class BusinessTimingEnum(NamedEnum):
    target_class = "ketaclinic.api.inputs.BusinessTimingField"
    component_name = "BusinessTimingEnum"
    choices = list(BusinessTiming.choices)


class DiscrepancyStatusEnum(NamedEnum):
    target_class = "ketaclinic.api.inventory_counts.DiscrepancyStatusField"
    component_name = "DiscrepancyStatusEnum"
    choices = list(DiscrepancyStatus.choices)


class DiscrepancyFilterEnum(NamedEnum):
    target_class = "ketaclinic.api.inventory_counts.DiscrepancyFilterField"
    component_name = "DiscrepancyFilterEnum"
    choices = [("open", "Open"), ("resolved", "Resolved"), ("all", "All")]


class ReportFormatEnum(NamedEnum):
    target_class = "ketaclinic.api.inventory_counts.ReportFormatField"
    component_name = "ReportFormatEnum"
    choices = [("json", "JSON tables"), ("csv", "The main table as CSV")]


# --- shapes ------------------------------------------------------------------------------------

UNITS_HELP = "Base units: microlitres for a vial, devices for a kit."


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
        return _amount(row.product, row.line.expected)

    @extend_schema_field(AMOUNT)
    def get_counted(self, row: CountLineRow) -> str:
        return _amount(row.product, row.line.counted)

    @extend_schema_field(AMOUNT)
    def get_difference(self, row: CountLineRow) -> str:
        return _amount(row.product, row.line.difference)

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1))
    def get_discrepancy_id(self, row: CountLineRow) -> int | None:
        discrepancy = _discrepancy_of(row)
        return discrepancy.pk if discrepancy is not None else None


def _discrepancy_of(row: CountLineRow) -> Discrepancy | None:
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
        return _amount(row.amounts.product, row.amounts.expected)

    @extend_schema_field(AMOUNT)
    def get_counted(self, row: DiscrepancyRow) -> str:
        return _amount(row.amounts.product, row.amounts.counted)

    @extend_schema_field(AMOUNT)
    def get_difference(self, row: DiscrepancyRow) -> str:
        return _amount(row.amounts.product, row.amounts.difference)


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


# --- counts ------------------------------------------------------------------------------------


def _count_list(clinic: Clinic) -> QuerySet[StockCount]:
    # `stock_count_list_for_clinic` returns the latest N as a list; a paginated list needs the
    # same rows as a query.
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


def _count_response(
    count_id: int, clinic: Clinic, user: User, *, created: bool = False
) -> Response:
    count, lines = stock_count_get(acting_user=user, clinic=clinic, count_id=count_id)
    # The count as a mapping, so that its `lines` are the rows with their amounts.
    fields: dict[str, Any] = {name: getattr(count, name) for name in _COUNT_ATTRIBUTES}
    fields["line_total"] = len(lines)
    fields["discrepancy_total"] = sum(1 for row in lines if _discrepancy_of(row) is not None)
    fields["lines"] = lines
    data = StockCountDetailSerializer(fields, context=_context(clinic)).data
    response = Response(data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
    if created:
        response["Location"] = reverse("api_inventory_count", kwargs={"count_id": count_id})
    return response


_COUNT_ATTRIBUTES = (
    "id",
    "kind",
    "location_id",
    "location",
    "counted_at",
    "timing",
    "counted_by_id",
    "counted_by",
    "witness_id",
    "witness",
    "note",
)


class CountListView(InventoryListEndpoint):
    serializer_class = StockCountSerializer

    def get_queryset(self) -> QuerySet[StockCount]:
        return _count_list(self.allowed_clinic())

    @extend_schema(
        operation_id="inventory_counts_list",
        summary="Counts and inventories, newest first",
        description="Shift and daily counts of a location, and the initial and biennial "
        "inventories, with how many containers each covered and how many did not match.",
        responses={200: StockCountSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="inventory_counts_create",
        summary="Record a count or an inventory",
        description="Every container on hand (at the location for a shift or daily count, at "
        "the clinic for an inventory) once: found or not, and for an opened one what is left "
        "(an estimated measure for a vial). The ledger's expected balance is recorded against "
        "it and each difference opens a discrepancy; balances are not changed. An initial or "
        "biennial inventory states `timing` and is signed by a witness with their own password "
        "(`witness_id`, `witness_password`), checked like a sign-in as a waste's witness is; a "
        "routine count may name a witness, who signs the same way. Refused (400): a container "
        "missing, counted twice or no longer on hand (`entries`), an amount that is not one "
        "(`entries[i].amount`), a wrong password (`witness_password`), the caller or someone "
        "without a current licence as witness (`witness_id`); 409 for a second initial "
        "inventory; 429 once signing as the witness is paused. Recorded as "
        "`inventory.counted` (and `inventory.discrepancy` for each one opened).",
        request=CountInputSerializer,
        responses={201: StockCountDetailSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        data = _body(CountInputSerializer, request)
        location_id = data.get("location_id")
        location = location_get(clinic=clinic, location_id=location_id) if location_id else None
        witness = _count_witness(request, clinic, data)
        entries = [
            CountEntry(
                container_id=entry["container_id"],
                is_found=entry["is_found"],
                amount=entry.get("amount"),
            )
            for entry in data["entries"]
        ]
        try:
            count = stock_count_record(
                acting_user=user,
                clinic=clinic,
                kind=data["kind"],
                location=location,
                entries=entries,
                witness=witness,
                timing=data.get("timing", ""),
                note=data["note"],
            )
        except PermissionRefused as error:
            if "witness" not in error.fields:
                raise
            # About the witness, not the caller: a problem with the body.
            raise InvalidInput(error.message, fields={"witness_id": [error.message]}) from error
        except InvalidInput as error:
            raise _count_error(error, entries) from error
        return _count_response(count.pk, clinic, user, created=True)


def _count_witness(request: Request, clinic: Clinic, data: dict[str, Any]) -> User | None:
    """The witness named in the body, who has signed with their own password (as a waste's)."""
    password = data.get("witness_password")
    if not data.get("witness_id"):
        if password is not None:
            raise InvalidInput(
                "A password is sent only with the witness it signs for.",
                fields={"witness_password": ["Send `witness_id` with it, or leave it out."]},
            )
        return None
    witness = witness_get(clinic=clinic, user_id=data["witness_id"])
    if password is None:
        raise InvalidInput(
            "The witness signs with their own password.",
            fields={"witness_password": ["Required with a witness."]},
        )
    witness_signature_check(
        request=request._request, witness=witness, password=password, field="witness_password"
    )
    return witness


_COUNT_FIELDS = {"location": "location_id", "witness": "witness_id"}


def _count_error(error: InvalidInput, entries: list[CountEntry]) -> InvalidInput:
    """The service's messages under the body's names: `container_<id>` is the entry for that
    container (`entries[2].amount`), or `entries` for a container the body left out; a
    refusal of the entries as a whole (counted twice, no longer on hand) is on `entries`."""
    if not error.fields:
        return InvalidInput(error.message, fields={"entries": [error.message]})
    index = {f"container_{entry.container_id}": i for i, entry in enumerate(entries)}
    fields: dict[str, list[str]] = {}
    for key, messages in error.fields.items():
        if key in index:
            name = f"entries[{index[key]}].amount"
        elif key.startswith("container_"):
            name = "entries"
        else:
            name = _COUNT_FIELDS.get(key, key)
        fields.setdefault(name, []).extend(messages)
    return InvalidInput(error.message, fields=fields)


class CountDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_counts_retrieve",
        summary="One count with its lines",
        description="For each container: what the ledger expected, what was counted, the "
        "difference, whether it is an estimate, and the discrepancy it opened.",
        responses={200: StockCountDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, count_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
        return _count_response(count_id, clinic, user)


# --- discrepancies -----------------------------------------------------------------------------


class DiscrepancyListQuerySerializer(serializers.Serializer):
    status = DiscrepancyFilterField(
        required=False, default="open", help_text="`open` (the default), `resolved` or `all`."
    )


class DiscrepancyListView(InventoryListEndpoint):
    serializer_class = DiscrepancySerializer

    def get_queryset(self) -> Any:
        # The service's rows carry the deadlines' flags as of today (one query).
        clinic = self.allowed_clinic()
        data = self.query(DiscrepancyListQuerySerializer)
        return discrepancy_list_for_clinic(
            acting_user=staff_caller(self.request),
            clinic=clinic,
            status=DISCREPANCY_FILTERS[data["status"]],
        )

    @extend_schema(
        operation_id="inventory_discrepancies_list",
        summary="Discrepancies, newest first, with their deadlines",
        description="Each count line that did not match the ledger, and each large correction "
        "(an adjustment or a reversal moving a container by more than "
        f"{LARGE_CORRECTION_PERCENT} % of what it was received with: `correction_id`), with its "
        "judgement, the DEA notice's and Form 106's deadlines and dates, and whether any is "
        "overdue (as of the clinic's today). A large adjustment up is stock found, judged not a "
        "loss when it is opened.",
        parameters=[DiscrepancyListQuerySerializer],
        responses={200: DiscrepancySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _discrepancy_response(discrepancy_id: int, clinic: Clinic, user: User) -> Response:
    row = discrepancy_get(acting_user=user, clinic=clinic, discrepancy_id=discrepancy_id)
    return Response(DiscrepancySerializer(row, context=_context(clinic)).data)


class DiscrepancyDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_discrepancies_retrieve",
        summary="One discrepancy with its findings and deadlines",
        responses={200: DiscrepancySerializer, **ERRORS},
    )
    def get(self, request: Request, discrepancy_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
        return _discrepancy_response(discrepancy_id, clinic, user)


class DiscrepancyWriteEndpoint(StaffEndpoint, abc.ABC):
    """One discrepancy step: permission, the row, the body, then the step's service (`act`)."""

    input_serializer: type[serializers.Serializer]

    def post(self, request: Request, discrepancy_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        row = discrepancy_get(acting_user=user, clinic=clinic, discrepancy_id=discrepancy_id)
        data = _body(self.input_serializer, request)
        self.act(request, user=user, clinic=clinic, row=row, data=data)
        return _discrepancy_response(discrepancy_id, clinic, user)

    @abc.abstractmethod
    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None: ...


class DiscrepancyFindingsView(DiscrepancyWriteEndpoint):
    input_serializer = DiscrepancyFindingsInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_findings",
        summary="Record the findings and judge whether it is theft or significant loss",
        description="Appended to the findings, dated and signed. Judged theft or significant "
        "loss, the DEA notice is due one business day after discovery and Form 106 within 45 "
        "days. 409 once resolved, or to undo the judgement after the DEA was notified.",
        request=DiscrepancyFindingsInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_assess(
            acting_user=user,
            discrepancy=row.discrepancy,
            is_theft_or_significant_loss=data["is_theft_or_significant_loss"],
            findings=data["findings"],
        )


class DiscrepancyDeaNoticeView(DiscrepancyWriteEndpoint):
    input_serializer = DeaNoticeInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_dea_notice",
        summary="Record the written notice to the DEA",
        description="The day it was sent (neither in the future nor before discovery). 409 "
        "before the judgement of theft or significant loss, or when already recorded.",
        request=DeaNoticeInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_dea_notice_record(
            acting_user=user,
            discrepancy=row.discrepancy,
            sent_on=data["sent_on"],
            note=data["note"],
        )


class DiscrepancyForm106View(DiscrepancyWriteEndpoint):
    input_serializer = Form106InputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_form_106",
        summary="Record the filing of DEA Form 106",
        description="The day it was filed and its confirmation number. 409 unless judged theft "
        "or significant loss, or when already recorded.",
        request=Form106InputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        discrepancy_form_106_record(
            acting_user=user,
            discrepancy=row.discrepancy,
            filed_on=data["filed_on"],
            reference=data["reference"],
        )


_APPROVER_FIELDS = {"approver": "approver_id"}


class DiscrepancyResolveView(DiscrepancyWriteEndpoint):
    input_serializer = DiscrepancyResolveInputSerializer

    @extend_schema(
        operation_id="inventory_discrepancies_resolve",
        summary="Resolve a discrepancy",
        description="With the findings that close it. `adjust_balance: true` corrects the "
        "container by the counted difference (an `adjustment` on the ledger), signed off by a "
        "second person who records stock and signs with their own password (`approver_id`, "
        "`approver_password`, checked like a sign-in); not for a discrepancy opened by a "
        "correction, which is already on the ledger (400). The adjustment may not take the "
        "container below zero or past what it was received with (409). 409 before the "
        "judgement, or for theft or significant loss before the DEA notice and Form 106 are "
        "recorded.",
        request=DiscrepancyResolveInputSerializer,
        responses={200: DiscrepancySerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, discrepancy_id: int) -> Response:
        return super().post(request, discrepancy_id)

    def act(
        self, request: Request, *, user: User, clinic: Clinic, row: DiscrepancyRow, data: Any
    ) -> None:
        approver = _approver(request, clinic, data)
        try:
            discrepancy_resolve(
                acting_user=user,
                discrepancy=row.discrepancy,
                findings=data["findings"],
                adjust_balance=data["adjust_balance"],
                approver=approver,
            )
        except PermissionRefused as error:
            if "approver" not in error.fields:
                raise
            raise InvalidInput(error.message, fields={"approver_id": [error.message]}) from error
        except InvalidInput as error:
            raise _field_id(error, _APPROVER_FIELDS) from error


def _approver(request: Request, clinic: Clinic, data: dict[str, Any]) -> User | None:
    """Who signs off the adjustment, having signed with their own password."""
    approver_id = data.get("approver_id")
    password = data.get("approver_password")
    if not data["adjust_balance"]:
        extra: dict[str, list[str]] = {}
        if approver_id:
            extra["approver_id"] = ["Only with `adjust_balance: true`."]
        if password is not None:
            extra["approver_password"] = ["Only with `adjust_balance: true`."]
        if extra:
            raise InvalidInput("Nothing is adjusted, so nobody signs off.", fields=extra)
        return None
    if not approver_id:
        raise InvalidInput(
            "An adjustment is signed off by a second person.",
            fields={"approver_id": ["Required with `adjust_balance: true`."]},
        )
    try:
        approver = witness_get(clinic=clinic, user_id=approver_id)
    except InvalidInput as error:
        raise InvalidInput(
            "The approver must be a member of staff at this clinic.",
            fields={"approver_id": ["No member of staff at this clinic has this id."]},
        ) from error
    try:
        # Asked before the password, as on the staff adjustment page, so that the refusal names
        # the approver rather than reading as the caller's own.
        require_permission(user=approver, action=Action.INVENTORY_RECORD, clinic=clinic)
    except PermissionRefused as error:
        name = approver.full_name or approver.email
        message = f"{name} cannot sign off: {error.message}"
        raise InvalidInput(message, fields={"approver_id": [error.message]}) from error
    if password is None:
        raise InvalidInput(
            "The approver signs with their own password.",
            fields={"approver_password": ["Required with an approver."]},
        )
    witness_signature_check(
        request=request._request, witness=approver, password=password, field="approver_password"
    )
    return approver


# --- reports -----------------------------------------------------------------------------------


class ReportQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False,
        help_text="First clinic day of the period, YYYY-MM-DD (dispensing, receipts, waste); "
        "the first of `end`'s month by default.",
    )
    end = serializers.DateField(
        required=False,
        help_text="Last clinic day of the period, inclusive; today by default. At most two years.",
    )
    product_id = serializers.IntegerField(
        required=False, min_value=1, help_text="One product (all but the inventory)."
    )
    location_id = serializers.IntegerField(
        required=False, min_value=1, help_text="One location (current balances)."
    )
    count_id = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="One initial or biennial inventory (the inventory report); the latest by "
        "default.",
    )
    format = ReportFormatField(
        required=False,
        default="json",
        help_text="`json` (the default), or `csv`: the main table as a spreadsheet file. The "
        "PDF is on the staff report page.",
    )


class _JsonOnly(DefaultContentNegotiation):
    """`?format=` chooses JSON or CSV here, not a DRF renderer: answer with the view's one
    renderer (JSON, also for every error); the CSV is returned as it is."""

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


def _takes(kind: ReportKind, name: str) -> bool:
    """Whether the report takes this filter (as the staff report form decides)."""
    if name in ("start", "end"):
        return kind.uses_period
    if name == "product_id":
        return kind.uses_product
    if name == "location_id":
        return kind.uses_location
    return kind.slug == "inventory"  # count_id


def _report_filters(clinic: Clinic, slug: str, data: dict[str, Any]) -> ReportFilters:
    kind = REPORTS[slug]
    unused = {
        name: [f"The {kind.title.lower()} report does not take this filter."]
        for name in data
        if not _takes(kind, name)
    }
    if unused:
        raise InvalidInput("Some filters do not apply to this report.", fields=unused)
    start: datetime.date | None = None
    end: datetime.date | None = None
    if kind.uses_period:
        end = data.get("end", clinic.local_today())
        start = data.get("start", end.replace(day=1))
    count = None
    if "count_id" in data:
        count = StockCount.objects.filter(
            clinic=clinic, kind__in=INVENTORY_KINDS, pk=data["count_id"]
        ).first()
        if count is None:
            raise NotFound("No such inventory at this clinic.")
    return ReportFilters(
        start=start,
        end=end,
        product=product_get(clinic=clinic, product_id=data["product_id"])
        if "product_id" in data
        else None,
        location=location_get(clinic=clinic, location_id=data["location_id"])
        if "location_id" in data
        else None,
        count=count,
    )


class ReportView(StaffEndpoint):
    content_negotiation_class = _JsonOnly

    @extend_schema(
        operation_id="inventory_reports_retrieve",
        summary="A Schedule III report",
        description="`dispensing` (every administration with the patient's name and address, "
        "every waste with its witness; `start`, `end`, `product_id`), `receipts` (by the date "
        "received; `start`, `end`, `product_id`), `waste` (waste, breakage, destruction, "
        "returns; `start`, `end`, `product_id`), `balances` (now; `product_id`, `location_id`), "
        "`inventory` (an initial or biennial inventory; `count_id`, the latest by default). A "
        "filter the report does not take is a 400; another clinic's product, location or "
        "inventory a 404. The same tables as the staff report page, its CSV and its PDF. "
        "Reading the dispensing or waste report, which name patients, is recorded in the "
        "audit trail as the staff page records it.",
        parameters=[
            OpenApiParameter(
                "report",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=list(REPORTS),
                description="Which report.",
            ),
            ReportQuerySerializer,
        ],
        responses={
            (200, "application/json"): ReportSerializer,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description="With `?format=csv`: the main table."
            ),
            **ERRORS,
        },
    )
    def get(self, request: Request, report: str) -> Response | HttpResponse:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
        if report not in REPORTS:
            raise NotFound("No such report.")
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(query.validated_data)
        fmt = data.pop("format")
        filters = _report_filters(clinic, report, data)
        built = report_build(acting_user=user, clinic=clinic, slug=report, filters=filters)
        if built.data.names_patients:
            # The log names patients and their addresses: reading it is a read of their records.
            audit_record(
                actor=user,
                action=AuditAction.PATIENT_LIST_VIEWED,
                clinic=clinic,
                detail={
                    "report": f"inventory.{report}",
                    "format": fmt,
                    **built.filters.as_detail(),
                },
            )
        if fmt == "csv":
            return report_csv_response(built)
        return Response(ReportSerializer(built, context=_context(clinic)).data)
