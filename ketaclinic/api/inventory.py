"""REST endpoints for the Schedule III stock (issue 6): products, locations, lots, containers
with their balances, the ledger's movements, and the writes a session needs — a receipt, a draw,
what was administered, and the waste of the rest before a witness.

Amounts in: millilitres for a vial (to 0.001 mL) or whole devices for a kit, turned into the
ledger's base units by `inventory.services.units_from_amount`, which refuses rather than rounds.
Amounts out: both, the base units (`*_units`: microlitres or devices, exact integers) and the
amount in the product's unit. A waste's witness signs in the body with their own password
(`witness_id` and `witness_password`), checked like a sign-in, as on the staff page: a token
acts as one person, so it cannot also be the second person's signature.
Counts and reports are other endpoints (not here).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller, witness_get
from ketaclinic.api.fields import ClinicDateTimeField, NamedEnum, clinic_context
from ketaclinic.api.inputs import (
    AdministrationInputSerializer,
    DrawInputSerializer,
    MovementKindField,
    ReceiptInputSerializer,
    WasteInputSerializer,
)
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.catalog import (
    container_get,
    container_list_for_clinic,
    draw_get,
    location_get,
    location_list_for_clinic,
    lot_list_for_clinic,
    movement_get,
    movement_list_for_clinic,
    product_get,
    product_list_for_clinic,
)
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Lot,
    Movement,
    MovementKind,
    Product,
    ProductForm,
    StorageLocation,
)
from ketaclinic.inventory.services import (
    container_draw,
    draw_administer,
    draw_waste,
    stock_receive,
    units_from_amount,
)
from ketaclinic.inventory.stock_forms import witness_signature_check
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.selectors import day_bounds

APPOINTMENT_NOT_FOUND = "No such appointment at this clinic."

# --- enums with their own names ----------------------------------------------------------------


class ProductFormField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProductForm.choices, **kwargs)


class ContainerStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ContainerStatus.choices, **kwargs)


class ProductFormEnum(NamedEnum):
    target_class = "ketaclinic.api.inventory.ProductFormField"
    component_name = "ProductFormEnum"
    choices = list(ProductForm.choices)


class ContainerStatusEnum(NamedEnum):
    target_class = "ketaclinic.api.inventory.ContainerStatusField"
    component_name = "ContainerStatusEnum"
    choices = list(ContainerStatus.choices)


class MovementKindEnum(NamedEnum):
    target_class = "ketaclinic.api.inputs.MovementKindField"
    component_name = "MovementKindEnum"
    choices = list(MovementKind.choices)


# --- shapes ------------------------------------------------------------------------------------


def _amount(product: Product, units: int) -> str:
    """Base units in the product's unit, as a decimal string like the API's other amounts:
    mL for a vial ("0.800"), devices for a kit ("2.000")."""
    value = Decimal(units) / 1000 if product.is_vial else Decimal(units)
    return f"{value:.3f}"


AMOUNT = serializers.DecimalField(max_digits=12, decimal_places=3)
MILLIGRAMS = serializers.DecimalField(max_digits=14, decimal_places=3)
UNIT_HELP = "`mL` for a vial, `devices` for a kit."


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
        return _amount(container.lot.product, container.balance)

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
        return _amount(movement.product, units)


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
        return _amount(draw.container.lot.product, draw.quantity)

    @extend_schema_field(AMOUNT)
    def get_balance(self, draw: Draw) -> str:
        return _amount(draw.container.lot.product, draw.balance)


class ReceiptSerializer(serializers.Serializer):
    containers = ContainerSerializer(many=True, help_text="One per vial or kit, labelled.")


def _context(clinic: Clinic) -> dict[str, Any]:
    return {**clinic_context(clinic), "today": clinic.local_today(), "now": timezone.now()}


# --- query parameters --------------------------------------------------------------------------


class LotListQuerySerializer(serializers.Serializer):
    product_id = serializers.IntegerField(required=False, min_value=1, help_text="One product.")


class ContainerListQuerySerializer(LotListQuerySerializer):
    status = ContainerStatusField(required=False, help_text="One status; every one by default.")
    location_id = serializers.IntegerField(required=False, min_value=1, help_text="One location.")


class MovementListQuerySerializer(LotListQuerySerializer):
    kind = MovementKindField(required=False, help_text="One kind of movement.")
    since = serializers.DateField(
        required=False, help_text="From this clinic day on, YYYY-MM-DD (inclusive)."
    )
    until = serializers.DateField(
        required=False, help_text="Up to this clinic day, YYYY-MM-DD (inclusive)."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until < since:
            raise serializers.ValidationError({"until": ["Must not be before `since`."]})
        return attrs


# --- reads -------------------------------------------------------------------------------------


class InventoryListEndpoint(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **_context(api_clinic(self.request))}

    def allowed_clinic(self) -> Clinic:
        clinic = api_clinic(self.request)
        # Permission before the query is read.
        require_permission(
            user=staff_caller(self.request), action=Action.INVENTORY_VIEW, clinic=clinic
        )
        return clinic

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        query = serializer_class(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data: dict[str, Any] = query.validated_data
        return data


class ProductListView(InventoryListEndpoint):
    serializer_class = ProductSerializer

    def get_queryset(self) -> QuerySet[Product]:
        return product_list_for_clinic(clinic=self.allowed_clinic()).order_by("name", "id")

    @extend_schema(
        operation_id="inventory_products_list",
        summary="The clinic's controlled-substance products",
        description="Vials (strength, volume) and esketamine kits (devices, mg per device), "
        "including those no longer stocked (`is_active` false).",
        responses={200: ProductSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LocationListView(InventoryListEndpoint):
    serializer_class = LocationSerializer

    def get_queryset(self) -> QuerySet[StorageLocation]:
        return location_list_for_clinic(clinic=self.allowed_clinic()).order_by("name", "id")

    @extend_schema(
        operation_id="inventory_locations_list",
        summary="Where the clinic keeps its stock",
        responses={200: LocationSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class LotListView(InventoryListEndpoint):
    serializer_class = LotSerializer

    def get_queryset(self) -> QuerySet[Lot]:
        clinic = self.allowed_clinic()
        data = self.query(LotListQuerySerializer)
        lots = lot_list_for_clinic(clinic=clinic)
        if "product_id" in data:
            lots = lots.filter(product_id=data["product_id"])
        return lots

    @extend_schema(
        operation_id="inventory_lots_list",
        summary="Lots received, earliest expiry first",
        parameters=[LotListQuerySerializer],
        responses={200: LotSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ContainerListView(InventoryListEndpoint):
    serializer_class = ContainerSerializer

    def get_queryset(self) -> QuerySet[Container]:
        clinic = self.allowed_clinic()
        data = self.query(ContainerListQuerySerializer)
        containers = container_list_for_clinic(clinic=clinic)
        if "product_id" in data:
            containers = containers.filter(lot__product_id=data["product_id"])
        if "status" in data:
            containers = containers.filter(status=data["status"])
        if "location_id" in data:
            containers = containers.filter(location_id=data["location_id"])
        return containers

    @extend_schema(
        operation_id="inventory_containers_list",
        summary="Every vial and kit with its balance",
        description="By label. The balance is the sum of the container's movements, in base "
        "units (`balance_units`) and in mL or devices (`balance`); expired and beyond-use "
        "containers are flagged and cannot be drawn from.",
        parameters=[ContainerListQuerySerializer],
        responses={200: ContainerSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ContainerDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inventory_containers_retrieve",
        summary="One vial or kit with its balance",
        responses={200: ContainerSerializer, **ERRORS},
    )
    def get(self, request: Request, container_id: int) -> Response:
        clinic = api_clinic(request)
        require_permission(user=staff_caller(request), action=Action.INVENTORY_VIEW, clinic=clinic)
        container = container_get(clinic=clinic, container_id=container_id)
        return Response(ContainerSerializer(container, context=_context(clinic)).data)


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
        MovementSerializer(movement, context=_context(clinic)).data,
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
        DrawSerializer(draw, context=_context(clinic)).data,
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


# --- writes ------------------------------------------------------------------------------------


def _body(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    data: dict[str, Any] = payload.validated_data
    return data


def _field_id(error: InvalidInput, names: dict[str, str]) -> InvalidInput:
    """The service's field messages under the names of the API's body (`location` →
    `location_id`)."""
    fields = {names.get(key, key): value for key, value in error.fields.items()}
    return InvalidInput(error.message, fields=fields)


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
        data = _body(ReceiptInputSerializer, request)
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
            raise _field_id(error, {"location": "location_id", "product": "product_id"}) from error
        context = _context(clinic)
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
        data = _body(DrawInputSerializer, request)
        container = container_get(clinic=clinic, container_id=data["container_id"])
        appointment = Appointment.objects.filter(clinic=clinic, pk=data["appointment_id"]).first()
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
        data = _body(AdministrationInputSerializer, request)
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
        data = _body(WasteInputSerializer, request)
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
            raise _field_id(error, _WITNESS_FIELDS) from error
        return _movement_response(movement.pk, clinic, created=True)
