"""Controlled-substance stock over the API: products, locations, lots, containers with their
balances, the ledger filtered by product, kind and period; receiving, drawing for a session,
administering and wasting before a witness who signs with their own password — every refusal,
every role against the matrix, other clinics' rows a 404."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, post, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Lot,
    Movement,
    MovementKind,
)
from ketaclinic.inventory.services import container_draw, draw_administer
from ketaclinic.inventory.tests.support import (
    SUPPLIER,
    esketamine_56,
    infusion,
    ketamine_50,
    receive,
    safe,
)
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import TEST_PASSWORD, staff_member
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

VIEWERS = PERMISSIONS[Action.INVENTORY_VIEW].roles
RECORDERS = PERMISSIONS[Action.INVENTORY_RECORD].roles
CHARTERS = PERMISSIONS[Action.SESSION_CHART].roles
ADMINISTERERS = PERMISSIONS[Action.MEDICATION_ADMINISTER].roles


@pytest.fixture
def vials(personas: Personas) -> list[Container]:
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic))


@pytest.fixture
def session(personas: Personas) -> Appointment:
    return infusion(personas)


@pytest.fixture
def drawn(personas: Personas, vials: list[Container], session: Appointment) -> Draw:
    """1 mL drawn, 0.8 mL given: 0.2 mL left to waste."""
    draw = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=1_000, appointment=session
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    return draw


def nina(personas: Personas) -> str:
    return token_for(personas, personas.nina)


def waste_body(witness: User, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "quantity": "0.2",
        "reason": "Remainder of the drawn dose, not given.",
        "witness_id": witness.pk,
        "witness_password": TEST_PASSWORD,
    }
    body.update(changes)
    return body


# --- reads -------------------------------------------------------------------------------------


def test_products_locations_and_lots_are_listed(
    client: Client, personas: Personas, vials: list[Container]
) -> None:
    esketamine_56(personas.clinic)
    token = nina(personas)
    products = get(client, "inventory/products", token).json()["results"]
    assert [p["form"] for p in products] == ["device_kit", "vial"]
    vial = products[1]
    assert (vial["strength_mg_per_ml"], vial["volume_ml"], vial["unit"]) == (
        "50.000",
        "10.000",
        "mL",
    )
    assert vial["devices_per_kit"] is None
    locations = get(client, "inventory/locations", token).json()["results"]
    assert [location["name"] for location in locations] == ["Main safe"]
    lots = get(client, f"inventory/lots?product_id={vial['id']}", token).json()["results"]
    assert [(lot["lot_number"], lot["is_expired"]) for lot in lots] == [("L2611A", False)]


def test_containers_carry_their_balances(
    client: Client, personas: Personas, vials: list[Container], drawn: Draw
) -> None:
    body = get(client, f"inventory/containers/{vials[0].pk}", nina(personas)).json()
    assert body["label"] == "V-00001"
    assert (body["balance_units"], body["balance"], body["balance_mg"], body["unit"]) == (
        9_000,
        "9.000",
        "450.000",
        "mL",
    )
    assert body["status"] == ContainerStatus.OPEN
    assert body["beyond_use_at"] is not None
    assert not body["is_beyond_use"]
    listed = get(client, "inventory/containers?status=sealed", nina(personas)).json()
    assert [c["label"] for c in listed["results"]] == ["V-00002"]


def test_expired_and_beyond_use_containers_are_flagged(
    client: Client, personas: Personas, vials: list[Container]
) -> None:
    Lot.objects.filter(pk=vials[0].lot_id).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    past = timezone.now() - datetime.timedelta(minutes=1)
    Container.objects.filter(pk=vials[1].pk).update(beyond_use_at=past)
    results = get(client, "inventory/containers", nina(personas)).json()["results"]
    assert [(c["is_expired"], c["is_beyond_use"]) for c in results] == [
        (True, False),
        (True, True),
    ]


def test_the_ledger_is_filtered_by_product_kind_and_period(
    client: Client, personas: Personas, vials: list[Container], drawn: Draw
) -> None:
    token = nina(personas)
    everything = get(client, "inventory/movements", token).json()
    assert [m["kind"] for m in everything["results"]] == [
        MovementKind.RECEIPT,
        MovementKind.RECEIPT,
        MovementKind.DRAW,
        MovementKind.ADMINISTRATION,
    ]
    given = get(client, "inventory/movements?kind=administration", token).json()["results"]
    assert len(given) == 1
    line = given[0]
    assert (line["amount"], line["draw_delta_units"], line["container_delta_units"]) == (
        "0.800",
        -800,
        0,
    )
    assert (line["patient_id"], line["recorded_by_id"]) == (personas.pat.pk, personas.nina.pk)
    receipt = everything["results"][0]
    assert receipt["detail"]["supplier_dea_number"] == SUPPLIER["supplier_dea_number"]
    today = personas.clinic.local_today()
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert get(client, f"inventory/movements?since={tomorrow}", token).json()["count"] == 0
    assert get(client, f"inventory/movements?until={today}", token).json()["count"] == 4
    other = esketamine_56(personas.clinic)
    assert get(client, f"inventory/movements?product_id={other.pk}", token).json()["count"] == 0


def test_a_period_that_ends_before_it_starts_is_refused(client: Client, personas: Personas) -> None:
    response = get(client, "inventory/movements?since=2027-01-02&until=2027-01-01", nina(personas))
    assert response.status_code == 400
    assert "until" in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_the_ledger_list_costs_the_same_queries_however_long(
    client: Client, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    token = nina(personas)
    get(client, "inventory/movements", token)
    with CaptureQueriesContext(connection) as short:
        get(client, "inventory/movements", token)
    for _ in range(3):
        draw = container_draw(
            acting_user=personas.nina, container=vials[1], quantity=500, appointment=session
        )
        draw_administer(acting_user=personas.nina, draw=draw, quantity=500)
    with CaptureQueriesContext(connection) as long:
        assert get(client, "inventory/movements", token).json()["count"] == 8
    assert len(short) == len(long)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "path", ["products", "locations", "lots", "containers", "movements", "containers/{id}"]
)
def test_stock_is_read_by_the_roles_the_matrix_allows(
    client: Client, personas: Personas, vials: list[Container], role: Role, path: str
) -> None:
    user = personas.staff_by_role()[role]
    response = get(client, "inventory/" + path.format(id=vials[0].pk), token_for(personas, user))
    assert response.status_code == (200 if role in VIEWERS else 403)
    if role not in VIEWERS:
        assert_error_shape(response, "permission_refused")


def test_another_clinics_stock_is_a_404_or_absent(
    client: Client, personas: Personas, vials: list[Container], drawn: Draw
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    for path in (
        f"inventory/containers/{vials[0].pk}",
        f"inventory/draws/{drawn.pk}",
        f"inventory/movements/{Movement.objects.earliest('pk').pk}",
    ):
        response = get(client, path, token)
        assert response.status_code == 404, path
        assert_error_shape(response, "not_found")
    assert get(client, "inventory/containers", token).json()["count"] == 0
    assert get(client, "inventory/movements", token).json()["count"] == 0


# --- receiving ---------------------------------------------------------------------------------


def receipt_body(personas: Personas, **changes: Any) -> dict[str, Any]:
    product = ketamine_50(personas.clinic)
    location = safe(personas.clinic)
    today = personas.clinic.local_today()
    body: dict[str, Any] = {
        **SUPPLIER,
        "product_id": product.pk,
        "location_id": location.pk,
        "lot_number": "L77",
        "expires_on": (today + datetime.timedelta(days=400)).isoformat(),
        "container_count": 2,
        "received_on": today.isoformat(),
    }
    body.update(changes)
    return body


def test_stock_is_received(client: Client, personas: Personas) -> None:
    response = post(client, "inventory/receipts", receipt_body(personas), nina(personas))
    assert response.status_code == 201, response.json()
    containers = response.json()["containers"]
    assert [(c["label"], c["balance"], c["status"]) for c in containers] == [
        ("V-00001", "10.000", "sealed"),
        ("V-00002", "10.000", "sealed"),
    ]
    assert AuditEvent.objects.filter(action=AuditAction.INVENTORY_MOVEMENT).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2020-01-01"}, "expires_on"),
        ({"received_on": "2999-01-01"}, "received_on"),
        ({"supplier_dea_number": "BR1234564"}, "supplier_dea_number"),
        ({"container_count": 0}, "container_count"),
        ({"container_count": "2"}, None),  # a numeric string is an integer for DRF
        ({"lot": "L77"}, "lot"),
    ],
)
def test_a_receipt_the_rules_refuse_records_nothing(
    client: Client, personas: Personas, changes: dict[str, Any], field: str | None
) -> None:
    response = post(client, "inventory/receipts", receipt_body(personas, **changes), nina(personas))
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.json()
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not Container.objects.exists()


def test_another_clinics_product_or_location_is_a_404(client: Client, personas: Personas) -> None:
    body = receipt_body(personas)
    theirs = {
        "product_id": ketamine_50(personas.other_clinic).pk,
        "location_id": safe(personas.other_clinic).pk,
    }
    for field, their_id in theirs.items():
        response = post(client, "inventory/receipts", {**body, field: their_id}, nina(personas))
        assert response.status_code == 404
        assert_error_shape(response, "not_found")
    assert not Container.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_receiving_is_for_the_roles_that_record_stock(
    client: Client, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    body = receipt_body(personas)
    response = post(client, "inventory/receipts", body, token_for(personas, user))
    assert response.status_code == (201 if role in RECORDERS else 403)


def test_permission_is_checked_before_the_body(client: Client, personas: Personas) -> None:
    response = post(
        client, "inventory/receipts", {"nonsense": 1}, token_for(personas, personas.fran)
    )
    assert response.status_code == 403
    assert_error_shape(response, "permission_refused")


# --- a session ---------------------------------------------------------------------------------


def test_a_session_draws_administers_and_wastes_with_a_witness(
    client: Client, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    token = nina(personas)
    response = post(
        client,
        "inventory/draws",
        {"container_id": vials[0].pk, "appointment_id": session.pk, "quantity": "1"},
        token,
    )
    assert response.status_code == 201, response.json()
    draw = response.json()
    assert response["Location"] == f"/api/v1/inventory/draws/{draw['id']}"
    assert (draw["quantity_units"], draw["balance"], draw["patient_id"]) == (
        1_000,
        "1.000",
        personas.pat.pk,
    )
    given = post(client, f"inventory/draws/{draw['id']}/administrations", {"quantity": 0.8}, token)
    assert given.status_code == 201
    assert given.json()["kind"] == MovementKind.ADMINISTRATION
    wasted = post(client, f"inventory/draws/{draw['id']}/waste", waste_body(personas.bob), token)
    assert wasted.status_code == 201, wasted.json()
    line = wasted.json()
    assert (line["kind"], line["witness_id"], line["witness_name"], line["amount"]) == (
        MovementKind.WASTE,
        personas.bob.pk,
        "Bob Physician",
        "0.200",
    )
    assert "witness_password" not in line
    assert wasted["Location"] == f"/api/v1/inventory/movements/{line['id']}"
    after = get(client, f"inventory/draws/{draw['id']}", token).json()
    assert after["balance_units"] == 0
    assert Draw.objects.get(pk=draw["id"]).balance == 0


def draw_body(vial: Container, session: Appointment, quantity: str = "1") -> dict[str, Any]:
    return {"container_id": vial.pk, "appointment_id": session.pk, "quantity": quantity}


def test_an_overdraw_is_refused(
    client: Client, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    response = post(
        client, "inventory/draws", draw_body(vials[0], session, "10.001"), nina(personas)
    )
    assert response.status_code == 409
    body = assert_error_shape(response, "precondition_failed")
    assert body["error"]["message"] == "V-00001 holds 10 mL; 10.001 mL cannot be taken from it."
    assert not Draw.objects.exists()


def test_an_expired_lot_cannot_be_drawn(
    client: Client, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    Lot.objects.filter(pk=vials[0].lot_id).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    response = post(client, "inventory/draws", draw_body(vials[0], session), nina(personas))
    assert response.status_code == 409
    assert "expired on" in assert_error_shape(response, "precondition_failed")["error"]["message"]
    assert not Draw.objects.exists()


def test_a_vial_past_its_beyond_use_date_cannot_be_drawn(
    client: Client, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    past = timezone.now() - datetime.timedelta(minutes=1)
    Container.objects.filter(pk=vials[0].pk).update(
        status=ContainerStatus.OPEN,
        opened_at=past - datetime.timedelta(days=28),
        beyond_use_at=past,
    )
    response = post(client, "inventory/draws", draw_body(vials[0], session), nina(personas))
    assert response.status_code == 409
    body = assert_error_shape(response, "precondition_failed")
    assert "beyond-use date" in body["error"]["message"]
    assert not Draw.objects.exists()


@pytest.mark.parametrize(
    ("quantity", "field"), [("0.0001", "quantity"), ("0", "quantity"), ("a lot", "quantity")]
)
def test_an_amount_that_is_not_one_is_refused(
    client: Client,
    personas: Personas,
    vials: list[Container],
    session: Appointment,
    quantity: str,
    field: str,
) -> None:
    response = post(
        client, "inventory/draws", draw_body(vials[0], session, quantity), nina(personas)
    )
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_part_of_a_device_is_refused(
    client: Client, personas: Personas, session: Appointment
) -> None:
    kit = receive(personas, esketamine_56(personas.clinic), safe(personas.clinic), count=1)[0]
    response = post(client, "inventory/draws", draw_body(kit, session, "1"), nina(personas))
    assert response.status_code == 400  # a kit is not given in an IV infusion
    assert not Draw.objects.exists()


def test_a_wrong_witness_password_records_nothing(
    client: Client, personas: Personas, drawn: Draw
) -> None:
    response = post(
        client,
        f"inventory/draws/{drawn.pk}/waste",
        waste_body(personas.bob, witness_password="not-bobs"),
        nina(personas),
    )
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert body["error"]["message"].startswith("That is not Bob Physician's password.")
    assert list(body["error"]["fields"]) == ["witness_password"]
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_the_caller_cannot_witness_their_own_waste(
    client: Client, personas: Personas, drawn: Draw
) -> None:
    response = post(
        client, f"inventory/draws/{drawn.pk}/waste", waste_body(personas.nina), nina(personas)
    )
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert "witness_id" in body["error"]["fields"]
    assert "different person" in body["error"]["message"]
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_an_uncredentialed_witness_cannot_sign(
    client: Client, personas: Personas, drawn: Draw
) -> None:
    unlicensed = staff_member(personas.clinic, Role.NURSE, full_name="Una Unlicensed")
    for witness in (unlicensed, personas.fran):
        response = post(
            client, f"inventory/draws/{drawn.pk}/waste", waste_body(witness), nina(personas)
        )
        assert response.status_code == 400
        body = assert_error_shape(response, "invalid_input")
        assert "cannot witness" in body["error"]["message"]
        assert list(body["error"]["fields"]) == ["witness_id"]
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_a_witness_from_another_clinic_is_refused(
    client: Client, personas: Personas, drawn: Draw
) -> None:
    response = post(
        client, f"inventory/draws/{drawn.pk}/waste", waste_body(personas.charlie), nina(personas)
    )
    assert response.status_code == 400
    assert "witness_id" in assert_error_shape(response, "invalid_input")["error"]["fields"]


def test_repeated_wrong_witness_passwords_pause_the_witness(
    client: Client, personas: Personas, drawn: Draw, settings: Any
) -> None:
    settings.WITNESS_SIGNATURE_FAILURE_LIMIT = 2
    path = f"inventory/draws/{drawn.pk}/waste"
    wrong = waste_body(personas.bob, witness_password="guess")
    assert post(client, path, wrong, nina(personas)).status_code == 400
    response = post(client, path, wrong, nina(personas))
    assert response.status_code == 429
    assert "cannot sign now" in assert_error_shape(response, "rate_limited")["error"]["message"]
    response = post(client, path, waste_body(personas.bob), nina(personas))
    assert response.status_code == 429  # paused, even with the right password
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_wasting_more_than_is_left_is_refused(
    client: Client, personas: Personas, drawn: Draw
) -> None:
    response = post(
        client,
        f"inventory/draws/{drawn.pk}/waste",
        waste_body(personas.bob, quantity="0.3"),
        nina(personas),
    )
    assert response.status_code == 409
    assert assert_error_shape(response, "precondition_failed")["error"]["message"] == (
        "Only 0.2 mL of this draw is left to account for."
    )


def test_an_unknown_field_is_refused(client: Client, personas: Personas, drawn: Draw) -> None:
    response = post(
        client,
        f"inventory/draws/{drawn.pk}/waste",
        {**waste_body(personas.bob), "witness": personas.bob.pk},
        nina(personas),
    )
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert body["error"]["fields"] == {"witness": ["Unknown field."]}


@pytest.mark.parametrize("role", list(Role))
def test_drawing_is_for_those_who_chart_sessions(
    client: Client, personas: Personas, vials: list[Container], session: Appointment, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    response = post(
        client, "inventory/draws", draw_body(vials[0], session), token_for(personas, user)
    )
    assert response.status_code == (201 if role in CHARTERS else 403)


@pytest.mark.parametrize("role", list(Role))
def test_administering_and_wasting_are_for_those_who_administer(
    client: Client, personas: Personas, drawn: Draw, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    token = token_for(personas, user)
    given = post(client, f"inventory/draws/{drawn.pk}/administrations", {"quantity": "0.1"}, token)
    assert given.status_code == (201 if role in ADMINISTERERS else 403)
    witness = personas.alice if user != personas.alice else personas.bob
    wasted = post(
        client, f"inventory/draws/{drawn.pk}/waste", waste_body(witness, quantity="0.1"), token
    )
    assert wasted.status_code == (201 if role in ADMINISTERERS else 403)


def test_another_clinics_draw_or_session_is_a_404(
    client: Client, personas: Personas, vials: list[Container], drawn: Draw, session: Appointment
) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    assert post(client, "inventory/draws", draw_body(vials[1], session), token).status_code == 404
    response = post(client, f"inventory/draws/{drawn.pk}/administrations", {"quantity": 1}, token)
    assert response.status_code == 404
    response = post(client, f"inventory/draws/{drawn.pk}/waste", waste_body(personas.bob), token)
    assert response.status_code == 404
    assert not Movement.objects.filter(recorded_by=personas.charlie).exists()
