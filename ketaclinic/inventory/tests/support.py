"""Stock for inventory tests: products, a safe, a receipt, and a treatment to draw for; the
`stock` fixture (three vials in the main safe) for the conftests of the inventory and API tests."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from ketaclinic.courses.services import dose_order_sign
from ketaclinic.courses.tests.support import course_for, open_weekdays
from ketaclinic.inventory.models import Container, Product, ProductForm, StorageLocation
from ketaclinic.inventory.services import stock_receive
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.testing.factories import ChairFactory
from ketaclinic.testing.personas import Personas

SUPPLIER = {
    "supplier_name": "Henry Schein Medical",
    "supplier_address": "135 Duryea Road, Melville, NY 11747",
    "supplier_dea_number": "BR1234563",
    "invoice_number": "INV-88120",
}


def ketamine_50(clinic: Any) -> Product:
    return Product.objects.create(
        clinic=clinic,
        name="Ketamine HCl 50 mg/mL, 10 mL multi-dose vial",
        form=ProductForm.VIAL,
        ndc="42023-0114-10",
        strength_mg_per_ml=Decimal("50"),
        volume_ml=Decimal("10"),
    )


def esketamine_56(clinic: Any) -> Product:
    return Product.objects.create(
        clinic=clinic,
        name="Esketamine 28 mg device, kit of 2 (56 mg)",
        form=ProductForm.DEVICE_KIT,
        ndc="50458-028-02",
        devices_per_kit=2,
        mg_per_device=Decimal("28"),
    )


def safe(clinic: Any, name: str = "Main safe") -> StorageLocation:
    return StorageLocation.objects.create(clinic=clinic, name=name)


def receive(
    personas: Personas,
    product: Product,
    location: StorageLocation,
    *,
    count: int = 2,
    lot: str = "L2611A",
    expires_on: datetime.date | None = None,
) -> list[Container]:
    today = personas.clinic.local_today()
    return stock_receive(
        acting_user=personas.nina,
        product=product,
        lot_number=lot,
        expires_on=expires_on or today + datetime.timedelta(days=365),
        container_count=count,
        location=location,
        received_on=today,
        **SUPPLIER,
    )


def infusion(personas: Personas, *, days_ahead: int = 1, hour: int = 9) -> Appointment:
    """A booked IV infusion for `pat` under a signed course with a dose order."""
    open_weekdays(personas.clinic)
    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    day = personas.clinic.local_today() + datetime.timedelta(days=days_ahead)
    return appointment_book(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.IV_INFUSION,
        starts_at=local_moment(clinic=personas.clinic, day=day, time=datetime.time(hour)),
        chair=ChairFactory(room__clinic=personas.clinic),
        course=course,
    )


@dataclass
class Stock:
    product: Product
    location: StorageLocation
    vials: list[Container]


@pytest.fixture
def stock(personas: Personas) -> Stock:
    product = ketamine_50(personas.clinic)
    location = safe(personas.clinic)
    return Stock(product, location, receive(personas, product, location, count=3))
