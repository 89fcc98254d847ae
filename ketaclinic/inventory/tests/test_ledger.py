"""The Schedule III ledger: receipts, draws for a session, administration and witnessed waste,
transfers, returns, destruction, breakage, adjustments and reversals — every balance the sum of
its movements, never negative, and every refusal in words."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.inventory.models import Container, ContainerStatus, Draw, Movement, MovementKind
from ketaclinic.inventory.services import (
    breakage_record,
    container_destroy,
    container_draw,
    container_return,
    container_transfer,
    draw_administer,
    draw_waste,
    movement_reverse,
    stock_adjust,
    stock_receive,
    units_from_amount,
)
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


def _sum_of_movements(container: Container) -> int:
    total = Movement.objects.filter(container=container).aggregate(total=Sum("container_delta"))
    return int(total["total"] or 0)


def test_a_receipt_records_what_21_cfr_1304_22_asks(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    containers = receive(personas, product, safe(personas.clinic), count=3)
    assert [c.label for c in containers] == ["V-00001", "V-00002", "V-00003"]
    for container in containers:
        container.refresh_from_db()
        assert container.balance == 10_000  # 10 mL in microlitres
        assert container.balance == _sum_of_movements(container)
    receipt = Movement.objects.filter(kind=MovementKind.RECEIPT).first()
    assert receipt is not None
    assert receipt.detail["supplier_dea_number"] == "BR1234563"
    assert receipt.detail["received_on"] == personas.clinic.local_today().isoformat()
    assert receipt.detail["ndc"] == "42023-0114-10"
    assert AuditEvent.objects.filter(action=AuditAction.INVENTORY_MOVEMENT).count() == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"supplier_dea_number": "BR1234564"}, "supplier_dea_number"),
        ({"invoice_number": " "}, "invoice_number"),
        ({"container_count": 0}, "container_count"),
        ({"received_on": datetime.date(2999, 1, 1)}, "received_on"),
        ({"expires_on": datetime.date(2000, 1, 1)}, "expires_on"),
    ],
)
def test_a_bad_receipt_records_nothing(personas: Personas, changes: dict, field: str) -> None:
    product = ketamine_50(personas.clinic)
    values = {
        "acting_user": personas.nina,
        "product": product,
        "lot_number": "L1",
        "expires_on": personas.clinic.local_today() + datetime.timedelta(days=300),
        "container_count": 2,
        "location": safe(personas.clinic),
        "received_on": personas.clinic.local_today(),
        **SUPPLIER,
        **changes,
    }
    with pytest.raises(InvalidInput) as refusal:
        stock_receive(**values)
    assert field in refusal.value.fields
    assert not Container.objects.exists()
    assert not Movement.objects.exists()


def test_only_staff_who_keep_stock_receive_it(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        stock_receive(
            acting_user=personas.fran,
            product=ketamine_50(personas.clinic),
            lot_number="L1",
            expires_on=personas.clinic.local_today() + datetime.timedelta(days=300),
            container_count=1,
            location=safe(personas.clinic),
            received_on=personas.clinic.local_today(),
            **SUPPLIER,
        )
    assert not Container.objects.exists()


def test_a_session_draws_administers_and_wastes_with_a_witness(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    vial = receive(personas, product, safe(personas.clinic), count=1)[0]
    appointment = infusion(personas)
    # 0.5 mg/kg for 70 kg = 35 mg = 0.7 mL of 50 mg/mL; drawn 0.8 mL.
    draw = container_draw(
        acting_user=personas.nina,
        container=vial,
        quantity=units_from_amount(product, "0.8"),
        appointment=appointment,
    )
    vial.refresh_from_db()
    assert vial.status == ContainerStatus.OPEN
    assert vial.beyond_use_at is not None
    assert vial.opened_at is not None
    assert vial.beyond_use_at - vial.opened_at == datetime.timedelta(days=28)
    assert vial.balance == 9_200
    draw_administer(acting_user=personas.nina, draw=draw, quantity=700)
    with pytest.raises(InvalidInput, match="different person"):
        draw_waste(
            acting_user=personas.nina, draw=draw, quantity=100, reason="Left", witness=personas.nina
        )
    with pytest.raises(PermissionRefused, match="cannot witness"):
        draw_waste(
            acting_user=personas.nina, draw=draw, quantity=100, reason="Left", witness=personas.fran
        )
    with pytest.raises(PreconditionFailed, match=r"Only 0\.1 mL of this draw is left"):
        draw_waste(
            acting_user=personas.nina, draw=draw, quantity=200, reason="Left", witness=personas.bob
        )
    waste = draw_waste(
        acting_user=personas.nina,
        draw=draw,
        quantity=100,
        reason="Remainder in syringe",
        witness=personas.bob,
    )
    draw.refresh_from_db()
    assert draw.balance == 0
    assert waste.witness == personas.bob
    administered = Movement.objects.get(kind=MovementKind.ADMINISTRATION)
    assert administered.patient == personas.pat
    assert product.mg_for(-administered.draw_delta) == Decimal("35")


def test_a_vial_cannot_be_overdrawn(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    vial = receive(personas, product, safe(personas.clinic), count=1)[0]
    appointment = infusion(personas)
    container_draw(
        acting_user=personas.nina, container=vial, quantity=9_000, appointment=appointment
    )
    with pytest.raises(PreconditionFailed, match=r"V-00001 holds 1 mL; 1\.5 mL cannot be taken"):
        container_draw(
            acting_user=personas.nina, container=vial, quantity=1_500, appointment=appointment
        )
    vial.refresh_from_db()
    assert vial.balance == 1_000 == _sum_of_movements(vial)


def test_the_database_itself_refuses_a_negative_balance(personas: Personas) -> None:
    vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        Container.objects.filter(pk=vial.pk).update(balance=-1)


@pytest.mark.parametrize(
    ("overrides", "days"), [({}, 28), ({"vials": {"beyond_use_days": 14}}, 14)]
)
def test_an_opened_vials_beyond_use_date_is_the_clinics_rule(
    personas: Personas, overrides: dict[str, dict[str, int]], days: int
) -> None:
    """28 days from first puncture (CLINICAL.md §2.4), or fewer when the clinic's rules say so
    (clinic rules `vials.beyond_use_days`): not a deployment setting."""
    personas.clinic.rule_overrides = overrides
    personas.clinic.save(update_fields=["rule_overrides"])
    product = ketamine_50(personas.clinic)
    vial = receive(personas, product, safe(personas.clinic), count=1)[0]
    container_draw(
        acting_user=personas.nina, container=vial, quantity=800, appointment=infusion(personas)
    )
    vial.refresh_from_db()
    assert vial.opened_at is not None
    assert vial.beyond_use_at == vial.opened_at + datetime.timedelta(days=days)


def test_expired_or_beyond_use_stock_cannot_be_drawn(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    location = safe(personas.clinic)
    appointment = infusion(personas)
    today = personas.clinic.local_today()
    old = receive(personas, product, location, count=1, lot="OLD", expires_on=today)[0]
    from ketaclinic.inventory.models import Lot

    Lot.objects.filter(lot_number="OLD").update(expires_on=today - datetime.timedelta(days=1))
    with pytest.raises(PreconditionFailed, match="expired on"):
        container_draw(
            acting_user=personas.nina, container=old, quantity=100, appointment=appointment
        )
    opened = receive(personas, product, location, count=1, lot="NEW")[0]
    container_draw(
        acting_user=personas.nina, container=opened, quantity=100, appointment=appointment
    )
    Container.objects.filter(pk=opened.pk).update(beyond_use_at=timezone.now())
    with pytest.raises(PreconditionFailed, match="past its beyond-use date"):
        container_draw(
            acting_user=personas.nina, container=opened, quantity=100, appointment=appointment
        )


def test_a_kit_is_not_drawn_for_an_iv_infusion(personas: Personas) -> None:
    kit = receive(personas, esketamine_56(personas.clinic), safe(personas.clinic), count=1)[0]
    kit.refresh_from_db()
    assert kit.balance == 2  # devices
    with pytest.raises(InvalidInput, match="is not given in a iv ketamine infusion"):
        container_draw(
            acting_user=personas.nina, container=kit, quantity=1, appointment=infusion(personas)
        )


def test_transfer_return_destruction_and_breakage(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    main = safe(personas.clinic)
    cart = safe(personas.clinic, "Suite A cart")
    a, b, c = receive(personas, product, main, count=3)
    container_transfer(acting_user=personas.nina, container=a, to_location=cart)
    a.refresh_from_db()
    assert a.location == cart
    with pytest.raises(InvalidInput, match="already in"):
        container_transfer(acting_user=personas.nina, container=a, to_location=cart)
    container_return(
        acting_user=personas.ada,
        container=b,
        distributor_name="Return Solutions Inc.",
        distributor_dea_number="BR1234563",
        reason="Short-dated",
    )
    b.refresh_from_db()
    assert (b.balance, b.status) == (0, ContainerStatus.REMOVED)
    with pytest.raises(InvalidInput, match="different person"):
        container_destroy(
            acting_user=personas.nina,
            container=c,
            witness=personas.bob,
            second_witness=personas.bob,
            method="Rx Destroyer",
            form_41_reference="F41-1",
        )
    broken = breakage_record(
        acting_user=personas.nina,
        container=c,
        quantity=2_500,
        circumstances="Vial dropped while moving the tray; 2.5 mL lost on the floor.",
        witness=personas.bob,
        second_witness=personas.alice,
    )
    assert broken.container_delta == -2_500
    container_destroy(
        acting_user=personas.nina,
        container=c,
        witness=personas.bob,
        second_witness=personas.alice,
        method="Rx Destroyer cartridge",
        form_41_reference="F41-7",
    )
    c.refresh_from_db()
    assert (c.balance, c.status) == (0, ContainerStatus.REMOVED)
    for container in (a, b, c):
        assert container.balance == _sum_of_movements(container)


def test_adjustments_need_a_second_person_and_reversals_restore(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    vial = receive(personas, product, safe(personas.clinic), count=1)[0]
    with pytest.raises(InvalidInput, match="second person"):
        stock_adjust(
            acting_user=personas.nina, container=vial, delta=-50, reason="Count", approver=None
        )
    stock_adjust(
        acting_user=personas.nina,
        container=vial,
        delta=-50,
        reason="Counted 9.95 mL",
        approver=personas.bob,
    )
    appointment = infusion(personas)
    draw = container_draw(
        acting_user=personas.nina, container=vial, quantity=700, appointment=appointment
    )
    given = draw_administer(acting_user=personas.nina, draw=draw, quantity=700)
    with pytest.raises(PreconditionFailed, match="Reverse the administration and waste"):
        movement_reverse(
            acting_user=personas.nina,
            movement=Movement.objects.get(kind=MovementKind.DRAW),
            reason="Wrong vial",
        )
    movement_reverse(acting_user=personas.nina, movement=given, reason="Entered on the wrong visit")
    with pytest.raises(PreconditionFailed, match="already been reversed"):
        movement_reverse(acting_user=personas.nina, movement=given, reason="Again")
    with pytest.raises(PreconditionFailed, match="not reversed"):
        movement_reverse(
            acting_user=personas.nina,
            movement=Movement.objects.filter(kind=MovementKind.RECEIPT).first(),
            reason="No",
        )
    draw.refresh_from_db()
    vial.refresh_from_db()
    assert draw.balance == 700
    assert vial.balance == 10_000 - 50 - 700 == _sum_of_movements(vial)
    assert Draw.objects.get().balance == sum(
        Movement.objects.filter(draw=draw).values_list("draw_delta", flat=True)
    )


@pytest.mark.parametrize(("amount", "units"), [("0.8", 800), ("10", 10_000), ("0.001", 1)])
def test_amounts_in_ml_become_microlitres(personas: Personas, amount: str, units: int) -> None:
    assert units_from_amount(ketamine_50(personas.clinic), amount) == units


@pytest.mark.parametrize("amount", ["0.0005", "-1", "0", "abc", "NaN", "8e-1", "1E+1", " 1"])
def test_bad_amounts_are_refused_not_rounded(personas: Personas, amount: str) -> None:
    with pytest.raises(InvalidInput):
        units_from_amount(ketamine_50(personas.clinic), amount)
    with pytest.raises(InvalidInput, match="whole devices"):
        units_from_amount(esketamine_56(personas.clinic), "1.5")


def test_movements_cannot_be_changed_or_deleted_in_the_database(personas: Personas) -> None:
    from django.db import DatabaseError

    receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Movement.objects.update(reason="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        Movement.objects.all().delete()


def test_a_late_entry_keeps_when_it_happened(personas: Personas) -> None:
    product = ketamine_50(personas.clinic)
    today = personas.clinic.local_today()
    vial = stock_receive(
        acting_user=personas.nina,
        product=product,
        lot_number="L9",
        expires_on=today + datetime.timedelta(days=300),
        container_count=1,
        location=safe(personas.clinic),
        received_on=today - datetime.timedelta(days=3),
        **SUPPLIER,
    )[0]
    appointment = infusion(personas)
    yesterday = timezone.now() - datetime.timedelta(days=1)
    draw = container_draw(
        acting_user=personas.nina,
        container=vial,
        quantity=500,
        appointment=appointment,
        occurred_at=yesterday,
    )
    given = draw_administer(
        acting_user=personas.nina, draw=draw, quantity=500, occurred_at=yesterday
    )
    assert given.occurred_at == yesterday
    assert given.created_at > yesterday
    with pytest.raises(InvalidInput, match="has passed"):
        draw_administer(
            acting_user=personas.nina,
            draw=draw,
            quantity=1,
            occurred_at=timezone.now() + datetime.timedelta(hours=1),
        )
    with pytest.raises(InvalidInput, match="received after that time"):
        container_draw(
            acting_user=personas.nina,
            container=vial,
            quantity=100,
            appointment=appointment,
            occurred_at=timezone.now() - datetime.timedelta(days=10),
        )


def test_a_container_that_left_the_stock_is_not_adjusted(personas: Personas) -> None:
    vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
    container_return(
        acting_user=personas.ada,
        container=vial,
        distributor_name="Return Solutions Inc.",
        distributor_dea_number="BR1234563",
        reason="Expired",
    )
    with pytest.raises(PreconditionFailed, match="has left the stock"):
        stock_adjust(
            acting_user=personas.nina,
            container=vial,
            delta=500,
            reason="Found",
            approver=personas.bob,
        )
