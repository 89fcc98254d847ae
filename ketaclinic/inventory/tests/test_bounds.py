"""Every stock quantity has a bound (issue 13 item 4): no container holds more than it was
received with, whatever the entry that would fill it; an adjustment either way is signed off with
a reason; a large correction is flagged on the discrepancy list; products have a plausible size."""

from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.inventory import catalog
from ketaclinic.inventory.catalog import product_add
from ketaclinic.inventory.counts import (
    CountEntry,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
    stock_count_record,
)
from ketaclinic.inventory.models import (
    Container,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    MovementKind,
    ProductForm,
)
from ketaclinic.inventory.services import (
    LARGE_CORRECTION_PERCENT,
    container_draw,
    draw_administer,
    movement_reverse,
    stock_adjust,
)
from ketaclinic.inventory.stock_forms import ProductAddForm
from ketaclinic.inventory.tests.support import infusion, ketamine_50, receive, safe
from ketaclinic.medicine import dosing
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

SignIn = Callable[[User], Client]


@pytest.fixture
def vial(personas: Personas) -> Container:
    """One 10 mL vial of ketamine 50 mg/mL, full (10,000 µL)."""
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]


def _adjust(personas: Personas, vial: Container, delta: int, **changes: Any) -> Movement:
    values: dict[str, Any] = {
        "acting_user": personas.nina,
        "container": vial,
        "delta": delta,
        "reason": "Counted against the graduations.",
        "approver": personas.bob,
        **changes,
    }
    return stock_adjust(**values)


def _balance(vial: Container) -> int:
    return Container.objects.get(pk=vial.pk).balance


# --- the ceiling: what the container was received with ----------------------------------------


def test_an_adjustment_cannot_fill_a_vial_past_what_it_was_received_with(
    personas: Personas, vial: Container
) -> None:
    with pytest.raises(InvalidInput, match="received with 10 mL") as refusal:
        _adjust(personas, vial, 1_000_000_000)  # +1,000,000 mL
    assert "quantity" in refusal.value.fields
    assert _balance(vial) == 10_000
    assert not Movement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_an_adjustment_back_up_to_the_ceiling_is_accepted(
    personas: Personas, vial: Container
) -> None:
    container_draw(
        acting_user=personas.nina, container=vial, quantity=500, appointment=infusion(personas)
    )
    _adjust(personas, vial, 500)
    assert _balance(vial) == 10_000
    with pytest.raises(InvalidInput, match="received with 10 mL"):
        _adjust(personas, vial, 1)
    assert _balance(vial) == 10_000


def test_a_reversal_cannot_fill_a_vial_past_its_ceiling(
    personas: Personas, vial: Container
) -> None:
    draw = container_draw(
        acting_user=personas.nina, container=vial, quantity=500, appointment=infusion(personas)
    )
    _adjust(personas, vial, 500, reason="Counted full after the draw.")
    with pytest.raises(PreconditionFailed, match="received with 10 mL"):
        movement_reverse(
            acting_user=personas.nina,
            movement=Movement.objects.get(draw=draw, kind=MovementKind.DRAW),
            reason="Drawn on the wrong visit.",
        )
    assert _balance(vial) == 10_000


def test_a_signed_off_adjustment_is_not_undone_without_a_sign_off(
    personas: Personas, vial: Container
) -> None:
    """Reversing an adjustment changes the balance as an adjustment does, with nobody signing
    off: a wrong adjustment is corrected by another, signed off in its turn."""
    taken = _adjust(personas, vial, -200)
    with pytest.raises(PreconditionFailed, match="not reversed"):
        movement_reverse(acting_user=personas.nina, movement=taken, reason="Undo.")
    assert _balance(vial) == 9_800


def test_a_draw_keeps_no_more_than_was_drawn(personas: Personas, vial: Container) -> None:
    draw = container_draw(
        acting_user=personas.nina, container=vial, quantity=800, appointment=infusion(personas)
    )
    given = draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    movement_reverse(acting_user=personas.nina, movement=given, reason="Wrong patient.")
    draw.refresh_from_db()
    assert draw.balance == draw.quantity == 800


def test_the_database_itself_refuses_a_balance_above_the_ceiling(vial: Container) -> None:
    vial.refresh_from_db()
    assert vial.received_units == 10_000
    with pytest.raises(IntegrityError), transaction.atomic():
        Container.objects.filter(pk=vial.pk).update(balance=10_001)


# --- the second person and the reason, both ways ------------------------------------------------


@pytest.mark.parametrize("delta", [-200, 200])
@pytest.mark.parametrize(
    ("changes", "field"),
    [({"approver": None}, "approver"), ({"reason": "  "}, "reason")],
)
def test_an_adjustment_either_way_needs_a_sign_off_and_a_reason(
    personas: Personas, vial: Container, delta: int, changes: dict[str, Any], field: str
) -> None:
    if delta > 0:
        container_draw(
            acting_user=personas.nina, container=vial, quantity=500, appointment=infusion(personas)
        )
    before = _balance(vial)
    with pytest.raises(InvalidInput) as refusal:
        _adjust(personas, vial, delta, **changes)
    assert field in refusal.value.fields
    assert _balance(vial) == before


# --- large corrections on the discrepancy list --------------------------------------------------


def test_a_large_decrease_opens_a_discrepancy_with_the_dea_deadlines(
    personas: Personas, vial: Container
) -> None:
    assert LARGE_CORRECTION_PERCENT == 10
    small = _adjust(personas, vial, -1_000)  # exactly 10 %: not large
    assert not Discrepancy.objects.exists()
    large = _adjust(personas, vial, -1_001, reason="Vial found half empty at the count.")
    discrepancy = Discrepancy.objects.get()
    assert (discrepancy.correction, discrepancy.count_line) == (large, None)
    assert discrepancy.status == DiscrepancyStatus.OPEN
    assert discrepancy.is_theft_or_significant_loss is None  # judged by the clinic
    assert discrepancy.discovered_at == large.occurred_at
    [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
    assert row.discrepancy == discrepancy
    assert row.container == vial
    assert (row.amounts.expected, row.amounts.counted) == (9_000, 7_999)
    assert row.amounts.difference_display == "−1.001 mL"
    assert small.pk != large.pk


def test_a_large_increase_is_flagged_but_is_not_a_loss_to_report(
    personas: Personas, vial: Container
) -> None:
    container_draw(
        acting_user=personas.nina, container=vial, quantity=5_000, appointment=infusion(personas)
    )
    _adjust(personas, vial, 2_000, reason="Found more than the ledger says.")
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.is_theft_or_significant_loss is False
    assert discrepancy.dea_notice_due_on is None
    assert "not a loss" in discrepancy.findings
    resolved = discrepancy_resolve(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        findings="A draw had been entered twice.",
    )
    assert resolved.status == DiscrepancyStatus.RESOLVED
    with pytest.raises(PreconditionFailed):
        discrepancy_resolve(
            acting_user=personas.nina, discrepancy=discrepancy, findings="Again.", approver=None
        )


def test_a_large_reversal_is_flagged_as_a_possible_loss(
    personas: Personas, vial: Container
) -> None:
    """Undoing a 2 mL draw puts 2 mL back on the ledger with nobody signing off: if the drug
    did leave the vial, the ledger now hides it."""
    appointment = infusion(personas)
    small = container_draw(
        acting_user=personas.nina, container=vial, quantity=800, appointment=appointment
    )
    movement_reverse(
        acting_user=personas.nina,
        movement=Movement.objects.get(draw=small, kind=MovementKind.DRAW),
        reason="Wrong vial.",
    )
    assert not Discrepancy.objects.exists()
    large = container_draw(
        acting_user=personas.nina, container=vial, quantity=2_000, appointment=appointment
    )
    reversal = movement_reverse(
        acting_user=personas.nina,
        movement=Movement.objects.get(draw=large, kind=MovementKind.DRAW),
        reason="Wrong vial.",
    )
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.correction == reversal
    assert discrepancy.is_theft_or_significant_loss is None
    [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
    assert (row.amounts.expected, row.amounts.counted) == (8_000, 10_000)


def test_a_large_correction_is_not_adjusted_again_on_resolving(
    personas: Personas, vial: Container
) -> None:
    _adjust(personas, vial, -5_000)
    discrepancy = Discrepancy.objects.get()
    with pytest.raises(InvalidInput, match="already on the ledger"):
        discrepancy_resolve(
            acting_user=personas.nina,
            discrepancy=discrepancy,
            findings="Spilled.",
            adjust_balance=True,
            approver=personas.bob,
        )


def test_an_adjustment_that_settles_a_count_opens_no_second_discrepancy(
    personas: Personas, vial: Container
) -> None:
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.SHIFT,
        location=vial.location,
        entries=[CountEntry(container_id=vial.pk, is_found=False)],
    )
    discrepancy = Discrepancy.objects.get(count_line__count=count)
    discrepancy.is_theft_or_significant_loss = False
    discrepancy.save()
    discrepancy_resolve(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        findings="Never received.",
        adjust_balance=True,
        approver=personas.bob,
    )
    assert _balance(vial) == 0
    assert Discrepancy.objects.count() == 1


# --- the sizes that become stock quantities -----------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"volume_ml": Decimal("9999")}, "volume_ml"),
        ({"strength_mg_per_ml": Decimal("5000")}, "strength_mg_per_ml"),
        (
            {
                "form": ProductForm.DEVICE_KIT,
                "devices_per_kit": 30_000,
                "mg_per_device": Decimal("28"),
            },
            "devices_per_kit",
        ),
        (
            {"form": ProductForm.DEVICE_KIT, "devices_per_kit": 2, "mg_per_device": Decimal("900")},
            "mg_per_device",
        ),
    ],
)
def test_a_product_of_an_implausible_size_is_refused(
    personas: Personas, changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "acting_user": personas.ada,
        "clinic": personas.clinic,
        "name": "Ketamine HCl",
        "form": ProductForm.VIAL,
        "ndc": "0409-2051-05",
        "strength_mg_per_ml": Decimal("100"),
        "volume_ml": Decimal("5"),
        **changes,
    }
    with pytest.raises(InvalidInput) as refusal:
        product_add(**values)
    assert field in refusal.value.fields


def test_a_products_size_bounds_are_medicines_figures() -> None:
    """One source for each figure (CLINICAL.md §2.4, §2.8): the page's form and the service
    take medicine/'s own, not copies that could drift apart."""
    fields = ProductAddForm.base_fields
    assert [
        getattr(fields[name], "max_value", None)
        for name in ("strength_mg_per_ml", "volume_ml", "devices_per_kit", "mg_per_device")
    ] == [
        dosing.MAX_VIAL_STRENGTH_MG_PER_ML,
        dosing.MAX_VIAL_VOLUME_ML,
        dosing.MAX_ESKETAMINE_DEVICES_PER_KIT,
        dosing.ESKETAMINE_DEVICE_MG,
    ]
    assert not {"MAX_STRENGTH_MG_PER_ML", "MAX_DEVICES_PER_KIT", "MAX_MG_PER_DEVICE"} & set(
        vars(catalog)
    )


def test_a_count_above_the_container_ceiling_is_refused(
    personas: Personas, vial: Container
) -> None:
    container_draw(
        acting_user=personas.nina, container=vial, quantity=500, appointment=infusion(personas)
    )
    with pytest.raises(InvalidInput, match="holds at most 10 mL"):
        stock_count_record(
            acting_user=personas.nina,
            clinic=personas.clinic,
            kind=CountKind.SHIFT,
            location=vial.location,
            entries=[CountEntry(container_id=vial.pk, is_found=True, amount=Decimal("10.001"))],
        )


# --- the staff page -----------------------------------------------------------------------------


def test_the_adjustment_form_refuses_a_million_ml_and_records_nothing(
    client_for: SignIn, personas: Personas, vial: Container
) -> None:
    response = client_for(personas.nina).post(
        f"/staff/inventory/containers/{vial.pk}/",
        {
            "action": "adjust",
            "adjust-direction": "add",
            "adjust-quantity": "1000000",
            "adjust-reason": "Found.",
            "adjust-approver": personas.alice.pk,
            "adjust-approver_password": TEST_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "received with 10 mL" in html.unescape(response.content.decode())
    assert _balance(vial) == 10_000
    assert not Movement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_a_large_adjustment_is_on_the_discrepancy_page(
    client_for: SignIn, personas: Personas, vial: Container
) -> None:
    client = client_for(personas.nina)
    recorded = client.post(
        f"/staff/inventory/containers/{vial.pk}/",
        {
            "action": "adjust",
            "adjust-direction": "remove",
            "adjust-quantity": "3",
            "adjust-reason": "Vial found at 7 mL.",
            "adjust-approver": personas.alice.pk,
            "adjust-approver_password": TEST_PASSWORD,
        },
        follow=True,
    )
    assert "a discrepancy is open to investigate" in html.unescape(recorded.content.decode())
    listing = html.unescape(client.get("/staff/inventory/counts/discrepancies/").content.decode())
    assert "V-00001" in listing
    assert "−3 mL" in listing
    assert "Adjustment" in listing
    discrepancy = Discrepancy.objects.get()
    detail = client.get(f"/staff/inventory/counts/discrepancies/{discrepancy.pk}/")
    text = html.unescape(detail.content.decode())
    assert detail.status_code == 200
    assert "Vial found at 7 mL." in text
    assert "Correct the ledger by the counted difference" not in text
