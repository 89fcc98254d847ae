"""The stock API's choice fields, each with its enum as a named component of the OpenAPI
document (drf-spectacular would otherwise name an enum after the field, and `status` or `kind`
mean different things on different resources), and the amounts it answers with."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from ketaclinic.api.fields import NamedEnum
from ketaclinic.inventory.models import (
    BusinessTiming,
    ContainerStatus,
    CountKind,
    DiscrepancyStatus,
    MovementKind,
    Product,
    ProductForm,
)

# --- enums with their own names ----------------------------------------------------------------


class ProductFormField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ProductForm.choices, **kwargs)


class ContainerStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ContainerStatus.choices, **kwargs)


class MovementKindField(serializers.ChoiceField):
    """A ledger movement's kind, as the `MovementKindEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MovementKind.choices, **kwargs)


class CountKindField(serializers.ChoiceField):
    """A count's kind, as the `CountKindEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CountKind.choices, **kwargs)


class BusinessTimingField(serializers.ChoiceField):
    """Opening or close of business, as the `BusinessTimingEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=BusinessTiming.choices, **kwargs)


class DiscrepancyStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DiscrepancyStatus.choices, **kwargs)


DISCREPANCY_FILTER_CHOICES = [("open", "Open"), ("resolved", "Resolved"), ("all", "All")]


class DiscrepancyFilterField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=DISCREPANCY_FILTER_CHOICES, **kwargs)


REPORT_FORMAT_CHOICES = [("json", "JSON tables"), ("csv", "The main table as CSV")]


class ReportFormatField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=REPORT_FORMAT_CHOICES, **kwargs)


class ProductFormEnum(NamedEnum):
    target_class = ProductFormField
    component_name = "ProductFormEnum"
    choices = list(ProductForm.choices)


class ContainerStatusEnum(NamedEnum):
    target_class = ContainerStatusField
    component_name = "ContainerStatusEnum"
    choices = list(ContainerStatus.choices)


class MovementKindEnum(NamedEnum):
    target_class = MovementKindField
    component_name = "MovementKindEnum"
    choices = list(MovementKind.choices)


class CountKindEnum(NamedEnum):
    target_class = CountKindField
    component_name = "CountKindEnum"
    choices = list(CountKind.choices)


class BusinessTimingEnum(NamedEnum):
    target_class = BusinessTimingField
    component_name = "BusinessTimingEnum"
    choices = list(BusinessTiming.choices)


class DiscrepancyStatusEnum(NamedEnum):
    target_class = DiscrepancyStatusField
    component_name = "DiscrepancyStatusEnum"
    choices = list(DiscrepancyStatus.choices)


class DiscrepancyFilterEnum(NamedEnum):
    target_class = DiscrepancyFilterField
    component_name = "DiscrepancyFilterEnum"
    choices = DISCREPANCY_FILTER_CHOICES


class ReportFormatEnum(NamedEnum):
    target_class = ReportFormatField
    component_name = "ReportFormatEnum"
    choices = REPORT_FORMAT_CHOICES


# --- amounts -----------------------------------------------------------------------------------


def amount_text(product: Product, units: int) -> str:
    """Base units in the product's unit, as a decimal string like the API's other amounts:
    mL for a vial ("0.800"), devices for a kit ("2.000")."""
    value = Decimal(units) / 1000 if product.is_vial else Decimal(units)
    return f"{value:.3f}"


AMOUNT = serializers.DecimalField(max_digits=12, decimal_places=3)
MILLIGRAMS = serializers.DecimalField(max_digits=14, decimal_places=3)
UNIT_HELP = "`mL` for a vial, `devices` for a kit."
UNITS_HELP = "Base units: microlitres for a vial, devices for a kit."
