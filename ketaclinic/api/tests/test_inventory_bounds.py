"""The ledger's bounds over the API (issue 13 item 4): resolving a discrepancy cannot fill a vial
past what it was received with, and a large correction is on the discrepancy list, read in the
document's shape."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from ketaclinic.api.tests.openapi_responses import assert_matches_schema
from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.inventory.counts import CountEntry, discrepancy_assess, stock_count_record
from ketaclinic.inventory.models import (
    Container,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    MovementKind,
)
from ketaclinic.inventory.services import container_draw, stock_adjust
from ketaclinic.inventory.tests.support import infusion, ketamine_50, receive, safe
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def vial(personas: Personas) -> Container:
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]


def _balance(vial: Container) -> int:
    return Container.objects.get(pk=vial.pk).balance


def test_resolving_cannot_fill_a_vial_past_what_it_was_received_with(
    client: Client, personas: Personas, vial: Container
) -> None:
    """The count found 10 mL where the ledger said 9.5; the ledger was put right by hand before
    the discrepancy was resolved. Adjusting again by the count's +0.5 mL would make 10.5 mL."""
    container_draw(
        acting_user=personas.nina, container=vial, quantity=500, appointment=infusion(personas)
    )
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.SHIFT,
        location=vial.location,
        entries=[CountEntry(container_id=vial.pk, is_found=True, amount=Decimal("10"))],
    )
    discrepancy = discrepancy_assess(
        acting_user=personas.nina,
        discrepancy=Discrepancy.objects.get(count_line__count=count),
        is_theft_or_significant_loss=False,
        findings="The draw was charted twice.",
    )
    stock_adjust(
        acting_user=personas.nina,
        container=vial,
        delta=500,
        reason="The draw was charted twice.",
        approver=personas.bob,
    )
    response = post(
        client,
        f"inventory/discrepancies/{discrepancy.pk}/resolve",
        {
            "findings": "The draw was charted twice.",
            "adjust_balance": True,
            "approver_id": personas.alice.pk,
            "approver_password": TEST_PASSWORD,
        },
        token_for(personas, personas.nina),
    )
    assert response.status_code == 409, response.json()
    message = assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert "received with 10 mL" in message
    assert _balance(vial) == 10_000
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.OPEN
    assert Movement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


def test_a_large_adjustment_is_on_the_discrepancy_list(
    client: Client, personas: Personas, vial: Container
) -> None:
    adjustment = stock_adjust(
        acting_user=personas.nina,
        container=vial,
        delta=-2_500,
        reason="Vial found at 7.5 mL.",
        approver=personas.bob,
    )
    response = get(client, "inventory/discrepancies", token_for(personas, personas.nina))
    assert response.status_code == 200
    [row] = assert_matches_schema(response, "/api/v1/inventory/discrepancies")["results"]
    assert (row["correction_id"], row["count_id"], row["count_kind"]) == (adjustment.pk, None, None)
    assert (row["container_label"], row["expected_units"], row["counted_units"]) == (
        "V-00001",
        10_000,
        7_500,
    )
    assert (row["difference"], row["is_theft_or_significant_loss"]) == ("-2.500", None)
    detail = get(client, f"inventory/discrepancies/{row['id']}", token_for(personas, personas.nina))
    assert_matches_schema(detail, "/api/v1/inventory/discrepancies/{discrepancy_id}")


def test_a_large_correction_is_not_adjusted_again(
    client: Client, personas: Personas, vial: Container
) -> None:
    stock_adjust(
        acting_user=personas.nina,
        container=vial,
        delta=-2_500,
        reason="Vial found at 7.5 mL.",
        approver=personas.bob,
    )
    discrepancy = Discrepancy.objects.get()
    discrepancy_assess(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=False,
        findings="Spilled while drawing; witnessed.",
    )
    response = post(
        client,
        f"inventory/discrepancies/{discrepancy.pk}/resolve",
        {
            "findings": "Spilled.",
            "adjust_balance": True,
            "approver_id": personas.alice.pk,
            "approver_password": TEST_PASSWORD,
        },
        token_for(personas, personas.nina),
    )
    assert response.status_code == 400, response.json()
    assert "adjust_balance" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert _balance(vial) == 7_500
    resolved = post(
        client,
        f"inventory/discrepancies/{discrepancy.pk}/resolve",
        {"findings": "Spilled while drawing; witnessed."},
        token_for(personas, personas.nina),
    )
    assert resolved.status_code == 200, resolved.json()
    assert assert_matches_schema(
        resolved, "/api/v1/inventory/discrepancies/{discrepancy_id}/resolve", "post"
    )["status"] == ("resolved")
