"""The stock pages: stock on hand, receiving, a container's ledger and what can happen to it, a
session's draw, administration and witnessed waste, products and locations — every role, every
refusal shown on its form with nothing recorded, other clinics' rows a 404, pinned query counts."""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, CredentialKind, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.forms import PLAIN_NUMBER, PlainDecimalField
from ketaclinic.inventory import stock_forms
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Lot,
    Movement,
    MovementKind,
    Product,
    StorageLocation,
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

SignIn = Callable[[User], Client]
HOME = "/staff/inventory/"
RECEIVE = "/staff/inventory/receive/"
PRODUCTS = "/staff/inventory/products/"
LOCATIONS = "/staff/inventory/locations/"
VIEWERS = PERMISSIONS[Action.INVENTORY_VIEW].roles
RECORDERS = PERMISSIONS[Action.INVENTORY_RECORD].roles
CHARTERS = PERMISSIONS[Action.SESSION_CHART].roles


def container_url(container: Container) -> str:
    return f"/staff/inventory/containers/{container.pk}/"


def session_url(appointment: Appointment) -> str:
    return f"/staff/inventory/sessions/{appointment.pk}/"


@pytest.fixture
def vials(personas: Personas) -> list[Container]:
    """Two 10 mL vials of ketamine 50 mg/mL in the main safe."""
    return receive(personas, ketamine_50(personas.clinic), safe(personas.clinic))


@pytest.fixture
def session(personas: Personas) -> Appointment:
    return infusion(personas)


def fresh(container: Container) -> Container:
    return Container.objects.get(pk=container.pk)


def page_text(response: Any) -> str:
    return html.unescape(response.content.decode())


# --- stock on hand -----------------------------------------------------------------------------


def test_the_stock_shows_products_lots_and_containers_with_balances(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).get(HOME)
    assert response.status_code == 200
    text = page_text(response)
    assert "Ketamine HCl 50 mg/mL, 10 mL multi-dose vial" in text
    assert "Lot L2611A" in text
    assert "V-00001" in text
    assert "V-00002" in text
    assert "20 mL" in text
    assert "1000 mg" in text
    assert "Main safe" in text
    assert "EXPIRED" not in text


def test_expired_and_beyond_use_stock_is_marked(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    yesterday = personas.clinic.local_today() - datetime.timedelta(days=1)
    expired = receive(personas, esketamine_56(personas.clinic), vials[0].location, lot="OLD1")[0]
    Lot.objects.filter(pk=expired.lot_id).update(expires_on=yesterday)
    past = timezone.now() - datetime.timedelta(hours=1)
    Container.objects.filter(pk=vials[0].pk).update(
        status=ContainerStatus.OPEN,
        opened_at=past - datetime.timedelta(days=28),
        beyond_use_at=past,
    )
    text = page_text(client_for(personas.nina).get(HOME))
    assert "EXPIRED — do not use" in text
    assert "past beyond-use date" in text


@pytest.mark.parametrize("role", list(Role))
def test_the_stock_is_seen_by_the_roles_the_matrix_allows(
    client_for: SignIn, personas: Personas, vials: list[Container], role: Role
) -> None:
    user = personas.staff_by_role()[role]
    assert client_for(user).get(HOME).status_code == (200 if role in VIEWERS else 403)


def test_the_stock_page_costs_the_same_queries_whatever_the_stock(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    client = client_for(personas.nina)
    client.get(HOME)
    with CaptureQueriesContext(connection) as small:
        assert client.get(HOME).status_code == 200
    receive(personas, esketamine_56(personas.clinic), vials[0].location, count=5, lot="K1")
    receive(personas, vials[0].lot.product, vials[0].location, count=4, lot="L2")
    with CaptureQueriesContext(connection) as large:
        assert client.get(HOME).status_code == 200
    assert len(small) == len(large) == 9, [q["sql"] for q in large.captured_queries]


def test_another_clinics_stock_is_not_shown(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    staff_member(personas.other_clinic, Role.NURSE)  # charlie's clinic has stock of its own
    response = client_for(personas.charlie).get(HOME)
    assert response.status_code == 200
    assert "V-00001" not in page_text(response)
    assert client_for(personas.charlie).get(container_url(vials[0])).status_code == 404


# --- receiving ---------------------------------------------------------------------------------


def receipt_form(personas: Personas, product: Product, location: StorageLocation) -> dict[str, Any]:
    today = personas.clinic.local_today()
    return {
        **SUPPLIER,
        "received_on": today.isoformat(),
        "product": product.pk,
        "lot_number": "L77",
        "expires_on": (today + datetime.timedelta(days=400)).isoformat(),
        "container_count": "3",
        "location": location.pk,
    }


def test_a_nurse_receives_stock_and_each_container_gets_a_label(
    client_for: SignIn, personas: Personas
) -> None:
    product = ketamine_50(personas.clinic)
    location = safe(personas.clinic)
    response = client_for(personas.nina).post(
        RECEIVE, receipt_form(personas, product, location), follow=True
    )
    assert response.redirect_chain[-1][0] == HOME
    assert "label them V-00001, V-00002, V-00003" in page_text(response)
    assert Container.objects.filter(lot__lot_number="L77", balance=10_000).count() == 3
    receipt = Movement.objects.filter(kind=MovementKind.RECEIPT).first()
    assert receipt is not None
    assert receipt.detail["invoice_number"] == SUPPLIER["invoice_number"]


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"expires_on": "2020-01-01"}, "had expired when it was received"),
        ({"supplier_dea_number": "XX123"}, "DEA"),
        ({"container_count": "0"}, "greater than or equal to 1"),
    ],
)
def test_a_receipt_the_rules_refuse_records_nothing(
    client_for: SignIn, personas: Personas, changes: dict[str, str], field_message: str
) -> None:
    body = {**receipt_form(personas, ketamine_50(personas.clinic), safe(personas.clinic))}
    body.update(changes)
    response = client_for(personas.nina).post(RECEIVE, body)
    assert response.status_code == 200
    assert field_message in page_text(response)
    assert not Container.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_receiving_is_for_the_roles_that_record_stock(
    client_for: SignIn, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    assert client_for(user).get(RECEIVE).status_code == (200 if role in RECORDERS else 403)


def test_another_clinics_product_cannot_be_received(client_for: SignIn, personas: Personas) -> None:
    theirs = ketamine_50(personas.other_clinic)
    body = receipt_form(personas, theirs, safe(personas.clinic))
    response = client_for(personas.nina).post(RECEIVE, body)
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not Container.objects.exists()


# --- a container's ledger and actions ----------------------------------------------------------


def test_the_ledger_shows_every_movement_with_the_running_balance(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    draw = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=800, appointment=session
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    text = page_text(client_for(personas.otto).get(container_url(vials[0])))
    assert "Receipt" in text
    assert "Drawn for a session" in text
    assert "Administered" in text
    assert "+10 mL" in text
    assert "-0.8 mL" in text
    assert "9.2 mL" in text
    assert "460 mg" in text
    assert personas.pat.display_name in text
    assert "Record the transfer" not in text  # the auditor sees, and records nothing


@pytest.mark.parametrize("role", list(Role))
def test_a_containers_ledger_is_seen_by_the_roles_the_matrix_allows(
    client_for: SignIn, personas: Personas, vials: list[Container], role: Role
) -> None:
    user = personas.staff_by_role()[role]
    response = client_for(user).get(container_url(vials[0]))
    assert response.status_code == (200 if role in VIEWERS else 403)


def test_the_ledger_page_costs_the_same_queries_however_long_the_ledger(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    client = client_for(personas.nina)
    client.get(container_url(vials[0]))
    with CaptureQueriesContext(connection) as short:
        assert client.get(container_url(vials[0])).status_code == 200
    for _ in range(4):
        draw = container_draw(
            acting_user=personas.nina, container=vials[0], quantity=500, appointment=session
        )
        draw_administer(acting_user=personas.nina, draw=draw, quantity=500)
    with CaptureQueriesContext(connection) as long:
        assert client.get(container_url(vials[0])).status_code == 200
    assert len(short) == len(long) == 15, [q["sql"] for q in long.captured_queries]


def test_a_container_is_transferred(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    cart = safe(personas.clinic, "Procedure cart")
    response = client_for(personas.nina).post(
        container_url(vials[0]), {"action": "transfer", "transfer-to_location": cart.pk}
    )
    assert response.status_code == 302
    assert fresh(vials[0]).location == cart
    assert Movement.objects.filter(kind=MovementKind.TRANSFER, to_location=cart).exists()


def test_a_transfer_to_where_it_already_is_is_refused_on_the_form(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).post(
        container_url(vials[0]),
        {"action": "transfer", "transfer-to_location": vials[0].location_id},
    )
    assert response.status_code == 200
    assert "is already in Main safe" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER).exists()


def test_a_container_is_returned_to_a_reverse_distributor(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.ada).post(
        container_url(vials[0]),
        {
            "action": "return",
            "return-distributor_name": "Rx Reverse",
            "return-distributor_dea_number": "BR1234563",
            "return-reason": "Expired.",
        },
    )
    assert response.status_code == 302
    assert fresh(vials[0]).status == ContainerStatus.REMOVED
    assert fresh(vials[0]).balance == 0


def destroy_form(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "action": "destroy",
        "destroy-method": "Chemical digester (Rx Destroyer)",
        "destroy-form_41_reference": "F41-2026-03",
        "destroy-witness": personas.bob.pk,
        "destroy-witness_password": TEST_PASSWORD,
        "destroy-second_witness": personas.alice.pk,
        "destroy-second_witness_password": TEST_PASSWORD,
    }
    body.update(changes)
    return body


def test_destruction_is_signed_by_two_witnesses(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).post(container_url(vials[0]), destroy_form(personas))
    assert response.status_code == 302
    movement = Movement.objects.get(kind=MovementKind.DESTRUCTION)
    assert (movement.witness, movement.second_witness) == (personas.bob, personas.alice)
    assert movement.detail["form_41_reference"] == "F41-2026-03"
    assert fresh(vials[0]).status == ContainerStatus.REMOVED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"destroy-second_witness_password": "wrong"}, "That is not Alice Director"),
        ({"destroy-witness_password": ""}, "This field is required"),
        ({"destroy-second_witness": "bob"}, "Select a valid choice"),
    ],
)
def test_a_destruction_without_both_signatures_records_nothing(
    client_for: SignIn,
    personas: Personas,
    vials: list[Container],
    changes: dict[str, Any],
    message: str,
) -> None:
    body = destroy_form(personas, **changes)
    if changes.get("destroy-second_witness") == "bob":
        body["destroy-second_witness"] = personas.bob.pk  # the same person twice
        message = "different person"
    response = client_for(personas.nina).post(container_url(vials[0]), body)
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.DESTRUCTION).exists()
    assert fresh(vials[0]).status == ContainerStatus.SEALED


def test_the_recorder_cannot_witness_their_own_destruction(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    body = destroy_form(personas, **{"destroy-witness": personas.nina.pk})
    response = client_for(personas.nina).post(container_url(vials[0]), body)
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)  # not offered as a witness
    assert not Movement.objects.filter(kind=MovementKind.DESTRUCTION).exists()


def breakage_form(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "action": "breakage",
        "breakage-quantity": "10",
        "breakage-circumstances": "Vial slipped from the tray and shattered on the floor.",
        "breakage-witness": personas.bob.pk,
        "breakage-witness_password": TEST_PASSWORD,
        "breakage-second_witness": personas.alice.pk,
        "breakage-second_witness_password": TEST_PASSWORD,
    }
    body.update(changes)
    return body


def test_breakage_is_recorded_with_two_witnesses(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).post(container_url(vials[0]), breakage_form(personas))
    assert response.status_code == 302
    assert fresh(vials[0]).balance == 0
    assert fresh(vials[0]).status == ContainerStatus.EMPTY


def test_a_witness_without_a_current_licence_cannot_sign_a_breakage(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    unlicensed = staff_member(personas.clinic, Role.NURSE, full_name="Una Unlicensed")
    body = breakage_form(
        personas,
        **{"breakage-second_witness": unlicensed.pk},
    )
    response = client_for(personas.nina).post(container_url(vials[0]), body)
    assert response.status_code == 200
    assert "Una Unlicensed cannot witness" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.BREAKAGE).exists()


def test_breaking_more_than_the_container_holds_is_refused(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).post(
        container_url(vials[0]), breakage_form(personas, **{"breakage-quantity": "10.5"})
    )
    assert response.status_code == 200
    assert "V-00001 holds 10 mL; 10.5 mL cannot be taken from it" in page_text(response)
    assert fresh(vials[0]).balance == 10_000


def adjust_form(personas: Personas, **changes: Any) -> dict[str, Any]:
    body = {
        "action": "adjust",
        "adjust-direction": "remove",
        "adjust-quantity": "0.2",
        "adjust-reason": "Overfill lost in the septum: measured at the count.",
        "adjust-approver": personas.alice.pk,
        "adjust-approver_password": TEST_PASSWORD,
    }
    body.update(changes)
    return body


def test_an_adjustment_is_signed_off_by_an_approver(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    response = client_for(personas.nina).post(container_url(vials[0]), adjust_form(personas))
    assert response.status_code == 302
    movement = Movement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (movement.container_delta, movement.witness) == (-200, personas.alice)
    assert fresh(vials[0]).balance == 9_800


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"adjust-approver_password": "nope"}, "That is not Alice Director"),
        ({"adjust-quantity": "0.0004"}, "Ensure that there are no more than 3 decimal places"),
        ({"adjust-reason": ""}, "This field is required"),
    ],
)
def test_an_adjustment_the_rules_refuse_records_nothing(
    client_for: SignIn,
    personas: Personas,
    vials: list[Container],
    changes: dict[str, Any],
    message: str,
) -> None:
    response = client_for(personas.nina).post(
        container_url(vials[0]), adjust_form(personas, **changes)
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_an_administration_is_reversed_with_a_reason(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    draw = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=800, appointment=session
    )
    given = draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    response = client_for(personas.nina).post(
        container_url(vials[0]),
        {
            "action": "reverse",
            "reverse-movement_id": given.pk,
            "reverse-reason": "Charted on the wrong patient.",
        },
    )
    assert response.status_code == 302
    reversal = Movement.objects.get(kind=MovementKind.REVERSAL)
    assert (reversal.reverses, reversal.draw_delta) == (given, 800)
    assert Draw.objects.get(pk=draw.pk).balance == 800


def test_a_receipt_is_not_reversed(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    receipt = Movement.objects.get(container=vials[0], kind=MovementKind.RECEIPT)
    response = client_for(personas.nina).post(
        container_url(vials[0]),
        {"action": "reverse", "reverse-movement_id": receipt.pk, "reverse-reason": "Oops."},
    )
    assert response.status_code == 200
    assert "A receipt is not reversed" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.REVERSAL).exists()


def test_another_containers_entry_cannot_be_reversed_from_this_page(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    theirs = Movement.objects.get(container=vials[1], kind=MovementKind.RECEIPT)
    response = client_for(personas.nina).post(
        container_url(vials[0]),
        {"action": "reverse", "reverse-movement_id": theirs.pk, "reverse-reason": "Oops."},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.THERAPIST, Role.AUDITOR])
def test_roles_that_do_not_record_stock_cannot_act_on_a_container(
    client_for: SignIn, personas: Personas, vials: list[Container], role: Role
) -> None:
    user = personas.staff_by_role()[role]
    cart = safe(personas.clinic, "Procedure cart")
    response = client_for(user).post(
        container_url(vials[0]), {"action": "transfer", "transfer-to_location": cart.pk}
    )
    assert response.status_code == 403
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER).exists()


# --- a session ---------------------------------------------------------------------------------


def waste_form(draw: Draw, witness: User, password: str = TEST_PASSWORD) -> dict[str, Any]:
    prefix = f"waste-{draw.pk}"
    return {
        "action": "waste",
        "draw_id": draw.pk,
        f"{prefix}-quantity": "0.2",
        f"{prefix}-reason": "Remainder of the drawn dose, not given.",
        f"{prefix}-witness": witness.pk,
        f"{prefix}-witness_password": password,
    }


def test_a_session_draws_administers_and_wastes_with_a_witness(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    client = client_for(personas.nina)
    page = client.get(session_url(session))
    assert page.status_code == 200
    assert "V-00001" in page_text(page)
    response = client.post(
        session_url(session),
        {"action": "draw", "draw-container": vials[0].pk, "draw-quantity": "1"},
    )
    assert response.status_code == 302
    draw = Draw.objects.get()
    assert (draw.quantity, draw.balance, draw.patient) == (1_000, 1_000, personas.pat)
    opened = fresh(vials[0])
    assert opened.status == ContainerStatus.OPEN
    assert opened.beyond_use_at is not None
    response = client.post(
        session_url(session),
        {"action": "administer", "draw_id": draw.pk, f"administer-{draw.pk}-quantity": "0.8"},
    )
    assert response.status_code == 302
    response = client.post(session_url(session), waste_form(draw, personas.bob), follow=True)
    assert "witnessed by Bob Physician" in page_text(response)
    assert "Fully accounted for" in page_text(response)
    assert Draw.objects.get(pk=draw.pk).balance == 0
    waste = Movement.objects.get(kind=MovementKind.WASTE)
    assert (waste.witness, waste.recorded_by, waste.draw_delta) == (
        personas.bob,
        personas.nina,
        -200,
    )
    assert AuditEvent.objects.filter(action=AuditAction.INVENTORY_MOVEMENT).count() == 5


def test_the_appointment_page_links_to_the_session_stock_for_clinical_staff(
    client_for: SignIn, personas: Personas, session: Appointment
) -> None:
    link = session_url(session)
    assert link in page_text(
        client_for(personas.nina).get(f"/staff/schedule/appointments/{session.pk}/")
    )


@pytest.fixture
def drawn(personas: Personas, vials: list[Container], session: Appointment) -> Draw:
    draw = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=1_000, appointment=session
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    return draw


def test_a_wrong_witness_password_records_nothing(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    response = client_for(personas.nina).post(
        session_url(session), waste_form(drawn, personas.bob, "not-bobs")
    )
    assert response.status_code == 200
    assert "That is not Bob Physician's password" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_the_nurse_cannot_witness_her_own_waste(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    response = client_for(personas.nina).post(
        session_url(session), waste_form(drawn, personas.nina)
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_a_witness_without_a_licence_cannot_sign_a_waste(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    unlicensed = staff_member(personas.clinic, Role.NURSE, full_name="Una Unlicensed")
    response = client_for(personas.nina).post(session_url(session), waste_form(drawn, unlicensed))
    assert response.status_code == 200
    assert "Una Unlicensed cannot witness" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_a_witness_with_an_expired_licence_cannot_sign(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    lapsed = staff_member(
        personas.clinic,
        Role.NURSE,
        credentials=(CredentialKind.NURSING_LICENSE,),
        full_name="Lee Lapsed",
    )
    lapsed.credentials.update(expires_on=personas.clinic.local_today() - datetime.timedelta(1))
    response = client_for(personas.nina).post(session_url(session), waste_form(drawn, lapsed))
    assert "Lee Lapsed cannot witness" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_wasting_more_than_is_left_of_the_draw_is_refused(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    body = waste_form(drawn, personas.bob)
    body[f"waste-{drawn.pk}-quantity"] = "0.3"
    response = client_for(personas.nina).post(session_url(session), body)
    assert response.status_code == 200
    assert "Only 0.2 mL of this draw is left to account for" in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.WASTE).exists()


def test_drawing_more_than_the_vial_holds_is_refused(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    response = client_for(personas.nina).post(
        session_url(session),
        {"action": "draw", "draw-container": vials[0].pk, "draw-quantity": "10.001"},
    )
    assert response.status_code == 200
    assert "V-00001 holds 10 mL; 10.001 mL cannot be taken from it" in page_text(response)
    assert not Draw.objects.exists()


def test_expired_and_beyond_use_vials_are_not_offered_and_cannot_be_drawn(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    Lot.objects.filter(pk=vials[0].lot_id).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    fresh_lot = receive(personas, vials[0].lot.product, vials[0].location, count=1, lot="NEW")[0]
    past = timezone.now() - datetime.timedelta(minutes=1)
    Container.objects.filter(pk=fresh_lot.pk).update(
        status=ContainerStatus.OPEN,
        opened_at=past - datetime.timedelta(days=28),
        beyond_use_at=past,
    )
    client = client_for(personas.nina)
    text = page_text(client.get(session_url(session)))
    assert vials[0].label not in text
    assert fresh_lot.label not in text
    for container in (vials[0], fresh_lot):
        response = client.post(
            session_url(session),
            {"action": "draw", "draw-container": container.pk, "draw-quantity": "1"},
        )
        assert response.status_code == 200
        assert "Select a valid choice" in page_text(response)
    assert not Draw.objects.exists()


def test_an_amount_finer_than_a_microlitre_is_refused(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment
) -> None:
    response = client_for(personas.nina).post(
        session_url(session),
        {"action": "draw", "draw-container": vials[0].pk, "draw-quantity": "0.0001"},
    )
    assert response.status_code == 200
    assert not Draw.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_the_session_page_is_for_those_who_chart_sessions(
    client_for: SignIn, personas: Personas, session: Appointment, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    assert client_for(user).get(session_url(session)).status_code == (
        200 if role in CHARTERS else 403
    )


def test_another_clinics_session_is_a_404(
    client_for: SignIn, personas: Personas, session: Appointment
) -> None:
    assert client_for(personas.charlie).get(session_url(session)).status_code == 404


def test_a_draw_of_another_session_cannot_be_wasted_here(
    client_for: SignIn, personas: Personas, session: Appointment, drawn: Draw
) -> None:
    other = Appointment.objects.exclude(pk=session.pk).first()
    assert other is None  # only one session: post a draw id that is not this session's
    response = client_for(personas.nina).post(
        session_url(session), {**waste_form(drawn, personas.bob), "draw_id": drawn.pk + 999}
    )
    assert response.status_code == 404


# --- products and locations --------------------------------------------------------------------


def test_the_clinic_admin_adds_and_deactivates_a_product(
    client_for: SignIn, personas: Personas
) -> None:
    client = client_for(personas.ada)
    response = client.post(
        PRODUCTS,
        {
            "action": "add",
            "name": "Ketamine HCl 100 mg/mL, 5 mL vial",
            "form": "vial",
            "ndc": "0409-2051-05",
            "strength_mg_per_ml": "100",
            "volume_ml": "5",
        },
    )
    assert response.status_code == 302
    product = Product.objects.get(ndc="0409-2051-05")
    assert product.units_per_container == 5_000
    assert (
        client.post(PRODUCTS, {"action": "deactivate", "product_id": product.pk}).status_code == 302
    )
    assert not Product.objects.get(pk=product.pk).is_active
    events = AuditEvent.objects.filter(action=AuditAction.CLINIC_UPDATED)
    assert events.count() == 2


def test_the_products_page_writes_sizes_as_a_clinician_does(
    client_for: SignIn, personas: Personas
) -> None:
    client = client_for(personas.ada)
    for ndc, strength, volume in (("0409-2051-05", "100", "5"), ("42023-113-10", "10", "20")):
        client.post(
            PRODUCTS,
            {
                "action": "add",
                "name": f"Ketamine {ndc}",
                "form": "vial",
                "ndc": ndc,
                "strength_mg_per_ml": strength,
                "volume_ml": volume,
            },
        )
    esketamine_56(personas.clinic)
    text = page_text(client.get(PRODUCTS))
    assert "100 mg/mL × 5 mL vial" in text
    assert "10 mg/mL × 20 mL vial" in text
    assert "kit of 2 × 28 mg devices" in text
    assert "E+" not in text


@pytest.mark.parametrize("typed", ["1e2", "1E+2", " 1e2", "NaN", "1,000"])
def test_a_products_size_with_an_exponent_is_refused_not_read(
    client_for: SignIn, personas: Personas, typed: str
) -> None:
    response = client_for(personas.ada).post(
        PRODUCTS,
        {
            "action": "add",
            "name": "Ketamine",
            "form": "vial",
            "ndc": "0409-2051-05",
            "strength_mg_per_ml": typed,
            "volume_ml": "5",
        },
    )
    assert response.status_code == 200
    assert PLAIN_NUMBER in page_text(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize("typed", ["1e0", "8E-1", "1e-3"])
def test_an_amount_with_an_exponent_is_refused_and_nothing_is_drawn(
    client_for: SignIn, personas: Personas, vials: list[Container], session: Appointment, typed: str
) -> None:
    """Django's own DecimalField reads "1e0" as 1 mL; a nurse never writes an amount so."""
    response = client_for(personas.nina).post(
        session_url(session),
        {"action": "draw", "draw-container": vials[0].pk, "draw-quantity": typed},
    )
    assert response.status_code == 200
    assert PLAIN_NUMBER in page_text(response)
    assert f'value="{typed}"' in response.content.decode()
    assert not Draw.objects.exists()
    assert fresh(vials[0]).balance == 10_000


def test_every_decimal_a_stock_form_takes_is_a_plain_number() -> None:
    decimal_fields = [
        (form.__name__, name)
        for form in vars(stock_forms).values()
        if isinstance(form, type) and issubclass(form, forms.Form)
        for name, field in form.base_fields.items()
        if isinstance(field, forms.DecimalField) and not isinstance(field, PlainDecimalField)
    ]
    assert decimal_fields == []


def test_a_vial_without_its_strength_is_refused(client_for: SignIn, personas: Personas) -> None:
    response = client_for(personas.ada).post(
        PRODUCTS, {"action": "add", "name": "Ketamine", "form": "vial", "ndc": "1-2-3"}
    )
    assert response.status_code == 200
    assert "A vial needs its strength in mg/mL." in page_text(response)
    assert not Product.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_products_are_managed_by_the_clinic_admin_only(
    client_for: SignIn, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    client = client_for(user)
    assert client.get(PRODUCTS).status_code == (200 if role in VIEWERS else 403)
    response = client.post(
        PRODUCTS,
        {
            "action": "add",
            "name": "Kit",
            "form": "device_kit",
            "ndc": "50458-028-03",
            "devices_per_kit": "3",
            "mg_per_device": "28",
        },
    )
    allowed = role in PERMISSIONS[Action.CLINIC_MANAGE].roles
    assert response.status_code == (302 if allowed else 403)
    assert Product.objects.exists() == allowed


def test_locations_are_added_and_taken_out_of_service(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    client = client_for(personas.nina)
    assert client.post(LOCATIONS, {"action": "add", "name": "Procedure cart"}).status_code == 302
    cart = StorageLocation.objects.get(name="Procedure cart")
    duplicate = client.post(LOCATIONS, {"action": "add", "name": "procedure cart"})
    assert "already a storage location" in page_text(duplicate)
    client.post(LOCATIONS, {"action": "deactivate", "location_id": cart.pk})
    assert not StorageLocation.objects.get(pk=cart.pk).is_active
    response = client.post(
        LOCATIONS, {"action": "deactivate", "location_id": vials[0].location_id}, follow=True
    )
    assert "Main safe still holds 2 containers; transfer them first." in page_text(response)
    assert StorageLocation.objects.get(pk=vials[0].location_id).is_active


@pytest.mark.parametrize("role", list(Role))
def test_locations_are_added_by_those_who_record_stock(
    client_for: SignIn, personas: Personas, role: Role
) -> None:
    user = personas.staff_by_role()[role]
    client = client_for(user)
    assert client.get(LOCATIONS).status_code == (200 if role in VIEWERS else 403)
    response = client.post(LOCATIONS, {"action": "add", "name": "Safe 2"})
    assert response.status_code == (302 if role in RECORDERS else 403)
    assert StorageLocation.objects.filter(name="Safe 2").exists() == (role in RECORDERS)


def test_another_clinics_location_is_a_404(client_for: SignIn, personas: Personas) -> None:
    theirs = safe(personas.other_clinic)
    response = client_for(personas.nina).post(
        LOCATIONS, {"action": "deactivate", "location_id": theirs.pk}
    )
    assert response.status_code == 404
    assert StorageLocation.objects.get(pk=theirs.pk).is_active


def test_a_container_that_has_left_the_stock_says_why_nothing_is_recorded(
    client_for: SignIn, personas: Personas, vials: list[Container]
) -> None:
    client = client_for(personas.nina)
    client.post(container_url(vials[0]), destroy_form(personas))
    cart = safe(personas.clinic, "Procedure cart")
    response = client.post(
        container_url(vials[0]), {"action": "transfer", "transfer-to_location": cart.pk}
    )
    assert response.status_code == 200
    assert "V-00001 is returned or destroyed." in page_text(response)
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER).exists()
