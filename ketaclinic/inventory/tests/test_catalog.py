"""Products and storage locations: who keeps them, what each must carry, nothing deleted, each
change audited as a change to the clinic; and the shared reads of the stock."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionRefused,
    PreconditionFailed,
)
from ketaclinic.inventory.catalog import (
    container_get,
    container_ledger,
    location_add,
    location_set_active,
    product_add,
    product_get,
    product_set_active,
    stock_for_clinic,
)
from ketaclinic.inventory.models import Lot, Product, ProductForm
from ketaclinic.inventory.services import container_draw, draw_administer, stock_receive
from ketaclinic.inventory.tests.support import (
    SUPPLIER,
    esketamine_56,
    infusion,
    ketamine_50,
    receive,
    safe,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def add_vial(personas: Personas, **changes: object) -> Product:
    values: dict[str, object] = {
        "acting_user": personas.ada,
        "clinic": personas.clinic,
        "name": "Ketamine HCl 100 mg/mL, 5 mL vial",
        "form": ProductForm.VIAL,
        "ndc": "0409-2051-05",
        "strength_mg_per_ml": Decimal("100"),
        "volume_ml": Decimal("5"),
    }
    values.update(changes)
    return product_add(**values)


def test_the_clinic_admin_adds_a_vial_and_a_kit(personas: Personas) -> None:
    vial = add_vial(personas)
    kit = product_add(
        acting_user=personas.ada,
        clinic=personas.clinic,
        name="Esketamine 28 mg device, kit of 3 (84 mg)",
        form=ProductForm.DEVICE_KIT,
        ndc="50458-028-03",
        devices_per_kit=3,
        mg_per_device=Decimal("28"),
        strength_mg_per_ml=Decimal("5"),  # ignored for a kit
    )
    assert kit.units_per_container == 3
    assert kit.strength_mg_per_ml is None
    events = AuditEvent.objects.filter(action=AuditAction.CLINIC_UPDATED).order_by("id")
    assert [event.detail["inventory_product_added"]["ndc"] for event in events] == [
        vial.ndc,
        kit.ndc,
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"strength_mg_per_ml": None}, "strength_mg_per_ml"),
        ({"volume_ml": Decimal("0")}, "volume_ml"),
        ({"ndc": "NDC 0409"}, "ndc"),
        ({"name": "  "}, "name"),
        ({"form": "tablet"}, "form"),
    ],
)
def test_a_product_without_what_it_needs_is_refused(
    personas: Personas, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        add_vial(personas, **changes)
    assert field in refused.value.fields


def test_an_ndc_is_in_the_catalogue_once(personas: Personas) -> None:
    add_vial(personas)
    with pytest.raises(Conflict):
        add_vial(personas, name="Same vial again")


@pytest.mark.parametrize("role", list(Role))
def test_only_the_clinic_admin_keeps_the_catalogue(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.CLINIC_MANAGE].roles:
        add_vial(personas, acting_user=user)
    else:
        with pytest.raises(PermissionRefused):
            add_vial(personas, acting_user=user)


def test_a_product_is_deactivated_not_deleted(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    receive(personas, product, safe(personas.clinic))
    product_set_active(acting_user=personas.ada, product=product, is_active=False)
    product_set_active(acting_user=personas.ada, product=product, is_active=False)  # no-op
    assert not product_get(clinic=personas.clinic, product_id=product.pk).is_active
    assert AuditEvent.objects.filter(action=AuditAction.CLINIC_UPDATED).count() == 1
    with pytest.raises(PermissionRefused):
        product_set_active(acting_user=personas.nina, product=product, is_active=True)


def test_locations_are_added_by_those_who_record_stock(personas: Personas) -> None:
    cart = location_add(acting_user=personas.nina, clinic=personas.clinic, name=" Cart ")
    assert cart.name == "Cart"
    with pytest.raises(Conflict):
        location_add(acting_user=personas.ada, clinic=personas.clinic, name="cart")
    with pytest.raises(InvalidInput):
        location_add(acting_user=personas.ada, clinic=personas.clinic, name="")
    with pytest.raises(PermissionRefused):
        location_add(acting_user=personas.fran, clinic=personas.clinic, name="Desk drawer")
    event = AuditEvent.objects.get(action=AuditAction.CLINIC_UPDATED)
    assert event.detail == {"inventory_location_added": "Cart"}


def test_a_location_holding_stock_stays_in_service(personas: Personas) -> None:
    location = safe(personas.clinic)
    containers = receive(personas, ketamine_50(personas.clinic), location)
    with pytest.raises(PreconditionFailed, match="still holds 2 containers"):
        location_set_active(acting_user=personas.nina, location=location, is_active=False)
    empty = safe(personas.clinic, "Old safe")
    assert not location_set_active(
        acting_user=personas.nina, location=empty, is_active=False
    ).is_active
    assert containers


def test_another_clinics_rows_are_not_found(personas: Personas) -> None:
    today = personas.other_clinic.local_today()
    theirs = stock_receive(
        acting_user=personas.charlie,
        product=ketamine_50(personas.other_clinic),
        lot_number="B1",
        expires_on=today + datetime.timedelta(days=90),
        container_count=1,
        location=safe(personas.other_clinic),
        received_on=today,
        **SUPPLIER,
    )
    with pytest.raises(NotFound):
        container_get(clinic=personas.clinic, container_id=theirs[0].pk)
    with pytest.raises(NotFound):
        product_get(clinic=personas.clinic, product_id=theirs[0].lot.product_id)


def test_stock_is_grouped_by_product_and_lot_with_expiry(personas: Personas) -> None:
    location = safe(personas.clinic)
    vial = ketamine_50(personas.clinic)
    receive(personas, vial, location, count=2, lot="B")
    old = receive(personas, vial, location, count=1, lot="A")[0]
    Lot.objects.filter(pk=old.lot_id).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    receive(personas, esketamine_56(personas.clinic), location, count=1, lot="K")
    stock = stock_for_clinic(clinic=personas.clinic)
    assert [entry.product.form for entry in stock] == [ProductForm.DEVICE_KIT, ProductForm.VIAL]
    vials = stock[1]
    assert [(lot.lot.lot_number, lot.is_expired) for lot in vials.lots] == [
        ("A", True),
        ("B", False),
    ]
    assert (vials.balance, vials.container_count, vials.balance_mg) == (30_000, 3, Decimal(1500))


def test_the_ledger_carries_the_running_balance(personas: Personas) -> None:
    vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
    draw = container_draw(
        acting_user=personas.nina, container=vial, quantity=1_500, appointment=infusion(personas)
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=1_500)
    lines = container_ledger(container=vial)
    assert [line.balance for line in lines] == [10_000, 8_500, 8_500]
    assert not any(line.is_reversed for line in lines)
