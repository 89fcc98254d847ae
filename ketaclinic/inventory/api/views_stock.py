"""The stock's endpoints: the clinic's products and locations, its lots, and every container
with its balance."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.inventory.api.common import InventoryListEndpoint
from ketaclinic.inventory.api.inputs import ContainerListQuerySerializer, LotListQuerySerializer
from ketaclinic.inventory.api.outputs import (
    ContainerSerializer,
    LocationSerializer,
    LotSerializer,
    ProductSerializer,
    output_context,
)
from ketaclinic.inventory.catalog import (
    container_get,
    container_list_for_clinic,
    location_list_for_clinic,
    lot_list_for_clinic,
    product_list_for_clinic,
)
from ketaclinic.inventory.models import Container, Lot, Product, StorageLocation


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
        return Response(ContainerSerializer(container, context=output_context(clinic)).data)
