"""The counts' endpoints: shift and daily counts of a location and the initial and biennial
inventories, through the same service as the staff count page (`inventory.counts`).

A count lists every container on hand, each found or not, opened ones with what is left; the
witness of an initial or biennial inventory signs with their own password in the body, checked
like a sign-in exactly as a waste's witness is (`witness_signature_check`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    StaffEndpoint,
    staff_caller,
    validated_body,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.selectors import witness_get
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.inventory.api.common import InventoryListEndpoint
from ketaclinic.inventory.api.inputs import CountInputSerializer
from ketaclinic.inventory.api.outputs import (
    StockCountDetailSerializer,
    StockCountSerializer,
    discrepancy_of,
    output_context,
)
from ketaclinic.inventory.catalog import location_get
from ketaclinic.inventory.counts import CountEntry, stock_count_get, stock_count_record
from ketaclinic.inventory.counts.history import stock_count_query_for_clinic
from ketaclinic.inventory.models import StockCount
from ketaclinic.inventory.stock_forms import witness_signature_check


def _count_response(
    count_id: int, clinic: Clinic, user: User, *, created: bool = False
) -> Response:
    count, lines = stock_count_get(acting_user=user, clinic=clinic, count_id=count_id)
    # The count as a mapping, so that its `lines` are the rows with their amounts.
    fields: dict[str, Any] = {name: getattr(count, name) for name in _COUNT_ATTRIBUTES}
    fields["line_total"] = len(lines)
    fields["discrepancy_total"] = sum(1 for row in lines if discrepancy_of(row) is not None)
    fields["lines"] = lines
    data = StockCountDetailSerializer(fields, context=output_context(clinic)).data
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
        return stock_count_query_for_clinic(clinic=self.allowed_clinic())

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
        data = validated_body(CountInputSerializer, request)
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
