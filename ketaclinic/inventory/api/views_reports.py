"""The reports' endpoint: the five Schedule III reports as JSON tables (or the main table as
CSV; the PDF is the staff page's), through the same builder as the staff report page
(`inventory.reports`). Reading the dispensing log or the waste report, which name patients, is
recorded as the staff page records it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound
from ketaclinic.inventory.access import report_read
from ketaclinic.inventory.api.inputs import ReportQuerySerializer
from ketaclinic.inventory.api.outputs import ReportSerializer, output_context
from ketaclinic.inventory.catalog import location_get, product_get
from ketaclinic.inventory.counts import stock_count_get_for_inventory
from ketaclinic.inventory.exports import report_csv_response
from ketaclinic.inventory.reports import REPORTS, ReportFilters, ReportKind


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
        count = stock_count_get_for_inventory(clinic=clinic, count_id=data["count_id"])
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
        # The door records the read of a report that names patients.
        built = report_read(acting_user=user, clinic=clinic, slug=report, filters=filters, fmt=fmt)
        if fmt == "csv":
            return report_csv_response(built)
        return Response(ReportSerializer(built, context=output_context(clinic)).data)
