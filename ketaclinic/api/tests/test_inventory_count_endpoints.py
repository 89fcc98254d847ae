"""Counts, discrepancies and the Schedule III reports over the API: a count recorded through the
count service with its witness signing by password, the discrepancy it opens worked to its
resolution, the five reports as JSON (and CSV), every refusal, every role against the matrix,
other clinics' records a 404, and lists whose cost does not grow with their length."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
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
from ketaclinic.inventory.api.outputs import ReportCellField
from ketaclinic.inventory.counts import CountEntry, discrepancy_assess, stock_count_record
from ketaclinic.inventory.models import (
    Container,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    MovementKind,
    StockCount,
)
from ketaclinic.inventory.services import (
    container_draw,
    draw_administer,
    draw_waste,
    stock_receive,
)
from ketaclinic.inventory.tests.support import (
    SUPPLIER,
    Stock,
    esketamine_56,
    infusion,
    ketamine_50,
    receive,
    safe,
)
from ketaclinic.testing.factories import TEST_PASSWORD, staff_member
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

VIEWERS = PERMISSIONS[Action.INVENTORY_VIEW].roles
RECORDERS = PERMISSIONS[Action.INVENTORY_RECORD].roles


def nina(personas: Personas) -> str:
    return token_for(personas, personas.nina)


def entries(stock: Stock, **changes: dict[str, Any]) -> list[dict[str, Any]]:
    """Every vial found, sealed; `changes` by label (`V_00001={...}`)."""
    rows = []
    for vial in stock.vials:
        row: dict[str, Any] = {"container_id": vial.pk, "is_found": True}
        row.update(changes.get(vial.label.replace("-", "_"), {}))
        rows.append(row)
    return rows


def shift_body(stock: Stock, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "shift",
        "location_id": stock.location.pk,
        "entries": entries(stock),
    }
    body.update(changes)
    return body


def inventory_body(stock: Stock, witness: User, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "initial",
        "timing": "opening",
        "witness_id": witness.pk,
        "witness_password": TEST_PASSWORD,
        "entries": entries(stock),
        "note": "Opening the registration.",
    }
    body.update(changes)
    return body


def one_missing(personas: Personas, stock: Stock) -> Discrepancy:
    """A shift count by the service in which V-00001 was not found."""
    found = [CountEntry(container_id=vial.pk, is_found=True) for vial in stock.vials]
    found[0] = CountEntry(container_id=stock.vials[0].pk, is_found=False)
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.SHIFT,
        location=stock.location,
        entries=found,
    )
    return Discrepancy.objects.get(count_line__count=count)


def open_vial(personas: Personas, stock: Stock, quantity: int = 2_000) -> Container:
    vial = stock.vials[0]
    container_draw(
        acting_user=personas.nina,
        container=vial,
        quantity=quantity,
        appointment=infusion(personas),
    )
    vial.refresh_from_db()
    return vial


# --- counts ------------------------------------------------------------------------------------


def test_a_shift_count_is_recorded_and_read(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    response = post(client, "inventory/counts", shift_body(stock, note="All present."), token)
    assert response.status_code == 201, response.json()
    count = response.json()
    assert response["Location"] == f"/api/v1/inventory/counts/{count['id']}"
    assert (count["kind"], count["location_name"], count["timing"], count["witness_id"]) == (
        "shift",
        "Main safe",
        None,
        None,
    )
    assert (count["line_total"], count["discrepancy_total"], count["note"]) == (
        3,
        0,
        "All present.",
    )
    line = count["lines"][0]
    assert (line["container_label"], line["expected"], line["counted"], line["difference"]) == (
        "V-00001",
        "10.000",
        "10.000",
        "0.000",
    )
    assert (line["expected_units"], line["is_estimate"], line["discrepancy_id"]) == (
        10_000,
        False,
        None,
    )
    assert get(client, f"inventory/counts/{count['id']}", token).json() == count
    listed = get(client, "inventory/counts", token).json()
    assert listed["count"] == 1
    assert {key: listed["results"][0][key] for key in ("id", "line_total", "timing")} == {
        "id": count["id"],
        "line_total": 3,
        "timing": None,
    }
    assert "lines" not in listed["results"][0]
    assert AuditEvent.objects.filter(action=AuditAction.INVENTORY_COUNTED).count() == 1


def test_a_missing_vial_and_an_estimated_one_open_discrepancies(
    client: Client, personas: Personas, stock: Stock
) -> None:
    open_vial(personas, stock)  # V-00001: 8 mL by the ledger
    body = shift_body(
        stock,
        entries=entries(
            stock,
            V_00001={"amount": "7.5"},
            V_00002={"is_found": False},
        ),
    )
    response = post(client, "inventory/counts", body, nina(personas))
    assert response.status_code == 201, response.json()
    count = response.json()
    assert count["discrepancy_total"] == 2
    opened, missing, whole = count["lines"]
    assert (opened["expected"], opened["counted"], opened["difference"]) == (
        "8.000",
        "7.500",
        "-0.500",
    )
    assert (opened["difference_units"], opened["is_estimate"]) == (-500, True)
    assert (missing["counted_units"], missing["difference"], missing["is_estimate"]) == (
        0,
        "-10.000",
        False,
    )
    assert whole["discrepancy_id"] is None
    listed = get(client, "inventory/discrepancies", nina(personas)).json()["results"]
    assert {row["id"] for row in listed} == {opened["discrepancy_id"], missing["discrepancy_id"]}


def test_an_initial_inventory_is_witnessed_by_password(
    client: Client, personas: Personas, stock: Stock
) -> None:
    response = post(client, "inventory/counts", inventory_body(stock, personas.bob), nina(personas))
    assert response.status_code == 201, response.json()
    count = response.json()
    assert (count["kind"], count["timing"], count["location_id"]) == ("initial", "opening", None)
    assert (count["witness_id"], count["witness_name"]) == (personas.bob.pk, "Bob Physician")
    assert "witness_password" not in count
    again = post(client, "inventory/counts", inventory_body(stock, personas.bob), nina(personas))
    assert again.status_code == 409
    assert (
        "already been taken" in assert_error_shape(again, "precondition_failed")["error"]["message"]
    )
    biennial = inventory_body(stock, personas.alice, kind="biennial", timing="close")
    assert post(client, "inventory/counts", biennial, nina(personas)).status_code == 201


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"witness_password": "not-bobs"}, "witness_password", "not Bob Physician's password"),
        ({"witness_password": None}, "witness_password", "own password"),
        ({"witness_id": None, "witness_password": None}, "witness_id", "witness"),
        ({"timing": None}, "timing", "opening or close"),
        ({"location_id": "safe"}, "location_id", None),
        ({"witness_id": 10**9}, "witness_id", "member of staff"),
    ],
)
def test_an_inventory_the_rules_refuse_records_nothing(
    client: Client,
    personas: Personas,
    stock: Stock,
    changes: dict[str, Any],
    field: str,
    words: str | None,
) -> None:
    body = inventory_body(stock, personas.bob)
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    response = post(client, "inventory/counts", body, nina(personas))
    assert response.status_code == 400, response.json()
    error = assert_error_shape(response, "invalid_input")["error"]
    assert field in error["fields"]
    if words:
        assert words in error["message"]
    assert not StockCount.objects.exists()


def test_the_counter_cannot_witness_their_own_inventory(
    client: Client, personas: Personas, stock: Stock
) -> None:
    response = post(
        client, "inventory/counts", inventory_body(stock, personas.nina), nina(personas)
    )
    assert response.status_code == 400
    error = assert_error_shape(response, "invalid_input")["error"]
    assert list(error["fields"]) == ["witness_id"]
    assert "someone other than the person counting" in error["message"]
    assert not StockCount.objects.exists()


def test_an_unlicensed_witness_cannot_sign(
    client: Client, personas: Personas, stock: Stock
) -> None:
    unlicensed = staff_member(personas.clinic, Role.NURSE, full_name="Una Unlicensed")
    for witness in (unlicensed, personas.fran, personas.charlie):
        response = post(client, "inventory/counts", inventory_body(stock, witness), nina(personas))
        assert response.status_code == 400
        assert list(assert_error_shape(response, "invalid_input")["error"]["fields"]) == [
            "witness_id"
        ]
    assert not StockCount.objects.exists()


def test_repeated_wrong_witness_passwords_pause_the_witness(
    client: Client, personas: Personas, stock: Stock, settings: Any
) -> None:
    settings.WITNESS_SIGNATURE_FAILURE_LIMIT = 2
    wrong = inventory_body(stock, personas.bob, witness_password="guess")
    assert post(client, "inventory/counts", wrong, nina(personas)).status_code == 400
    response = post(client, "inventory/counts", wrong, nina(personas))
    assert response.status_code == 429
    assert_error_shape(response, "rate_limited")
    right = inventory_body(stock, personas.bob)
    assert post(client, "inventory/counts", right, nina(personas)).status_code == 429
    assert not StockCount.objects.exists()


def test_a_routine_count_may_be_witnessed_and_the_witness_signs(
    client: Client, personas: Personas, stock: Stock
) -> None:
    unsigned = shift_body(stock, witness_id=personas.bob.pk)
    response = post(client, "inventory/counts", unsigned, nina(personas))
    assert response.status_code == 400
    assert "witness_password" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    stray = shift_body(stock, witness_password=TEST_PASSWORD)
    response = post(client, "inventory/counts", stray, nina(personas))
    assert response.status_code == 400
    assert "witness_password" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    signed = shift_body(stock, witness_id=personas.bob.pk, witness_password=TEST_PASSWORD)
    response = post(client, "inventory/counts", signed, nina(personas))
    assert response.status_code == 201
    assert response.json()["witness_id"] == personas.bob.pk


def test_a_container_counted_twice_or_left_out_is_refused(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    rows = entries(stock)
    twice = post(client, "inventory/counts", shift_body(stock, entries=[*rows, rows[0]]), token)
    assert twice.status_code == 400
    error = assert_error_shape(twice, "invalid_input")["error"]
    assert error["message"] == "Each container is counted once."
    assert list(error["fields"]) == ["entries"]
    left_out = post(client, "inventory/counts", shift_body(stock, entries=rows[1:]), token)
    assert left_out.status_code == 400
    error = assert_error_shape(left_out, "invalid_input")["error"]
    assert "V-00001 has no entry" in error["message"]
    assert list(error["fields"]) == ["entries"]
    theirs = stock_receive(
        acting_user=personas.charlie,
        product=ketamine_50(personas.other_clinic),
        location=safe(personas.other_clinic),
        lot_number="B1",
        expires_on=personas.clinic.local_today() + datetime.timedelta(days=300),
        container_count=1,
        received_on=personas.clinic.local_today(),
        **SUPPLIER,
    )
    foreign = [*rows, {"container_id": theirs[0].pk, "is_found": True}]
    response = post(client, "inventory/counts", shift_body(stock, entries=foreign), token)
    assert response.status_code == 400
    error = assert_error_shape(response, "invalid_input")["error"]
    assert theirs[0].label not in error["message"]  # nothing about the other clinic's stock
    assert list(error["fields"]) == ["entries"]
    assert not StockCount.objects.exists()


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        ("-1", "entries[0].amount"),
        ("0.0001", "entries[0].amount"),
        ("a lot", "entries[0].amount"),
        ("10.5", "entries[0].amount"),  # more than a full vial
        (None, "entries[0].amount"),  # an opened vial needs its measure
    ],
)
def test_an_amount_that_is_not_one_is_refused(
    client: Client, personas: Personas, stock: Stock, amount: str | None, field: str
) -> None:
    open_vial(personas, stock)
    body = shift_body(stock, entries=entries(stock, V_00001={"amount": amount}))
    response = post(client, "inventory/counts", body, nina(personas))
    assert response.status_code == 400, response.json()
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not StockCount.objects.exists()


def test_part_of_a_device_is_refused(client: Client, personas: Personas) -> None:
    location = safe(personas.clinic)
    kit = receive(personas, esketamine_56(personas.clinic), location, count=1)[0]
    Container.objects.filter(pk=kit.pk).update(status="open")
    body = {
        "kind": "daily",
        "location_id": location.pk,
        "entries": [{"container_id": kit.pk, "is_found": True, "amount": "1.5"}],
    }
    response = post(client, "inventory/counts", body, nina(personas))
    assert response.status_code == 400
    error = assert_error_shape(response, "invalid_input")["error"]
    assert error["fields"] == {"entries[0].amount": ["whole devices"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "weekly"}, "kind"),
        ({"location_id": None}, "location_id"),
        ({"entries": "all of them"}, "entries"),
        ({"counted_by": 3}, "counted_by"),
        ({"note": "x" * 501}, "note"),
    ],
)
def test_a_malformed_count_is_refused(
    client: Client, personas: Personas, stock: Stock, changes: dict[str, Any], field: str
) -> None:
    response = post(client, "inventory/counts", shift_body(stock, **changes), nina(personas))
    assert response.status_code == 400
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not StockCount.objects.exists()


def test_an_entry_that_is_not_found_or_found_is_refused(
    client: Client, personas: Personas, stock: Stock
) -> None:
    body = shift_body(stock, entries=entries(stock, V_00002={"is_found": "yes", "extra": 1}))
    response = post(client, "inventory/counts", body, nina(personas))
    assert response.status_code == 400
    assert assert_error_shape(response, "invalid_input")["error"]["fields"] == {
        "entries[1].extra": ["Unknown field."]
    }
    body = shift_body(stock, entries=entries(stock, V_00002={"is_found": "yes"}))
    response = post(client, "inventory/counts", body, nina(personas))
    assert assert_error_shape(response, "invalid_input")["error"]["fields"] == {
        "entries[1].is_found": ["Must be true or false."]
    }


def test_the_count_list_costs_the_same_queries_however_long(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    one_missing(personas, stock)
    get(client, "inventory/counts", token)
    with CaptureQueriesContext(connection) as short:
        get(client, "inventory/counts", token)
    for _ in range(3):
        one_missing(personas, stock)
    with CaptureQueriesContext(connection) as long:
        body = get(client, "inventory/counts", token).json()
    assert body["count"] == 4
    assert [row["discrepancy_total"] for row in body["results"]] == [1, 1, 1, 1]
    assert len(short) == len(long)


def test_a_count_reads_in_the_same_queries_however_many_lines(
    client: Client, personas: Personas
) -> None:
    token = nina(personas)
    product, location = ketamine_50(personas.clinic), safe(personas.clinic)
    small = Stock(product, location, receive(personas, product, location, count=1))
    first = one_missing(personas, small).count_line.count_id
    get(client, f"inventory/counts/{first}", token)
    with CaptureQueriesContext(connection) as short:
        get(client, f"inventory/counts/{first}", token)
    big = Stock(
        product, location, [*small.vials, *receive(personas, product, location, count=5, lot="L2")]
    )
    second = one_missing(personas, big).count_line.count_id
    with CaptureQueriesContext(connection) as long:
        assert len(get(client, f"inventory/counts/{second}", token).json()["lines"]) == 6
    assert len(short) == len(long)


# --- discrepancies -----------------------------------------------------------------------------


def test_a_discrepancy_is_worked_to_its_resolution(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    discrepancy = one_missing(personas, stock)
    path = f"inventory/discrepancies/{discrepancy.pk}"
    row = get(client, path, token).json()
    today = personas.clinic.local_today()
    assert (row["status"], row["container_label"], row["difference"]) == (
        "open",
        "V-00001",
        "-10.000",
    )
    assert (row["is_theft_or_significant_loss"], row["form_106_due_on"], row["is_overdue"]) == (
        None,
        None,
        False,
    )
    assert row["discovered_on"] == today.isoformat()
    too_early = post(client, f"{path}/dea-notice", {"sent_on": today.isoformat()}, token)
    assert too_early.status_code == 409
    assert post(client, f"{path}/resolve", {"findings": "Found."}, token).status_code == 409
    judged = post(
        client,
        f"{path}/findings",
        {"is_theft_or_significant_loss": True, "findings": "The vial is gone."},
        token,
    )
    assert judged.status_code == 200, judged.json()
    body = judged.json()
    assert body["is_theft_or_significant_loss"] is True
    assert body["form_106_due_on"] == (today + datetime.timedelta(days=45)).isoformat()
    assert "The vial is gone." in body["findings"]
    future = (today + datetime.timedelta(days=1)).isoformat()
    response = post(client, f"{path}/dea-notice", {"sent_on": future}, token)
    assert response.status_code == 400
    assert "sent_on" in assert_error_shape(response, "invalid_input")["error"]["fields"]
    notice = post(
        client, f"{path}/dea-notice", {"sent_on": today.isoformat(), "note": "Fax."}, token
    )
    assert notice.status_code == 200
    assert notice.json()["dea_notice_sent_on"] == today.isoformat()
    response = post(client, f"{path}/resolve", {"findings": "Reported."}, token)
    assert response.status_code == 409  # Form 106 first
    filed = post(
        client, f"{path}/form-106", {"filed_on": today.isoformat(), "reference": "F106-1"}, token
    )
    assert filed.status_code == 200
    assert filed.json()["form_106_filed_on"] == today.isoformat()
    resolved = post(client, f"{path}/resolve", {"findings": "Reported to the DEA."}, token)
    assert resolved.status_code == 200, resolved.json()
    assert (resolved.json()["status"], resolved.json()["resolved_by_id"]) == (
        "resolved",
        personas.nina.pk,
    )
    assert get(client, "inventory/discrepancies", token).json()["count"] == 0
    assert get(client, "inventory/discrepancies?status=resolved", token).json()["count"] == 1
    again = post(
        client, f"{path}/findings", {"is_theft_or_significant_loss": False, "findings": "x"}, token
    )
    assert again.status_code == 409
    events = AuditEvent.objects.filter(action=AuditAction.INVENTORY_DISCREPANCY)
    assert [event.detail["event"] for event in events.order_by("id")] == [
        "opened",
        "assessed",
        "dea_notice_sent",
        "form_106_filed",
        "resolved",
    ]


def judged_not_theft(personas: Personas, stock: Stock) -> Discrepancy:
    discrepancy = one_missing(personas, stock)
    return discrepancy_assess(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=False,
        findings="Miscounted at receipt.",
    )


def test_resolving_corrects_the_ledger_with_a_signed_off_adjustment(
    client: Client, personas: Personas, stock: Stock
) -> None:
    discrepancy = judged_not_theft(personas, stock)
    path = f"inventory/discrepancies/{discrepancy.pk}/resolve"
    body = {
        "findings": "Never received.",
        "adjust_balance": True,
        "approver_id": personas.alice.pk,
        "approver_password": TEST_PASSWORD,
    }
    response = post(client, path, body, nina(personas))
    assert response.status_code == 200, response.json()
    adjustment = Movement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (adjustment.container_delta, adjustment.witness_id) == (-10_000, personas.alice.pk)
    assert f"adjustment #{adjustment.pk}" in response.json()["findings"]
    vial = Container.objects.get(pk=stock.vials[0].pk)
    assert vial.balance == 0


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"approver_password": "wrong"}, "approver_password", "not Alice Director's password"),
        ({"approver_password": None}, "approver_password", "own password"),
        ({"approver_id": None, "approver_password": None}, "approver_id", "second person"),
        ({"approver_id": "nina"}, "approver_id", None),
        ({"approver_id": "fran"}, "approver_id", "cannot sign off"),
        ({"approver_id": "charlie"}, "approver_id", "member of staff"),
        ({"adjust_balance": False}, "approver_id", "nobody signs off"),
        ({"adjust_balance": "yes"}, "adjust_balance", None),
    ],
)
def test_an_adjustment_without_a_valid_sign_off_changes_nothing(
    client: Client,
    personas: Personas,
    stock: Stock,
    changes: dict[str, Any],
    field: str,
    words: str | None,
) -> None:
    discrepancy = judged_not_theft(personas, stock)
    body: dict[str, Any] = {
        "findings": "Never received.",
        "adjust_balance": True,
        "approver_id": personas.alice.pk,
        "approver_password": TEST_PASSWORD,
    }
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        elif key == "approver_id":
            body[key] = getattr(personas, value).pk
        else:
            body[key] = value
    response = post(
        client, f"inventory/discrepancies/{discrepancy.pk}/resolve", body, nina(personas)
    )
    assert response.status_code == 400, response.json()
    error = assert_error_shape(response, "invalid_input")["error"]
    assert field in error["fields"]
    if words:
        assert words in error["message"]
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.OPEN
    assert not Movement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()


def test_missed_deadlines_are_flagged(client: Client, personas: Personas, stock: Stock) -> None:
    discrepancy = one_missing(personas, stock)
    Discrepancy.objects.filter(pk=discrepancy.pk).update(
        discovered_at=timezone.now() - datetime.timedelta(days=10)
    )
    row = get(client, "inventory/discrepancies", nina(personas)).json()["results"][0]
    assert (row["is_overdue"], row["is_judgement_overdue"], row["is_dea_notice_overdue"]) == (
        True,
        True,
        False,
    )


def test_a_malformed_discrepancy_write_is_refused(
    client: Client, personas: Personas, stock: Stock
) -> None:
    discrepancy = one_missing(personas, stock)
    path = f"inventory/discrepancies/{discrepancy.pk}"
    token = nina(personas)
    for suffix, body, field in (
        (
            "findings",
            {"is_theft_or_significant_loss": 1, "findings": "x"},
            "is_theft_or_significant_loss",
        ),
        ("findings", {"is_theft_or_significant_loss": True}, "findings"),
        ("findings", {"is_theft_or_significant_loss": True, "findings": " "}, "findings"),
        ("dea-notice", {"sent_on": "yesterday"}, "sent_on"),
        ("form-106", {"filed_on": "2026-01-01", "reference": "x" * 101}, "reference"),
        ("resolve", {"findings": "x", "approver": 1}, "approver"),
    ):
        response = post(client, f"{path}/{suffix}", body, token)
        assert response.status_code == 400, (suffix, response.json())
        assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert get(client, "inventory/discrepancies?status=lost", token).status_code == 400


def test_the_discrepancy_list_costs_the_same_queries_however_long(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    one_missing(personas, stock)
    get(client, "inventory/discrepancies?status=all", token)
    with CaptureQueriesContext(connection) as short:
        get(client, "inventory/discrepancies?status=all", token)
    for _ in range(3):
        judged_not_theft(personas, stock)
    with CaptureQueriesContext(connection) as long:
        assert get(client, "inventory/discrepancies?status=all", token).json()["count"] == 4
    assert len(short) == len(long)


# --- reports -----------------------------------------------------------------------------------


@pytest.fixture
def dispensed(personas: Personas, stock: Stock) -> Movement:
    """1 mL drawn for Pat, 0.8 mL given, 0.2 mL wasted before Bob (a reason a spreadsheet would
    run as a formula)."""
    draw = container_draw(
        acting_user=personas.nina,
        container=stock.vials[0],
        quantity=1_000,
        appointment=infusion(personas),
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=800)
    return draw_waste(
        acting_user=personas.nina,
        draw=draw,
        quantity=200,
        reason='=HYPERLINK("http://evil.example")',
        witness=personas.bob,
    )


def test_the_dispensing_log_reads_as_json_and_is_audited(
    client: Client, personas: Personas, dispensed: Movement
) -> None:
    response = get(client, "inventory/reports/dispensing", nina(personas))
    assert response.status_code == 200, response.json()
    report = response.json()
    today = personas.clinic.local_today()
    assert (report["report"], report["title"]) == ("dispensing", "Dispensing log")
    assert report["filters"] == {
        "start": today.replace(day=1).isoformat(),
        "end": today.isoformat(),
        "product_id": None,
        "location_id": None,
        "count_id": None,
    }
    log, totals = report["tables"]
    assert (log["is_primary"], totals["is_primary"]) == (True, False)
    columns = log["columns"]
    given, wasted = (dict(zip(columns, row, strict=True)) for row in log["rows"])
    assert (given["Entry"], given["Quantity"], given["mg"], given["Unit"]) == (
        "Administered",
        "0.8",
        "40",
        "mL",
    )
    assert given["Patient"].startswith("Pat ")
    assert (wasted["Witness"], wasted["Entry no."]) == ("Bob Physician", dispensed.pk)
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_LIST_VIEWED)
    assert (event.detail["report"], event.detail["format"], event.actor_id) == (
        "inventory.dispensing",
        "json",
        personas.nina.pk,
    )


def test_a_report_reads_as_csv_with_formulas_defused(
    client: Client, personas: Personas, dispensed: Movement
) -> None:
    response = get(client, "inventory/reports/waste?format=csv", nina(personas))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="waste-clinic-a-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, wasted = rows
    assert header[:3] == ["Date and time", "Entry", "Product"]
    assert dict(zip(header, wasted, strict=True))["Reason or circumstances"].startswith("'=")
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_LIST_VIEWED)
    assert (event.detail["report"], event.detail["format"]) == ("inventory.waste", "csv")


def test_reports_that_name_no_patient_are_not_audited_as_reads(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    balances = get(client, f"inventory/reports/balances?location_id={stock.location.pk}", token)
    assert balances.status_code == 200
    on_hand = balances.json()["tables"][0]
    assert [row[4] for row in on_hand["rows"]] == ["V-00001", "V-00002", "V-00003"]
    receipts = get(client, f"inventory/reports/receipts?product_id={stock.product.pk}", token)
    assert receipts.json()["tables"][0]["rows"][0][10] == 3  # containers, a whole number
    assert not AuditEvent.objects.filter(action=AuditAction.PATIENT_LIST_VIEWED).exists()


def test_the_inventory_report_reads_a_chosen_inventory(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    empty = get(client, "inventory/reports/inventory", token).json()
    assert empty["notes"] == ["No initial or biennial inventory has been taken at this clinic yet."]
    count = post(client, "inventory/counts", inventory_body(stock, personas.bob), token).json()
    report = get(client, f"inventory/reports/inventory?count_id={count['id']}", token).json()
    assert report["filters"]["count_id"] == count["id"]
    assert "witnessed by Bob Physician" in report["notes"][0]
    assert len(report["tables"][0]["rows"]) == 3
    shift = one_missing(personas, stock).count_line.count_id
    response = get(client, f"inventory/reports/inventory?count_id={shift}", token)
    assert response.status_code == 404  # a shift count is not an inventory


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("balances?start=2026-01-01", "start"),
        ("inventory?product_id=1", "product_id"),
        ("dispensing?location_id=1", "location_id"),
        ("receipts?count_id=1", "count_id"),
        ("dispensing?start=2026-02-01&end=2026-01-01", "end"),
        ("waste?start=2024-01-01&end=2026-01-01", "end"),
        ("dispensing?format=pdf", "format"),
        ("dispensing?start=soon", "start"),
    ],
)
def test_filters_that_are_not_valid_are_refused(
    client: Client, personas: Personas, query: str, field: str
) -> None:
    response = get(client, f"inventory/reports/{query}", nina(personas))
    assert response.status_code == 400, response.json()
    assert field in assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert not AuditEvent.objects.filter(action=AuditAction.PATIENT_LIST_VIEWED).exists()


def test_a_period_defaults_to_the_month_it_ends_in(client: Client, personas: Personas) -> None:
    response = get(client, "inventory/reports/receipts?end=2026-10-10", nina(personas))
    assert response.status_code == 200
    filters = response.json()["filters"]
    assert (filters["start"], filters["end"]) == ("2026-10-01", "2026-10-10")


def test_an_unknown_report_is_a_404(client: Client, personas: Personas) -> None:
    response = get(client, "inventory/reports/thefts", nina(personas))
    assert response.status_code == 404
    assert_error_shape(response, "not_found")


def test_the_report_cost_does_not_grow_with_its_rows(
    client: Client, personas: Personas, stock: Stock
) -> None:
    token = nina(personas)
    get(client, "inventory/reports/balances", token)
    with CaptureQueriesContext(connection) as short:
        get(client, "inventory/reports/balances", token)
    receive(personas, stock.product, stock.location, count=6, lot="L2")
    with CaptureQueriesContext(connection) as long:
        assert (
            len(get(client, "inventory/reports/balances", token).json()["tables"][0]["rows"]) == 9
        )
    assert len(short) == len(long)


# --- roles and clinics -------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_counts_discrepancies_and_reports_are_read_by_the_roles_the_matrix_allows(
    client: Client, personas: Personas, stock: Stock, role: Role
) -> None:
    discrepancy = one_missing(personas, stock)
    token = token_for(personas, personas.staff_by_role()[role])
    for path in (
        "inventory/counts",
        f"inventory/counts/{discrepancy.count_line.count_id}",
        "inventory/discrepancies",
        f"inventory/discrepancies/{discrepancy.pk}",
        *(f"inventory/reports/{slug}" for slug in ("dispensing", "receipts", "waste")),
        "inventory/reports/balances",
        "inventory/reports/inventory",
        "inventory/reports/dispensing?format=csv",
    ):
        response = get(client, path, token)
        assert response.status_code == (200 if role in VIEWERS else 403), (path, role)
        if role not in VIEWERS:
            assert_error_shape(response, "permission_refused")
    audited = AuditEvent.objects.filter(action=AuditAction.PATIENT_LIST_VIEWED).count()
    assert audited == (3 if role in VIEWERS else 0)


@pytest.mark.parametrize("role", list(Role))
def test_counting_is_for_the_roles_that_record_stock(
    client: Client, personas: Personas, stock: Stock, role: Role
) -> None:
    token = token_for(personas, personas.staff_by_role()[role])
    response = post(client, "inventory/counts", shift_body(stock), token)
    assert response.status_code == (201 if role in RECORDERS else 403)
    assert StockCount.objects.exists() == (role in RECORDERS)


@pytest.mark.parametrize("role", list(Role))
def test_discrepancies_are_worked_by_the_roles_that_record_stock(
    client: Client, personas: Personas, stock: Stock, role: Role
) -> None:
    discrepancy = one_missing(personas, stock)
    path = f"inventory/discrepancies/{discrepancy.pk}"
    token = token_for(personas, personas.staff_by_role()[role])
    today = personas.clinic.local_today().isoformat()
    expected = 200 if role in RECORDERS else 403
    for suffix, body in (
        ("findings", {"is_theft_or_significant_loss": True, "findings": "Gone."}),
        ("dea-notice", {"sent_on": today}),
        ("form-106", {"filed_on": today, "reference": "F106-7"}),
        ("resolve", {"findings": "Reported."}),
    ):
        response = post(client, f"{path}/{suffix}", body, token)
        assert response.status_code == expected, (suffix, response.json())
    discrepancy.refresh_from_db()
    assert (discrepancy.status == DiscrepancyStatus.RESOLVED) == (role in RECORDERS)


def test_permission_is_checked_before_the_body(
    client: Client, personas: Personas, stock: Stock
) -> None:
    discrepancy = one_missing(personas, stock)
    token = token_for(personas, personas.fran)
    for path in (
        "inventory/counts",
        *(
            f"inventory/discrepancies/{discrepancy.pk}/{suffix}"
            for suffix in ("findings", "dea-notice", "form-106", "resolve")
        ),
        "inventory/discrepancies/999999/findings",
    ):
        response = post(client, path, {"nonsense": 1}, token)
        assert response.status_code == 403, path
        assert_error_shape(response, "permission_refused")
    response = get(client, "inventory/reports/nonsense?format=xml", token)
    assert response.status_code == 403


def test_another_clinics_counts_discrepancies_and_stock_are_a_404(
    client: Client, personas: Personas, stock: Stock, dispensed: Movement
) -> None:
    discrepancy = one_missing(personas, stock)
    body = inventory_body(stock, personas.bob, entries=entries(stock, V_00001={"amount": "9"}))
    inventory = post(client, "inventory/counts", body, nina(personas)).json()
    token = token_for(personas, personas.charlie, personas.other_clinic)
    for path in (
        f"inventory/counts/{discrepancy.count_line.count_id}",
        f"inventory/discrepancies/{discrepancy.pk}",
        f"inventory/reports/dispensing?product_id={stock.product.pk}",
        f"inventory/reports/balances?location_id={stock.location.pk}",
        f"inventory/reports/inventory?count_id={inventory['id']}",
    ):
        response = get(client, path, token)
        assert response.status_code == 404, path
        assert_error_shape(response, "not_found")
    for suffix in ("findings", "dea-notice", "form-106", "resolve"):
        response = post(client, f"inventory/discrepancies/{discrepancy.pk}/{suffix}", {}, token)
        assert response.status_code == 404, suffix
    body = {"kind": "shift", "location_id": stock.location.pk, "entries": []}
    response = post(client, "inventory/counts", body, token)
    assert response.status_code == 404
    assert get(client, "inventory/counts", token).json()["count"] == 0
    assert get(client, "inventory/discrepancies?status=all", token).json()["count"] == 0
    theirs = get(client, "inventory/reports/dispensing", token).json()["tables"][0]["rows"]
    assert theirs == []
    assert StockCount.objects.filter(clinic=personas.other_clinic).count() == 0


def test_a_report_cell_is_a_plain_number_never_an_exponent() -> None:
    field = ReportCellField()
    assert [field.to_representation(cell) for cell in (Decimal("1E+2"), Decimal("0.800"), 7)] == [
        "100",
        "0.8",
        7,
    ]
