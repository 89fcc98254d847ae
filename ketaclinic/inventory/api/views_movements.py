"""The ledger's endpoints: its movements, and the writes a session needs — a receipt, a
draw, what was administered, and the waste of the rest before a witness.

A waste's witness signs in the body with their own password (`witness_id` and
`witness_password`), checked like a sign-in, as on the staff page: a token acts as one person, so
it cannot also be the second person's signature.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

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
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.api.common import InventoryListEndpoint, field_id
from ketaclinic.inventory.api.inputs import (
    AdministrationInputSerializer,
    DrawInputSerializer,
    MovementListQuerySerializer,
    ReceiptInputSerializer,
    WasteInputSerializer,
)
from ketaclinic.inventory.api.outputs import (
    DrawSerializer,
    MovementSerializer,
    ReceiptSerializer,
    output_context,
)
from ketaclinic.inventory.catalog import (
    container_get,
    container_list_for_clinic,
    draw_get,
    location_get,
    movement_get,
    movement_list_for_clinic,
    product_get,
)
from ketaclinic.inventory.models import Movement
from ketaclinic.inventory.services import (
    container_draw,
    draw_administer,
    draw_waste,
    stock_receive,
    units_from_amount,
)
from ketaclinic.inventory.stock_forms import witness_signature_check
from ketaclinic.scheduling.selectors import (
    APPOINTMENT_NOT_FOUND,
    appointment_get_for_clinic,
    day_bounds,
)


class MovementListView(InventoryListEndpoint):
    serializer_class = MovementSerializer

    def get_queryset(self) -> QuerySet[Movement]:
        clinic = self.allowed_clinic()
        data = self.query(MovementListQuerySerializer)
        since = day_bounds(clinic=clinic, day=data["since"])[0] if "since" in data else None
        until = day_bounds(clinic=clinic, day=data["until"])[1] if "until" in data else None
        movements = movement_list_for_clinic(
            clinic=clinic, kind=data.get("kind"), since=since, until=until
        )
        if "product_id" in data:
            movements = movements.filter(product_id=data["product_id"])
        return movements

    @extend_schema(
        operation_id="inventory_movements_list",
        summary="The ledger, in the order it was written",
        description="Every movement of stock at the clinic, filtered by product, kind and "
        "period (clinic days, inclusive). Entries are never changed or deleted: a correction "
        "is a `reversal` naming the entry it reverses.",
        parameters=[MovementListQuerySerializer],
        responses={200: MovementSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _movement_response(movement_id: int, clinic: Clinic, *, created: bool = False) -> Response:
    movement = movement_get(clinic=clinic, movement_id=movement_id)
    response = Response(
        MovementSerializer(movement, context=output_context(clinic)).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )
    if created:
        response["Location"] = reverse(
            "api_inventory_movement", kwargs={"movement_id": movement_id}
        )
    return response


class MovementDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_movements_retrieve",
        summary="One ledger entry",
        responses={200: MovementSerializer, **ERRORS},
    )
    def get(self, request: Request, movement_id: int) -> Response:
        clinic = api_clinic(request)
        require_permission(user=staff_caller(request), action=Action.INVENTORY_VIEW, clinic=clinic)
        return _movement_response(movement_id, clinic)


def _draw_response(draw_id: int, clinic: Clinic, *, created: bool = False) -> Response:
    draw = draw_get(clinic=clinic, draw_id=draw_id)
    response = Response(
        DrawSerializer(draw, context=output_context(clinic)).data,
        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
    )
    if created:
        response["Location"] = reverse("api_inventory_draw", kwargs={"draw_id": draw_id})
    return response


class DrawDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_draws_retrieve",
        summary="One draw for a session, with what is left to account for",
        responses={200: DrawSerializer, **ERRORS},
    )
    def get(self, request: Request, draw_id: int) -> Response:
        clinic = api_clinic(request)
        require_permission(user=staff_caller(request), action=Action.INVENTORY_VIEW, clinic=clinic)
        return _draw_response(draw_id, clinic)


class ReceiptCreateView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_receipts_create",
        summary="Receive stock",
        description="One receipt line per container (21 CFR 1304.22(c)): the supplier's name, "
        "address and DEA number, the invoice, the date actually received, the lot and its "
        "expiry. Each container gets a label (`V-00001`, `KIT-00001`) to write on it. Refused "
        "(400): a lot already expired when received, a date received in the future, a "
        "supplier DEA number that fails its check digit, a lot on record with another "
        "expiry, a location out of service. Recorded as `inventory.movement`.",
        request=ReceiptInputSerializer,
        responses={201: ReceiptSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        data = validated_body(ReceiptInputSerializer, request)
        product = product_get(clinic=clinic, product_id=data.pop("product_id"))
        location = location_get(clinic=clinic, location_id=data.pop("location_id"))
        if not location.is_active:
            raise InvalidInput(
                f"{location.name} is out of service.",
                fields={"location_id": ["Choose a location in service."]},
            )
        if not product.is_active:
            raise InvalidInput(
                f"{product.name} is no longer stocked.",
                fields={"product_id": ["Choose a product the clinic stocks."]},
            )
        try:
            containers = stock_receive(acting_user=user, product=product, location=location, **data)
        except InvalidInput as error:
            raise field_id(error, {"location": "location_id", "product": "product_id"}) from error
        context = output_context(clinic)
        fresh = container_list_for_clinic(clinic=clinic).filter(
            pk__in=[container.pk for container in containers]
        )
        return Response(
            ReceiptSerializer({"containers": list(fresh)}, context=context).data,
            status=status.HTTP_201_CREATED,
        )


class DrawCreateView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_draws_create",
        summary="Draw from a container for a treatment session",
        description="For a booked treatment at the clinic (IV infusion, pain infusion, booster: "
        "a vial; esketamine: a kit). Opening a sealed vial starts its beyond-use clock. "
        "Refused: 409 `precondition_failed` for more than the container holds, an expired "
        "lot, a vial past its beyond-use date, an empty or removed container, a visit that is "
        "no longer booked; 400 for a product not given in that kind of visit or an amount "
        "finer than 0.001 mL (or part of a device). Needs `session.chart`.",
        request=DrawInputSerializer,
        responses={201: DrawSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.SESSION_CHART, clinic=clinic)
        data = validated_body(DrawInputSerializer, request)
        container = container_get(clinic=clinic, container_id=data["container_id"])
        appointment = appointment_get_for_clinic(
            clinic=clinic, appointment_id=data["appointment_id"]
        )
        if appointment is None:
            raise NotFound(APPOINTMENT_NOT_FOUND)
        quantity = units_from_amount(container.lot.product, data["quantity"])
        draw = container_draw(
            acting_user=user, container=container, quantity=quantity, appointment=appointment
        )
        return _draw_response(draw.pk, clinic, created=True)


class DrawAdministrationView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_draws_administer",
        summary="Record what the patient received from a draw",
        description="Amount, patient, date and who (21 CFR 1304.22(c)); the caller is who "
        "administered it. 409 for more than is left of the draw. Needs "
        "`medication.administer`. Answers with the ledger entry.",
        request=AdministrationInputSerializer,
        responses={201: MovementSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, draw_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.MEDICATION_ADMINISTER, clinic=clinic)
        draw = draw_get(clinic=clinic, draw_id=draw_id)
        data = validated_body(AdministrationInputSerializer, request)
        quantity = units_from_amount(draw.container.lot.product, data["quantity"])
        movement = draw_administer(acting_user=user, draw=draw, quantity=quantity)
        return _movement_response(movement.pk, clinic, created=True)


_WITNESS_FIELDS = {"witness": "witness_id"}


class DrawWasteView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_draws_waste",
        summary="Waste what is left of a draw, before a witness",
        description="The witness is another member of staff at the clinic with a current "
        "licence (`inventory.witness`), and signs with their own password in the body "
        "(`witness_id`, `witness_password`), checked like a sign-in: a wrong password is a 400 "
        "on `witness_password` and nothing is recorded; after five wrong passwords from one "
        "address, signing as the witness is paused there (429 `rate_limited`; their sign-in is "
        "not affected). The caller as witness, "
        "or a witness without a current licence, is a 400 on `witness_id`. 409 for more than "
        "is left of the draw. Needs `medication.administer`. Answers with the ledger entry.",
        request=WasteInputSerializer,
        responses={201: MovementSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, draw_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.MEDICATION_ADMINISTER, clinic=clinic)
        draw = draw_get(clinic=clinic, draw_id=draw_id)
        data = validated_body(WasteInputSerializer, request)
        witness = witness_get(clinic=clinic, user_id=data["witness_id"])
        quantity = units_from_amount(draw.container.lot.product, data["quantity"])
        witness_signature_check(
            request=request._request,
            witness=witness,
            password=data["witness_password"],
            field="witness_password",
        )
        try:
            movement = draw_waste(
                acting_user=user,
                draw=draw,
                quantity=quantity,
                reason=data["reason"],
                witness=witness,
            )
        except PermissionRefused as error:
            if "witness" not in error.fields:
                raise
            # About the witness, not the caller: a problem with the body, not a refusal of who
            # is calling.
            raise InvalidInput(error.message, fields={"witness_id": [error.message]}) from error
        except InvalidInput as error:
            raise field_id(error, _WITNESS_FIELDS) from error
        return _movement_response(movement.pk, clinic, created=True)
