"""The Schedule III reports, readily retrievable (21 CFR 1304.04): the dispensing log, receipts,
waste and disposal, current balances and the inventory, each as a page, a CSV and a PDF, read in
a fixed number of queries, and never a way to delete."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory import count_urls, count_views
from ketaclinic.inventory.counts import CountEntry, stock_count_record
from ketaclinic.inventory.models import (
    BusinessTiming,
    Container,
    CountKind,
    Draw,
    Movement,
    MovementKind,
    Product,
    ProductForm,
    StorageLocation,
)
from ketaclinic.inventory.reports import (
    BALANCE_COLUMNS,
    DISPENSING_COLUMNS,
    INVENTORY_COLUMNS,
    RECEIPT_COLUMNS,
    REPORTS,
    WASTE_COLUMNS,
    ReportFilters,
    cell_text,
    form_and_strength,
    milligrams,
    quantity,
    report_build,
)
from ketaclinic.inventory.services import (
    breakage_record,
    container_destroy,
    container_draw,
    container_return,
    draw_administer,
    draw_waste,
    movement_reverse,
    stock_receive,
)
from ketaclinic.inventory.tests.support import SUPPLIER, infusion, ketamine_50, receive, safe
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

COLUMNS = {
    "dispensing": DISPENSING_COLUMNS,
    "receipts": RECEIPT_COLUMNS,
    "waste": WASTE_COLUMNS,
    "balances": BALANCE_COLUMNS,
    "inventory": INVENTORY_COLUMNS,
}


@dataclass
class Ledger:
    product: Product
    location: StorageLocation
    vials: list[Container]
    today: datetime.date
    appointment: Appointment


@pytest.fixture
def ledger(personas: Personas) -> Ledger:
    """Three vials received; from V-00001 a session is given 0.7 mL and 0.3 mL is wasted, then
    0.5 mL more is drawn, charted as given, and that entry reversed (still to account for);
    V-00002 breaks; V-00003 is destroyed. A fourth vial goes back to a reverse distributor."""
    clinic = personas.clinic
    clinic.dea_registration_number = "FK1234563"
    clinic.save()
    pat = personas.pat
    pat.address_line1 = "12 Elm Street"
    pat.city = "Denver"
    pat.state = "CO"
    pat.postal_code = "80203"
    pat.save()
    product = ketamine_50(clinic)
    location = safe(clinic)
    vials = receive(personas, product, location, count=3)
    appointment = infusion(personas)
    draw = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=1_000, appointment=appointment
    )
    draw_administer(acting_user=personas.nina, draw=draw, quantity=700)
    draw_waste(
        acting_user=personas.nina,
        draw=draw,
        quantity=300,
        reason="+ remainder in syringe",
        witness=personas.bob,
    )
    second = container_draw(
        acting_user=personas.nina, container=vials[0], quantity=500, appointment=appointment
    )
    wrong = draw_administer(acting_user=personas.nina, draw=second, quantity=500)
    movement_reverse(acting_user=personas.nina, movement=wrong, reason="Charted on wrong patient")
    breakage_record(
        acting_user=personas.nina,
        container=vials[1],
        quantity=10_000,
        circumstances="Dropped on the floor; not recoverable",
        witness=personas.bob,
        second_witness=personas.alice,
    )
    container_destroy(
        acting_user=personas.nina,
        container=vials[2],
        witness=personas.bob,
        second_witness=personas.alice,
        method="Rx Destroyer",
        form_41_reference="F41-0007",
    )
    returned = receive(personas, product, location, count=1, lot="L-RET")[0]
    container_return(
        acting_user=personas.nina,
        container=returned,
        distributor_name="Return Solutions",
        distributor_dea_number="RS1234563",
        reason="Short dated",
    )
    return Ledger(product, location, vials, clinic.local_today(), appointment)


def _period(ledger: Ledger, **extra: Any) -> ReportFilters:
    return ReportFilters(start=ledger.today, end=ledger.today, **extra)


def _rows(personas: Personas, slug: str, filters: ReportFilters, table: int = 0) -> list[Any]:
    report = report_build(
        acting_user=personas.nina, clinic=personas.clinic, slug=slug, filters=filters
    )
    return report.data.tables[table].rows


def _column(slug: str, name: str) -> int:
    return list(COLUMNS[slug]).index(name)


# --- Selectors ----------------------------------------------------------------------------------


def test_the_dispensing_log_has_what_21_cfr_1304_22_asks(
    personas: Personas, ledger: Ledger
) -> None:
    rows = _rows(personas, "dispensing", _period(ledger))
    entries = [row[_column("dispensing", "Entry")] for row in rows]
    assert entries == ["Administered", "Wasted (witnessed)", "Administered", entries[3]]
    assert entries[3].startswith("Reversal of administered #")
    given = dict(zip(DISPENSING_COLUMNS, rows[0], strict=True))
    assert given["Patient"] == "Pat Example"
    assert given["Patient address"] == "12 Elm Street, Denver, CO 80203"
    assert (given["Quantity"], given["Unit"], given["mg"]) == (Decimal("0.7"), "mL", Decimal(35))
    assert (given["Lot"], given["Container"], given["NDC"]) == (
        "L2611A",
        "V-00001",
        ledger.product.ndc,
    )
    assert given["Administered or recorded by"] == "Nina Nurse"
    assert given["Date and time"].startswith(ledger.today.isoformat())
    wasted = dict(zip(DISPENSING_COLUMNS, rows[1], strict=True))
    assert (wasted["Quantity"], wasted["Witness"]) == (Decimal("0.3"), "Bob Physician")
    reversal = dict(zip(DISPENSING_COLUMNS, rows[3], strict=True))
    assert (reversal["Quantity"], reversal["mg"]) == (Decimal("-0.5"), Decimal("-25"))
    totals = _rows(personas, "dispensing", _period(ledger), table=1)
    assert totals == [
        (ledger.product.name, "Administered", 3, Decimal("0.7"), "mL", Decimal("35")),
        (ledger.product.name, "Wasted", 1, Decimal("0.3"), "mL", Decimal("15")),
    ]


def test_the_dispensing_log_is_per_product_and_period(personas: Personas, ledger: Ledger) -> None:
    other = Product.objects.create(
        clinic=personas.clinic,
        name="Ketamine HCl 100 mg/mL, 5 mL",
        form="vial",
        ndc="0409-2051-05",
        strength_mg_per_ml=Decimal(100),
        volume_ml=Decimal(5),
    )
    assert _rows(personas, "dispensing", _period(ledger, product=other)) == []
    assert len(_rows(personas, "dispensing", _period(ledger, product=ledger.product))) == 4
    yesterday = ledger.today - datetime.timedelta(days=1)
    assert _rows(personas, "dispensing", ReportFilters(start=yesterday, end=yesterday)) == []


def test_receipts_group_containers_by_lot_and_invoice(personas: Personas, ledger: Ledger) -> None:
    earlier = ledger.today - datetime.timedelta(days=10)
    stock_receive(
        acting_user=personas.nina,
        product=ledger.product,
        lot_number="L-OLD",
        expires_on=ledger.today + datetime.timedelta(days=200),
        container_count=2,
        location=ledger.location,
        received_on=earlier,
        **{**SUPPLIER, "invoice_number": "INV-1"},
    )
    rows = _rows(personas, "receipts", _period(ledger))
    assert len(rows) == 2  # the safe's three vials, and the one returned later
    first = dict(zip(RECEIPT_COLUMNS, rows[0], strict=True))
    assert first == {
        **first,
        "Date received": ledger.today.isoformat(),
        "Supplier": "Henry Schein Medical",
        "Supplier address": "135 Duryea Road, Melville, NY 11747",
        "Supplier DEA number": "BR1234563",
        "Invoice": "INV-88120",
        "NDC": "42023-0114-10",
        "Form and strength": "Injection 50 mg/mL",
        "Lot": "L2611A",
        "Containers": 3,
        "Per container": "10 mL",
        "Total": Decimal(30),
        "Container labels": "V-00001 to V-00003",
    }
    # By the date actually received, not the day it was entered.
    older = _rows(personas, "receipts", ReportFilters(start=earlier, end=earlier))
    assert [row[4] for row in older] == ["INV-1"]


def test_waste_and_disposal_show_witnesses_and_manner(personas: Personas, ledger: Ledger) -> None:
    rows = [
        dict(zip(WASTE_COLUMNS, row, strict=True))
        for row in _rows(personas, "waste", _period(ledger))
    ]
    assert [row["Entry"] for row in rows] == [
        "Wasted (witnessed)",
        "Breakage or spillage",
        "Destroyed (DEA Form 41)",
        "Returned to a reverse distributor",
    ]
    waste, breakage, destruction, returned = rows
    assert (waste["Quantity"], waste["Patient"], waste["Witness"]) == (
        Decimal("0.3"),
        "Pat Example",
        "Bob Physician",
    )
    assert (breakage["Witness"], breakage["Second witness"]) == ("Bob Physician", "Alice Director")
    assert breakage["Quantity"] == Decimal(10)
    assert destruction["Details"] == "Method: Rx Destroyer; DEA Form 41: F41-0007"
    assert destruction["Second witness"] == "Alice Director"
    assert returned["Details"] == "Reverse distributor: Return Solutions, DEA RS1234563"


def test_balances_per_container_lot_and_outstanding_draw(
    personas: Personas, ledger: Ledger
) -> None:
    report = report_build(
        acting_user=personas.otto,
        clinic=personas.clinic,
        slug="balances",
        filters=ReportFilters(location=ledger.location),
    )
    containers, lots, draws = report.data.tables
    [row] = [dict(zip(BALANCE_COLUMNS, row, strict=True)) for row in containers.rows]
    assert (row["Container"], row["Status"], row["Balance"], row["mg"]) == (
        "V-00001",
        "Opened",
        Decimal("8.5"),
        Decimal("425"),
    )
    assert lots.rows == [
        (ledger.product.name, "L2611A", row["Expires"], 0, 1, Decimal("8.5"), "mL", Decimal(425))
    ]
    assert [(r[1], r[4]) for r in draws.rows] == [("V-00001", Decimal("0.5"))]
    assert Container.objects.get(label="V-00001").balance == 8_500
    assert Draw.objects.filter(balance__gt=0).count() == 1


def test_the_inventory_report_gives_what_21_cfr_1304_11_asks(
    personas: Personas, ledger: Ledger
) -> None:
    empty = report_build(
        acting_user=personas.otto,
        clinic=personas.clinic,
        slug="inventory",
        filters=ReportFilters(),
    )
    assert "No initial or biennial inventory" in empty.data.notes[0]
    extra = receive(personas, ledger.product, ledger.location, count=2, lot="L-NEW")
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.INITIAL,
        location=None,
        entries=[
            CountEntry(container_id=ledger.vials[0].pk, is_found=True, amount=Decimal("8.5")),
            *[CountEntry(container_id=c.pk, is_found=True) for c in extra],
        ],
        witness=personas.bob,
        timing=BusinessTiming.CLOSE,
    )
    report = report_build(
        acting_user=personas.otto,
        clinic=personas.clinic,
        slug="inventory",
        filters=ReportFilters(count=count),
    )
    assert "(close of business) by Nina Nurse, witnessed by Bob Physician" in report.data.notes[0]
    lines, summary = report.data.tables
    assert [(row[4], row[8], row[9], row[11]) for row in lines.rows] == [
        ("V-00001", "Opened", Decimal("8.5"), "Yes"),
        ("V-00005", "Sealed", Decimal(10), "No"),
        ("V-00006", "Sealed", Decimal(10), "No"),
    ]
    assert summary.rows == [
        (
            ledger.product.name,
            ledger.product.ndc,
            "Injection 50 mg/mL",
            "10 mL",
            2,
            1,
            Decimal("8.5"),
            Decimal("28.5"),
            "mL",
        )
    ]


def test_the_inventory_report_says_whether_a_biennial_was_late(
    personas: Personas, ledger: Ledger
) -> None:
    def take(kind: CountKind) -> Any:
        return stock_count_record(
            acting_user=personas.nina,
            clinic=personas.clinic,
            kind=kind,
            location=None,
            entries=[
                CountEntry(container_id=ledger.vials[0].pk, is_found=True, amount=Decimal("8.5"))
            ],
            witness=personas.bob,
            timing=BusinessTiming.OPENING,
        )

    with time_machine.travel(datetime.datetime(2024, 6, 3, 15, 0, tzinfo=datetime.UTC)):
        take(CountKind.INITIAL)
    late = take(CountKind.BIENNIAL)
    report = report_build(
        acting_user=personas.otto,
        clinic=personas.clinic,
        slug="inventory",
        filters=ReportFilters(count=late),
    )
    assert (
        "Taken late: it was due by 2026-06-03, two years after the initial inventory of "
        "2024-06-03." in report.data.notes
    )
    on_time = take(CountKind.BIENNIAL)
    again = report_build(
        acting_user=personas.otto,
        clinic=personas.clinic,
        slug="inventory",
        filters=ReportFilters(count=on_time),
    )
    assert any(
        note.startswith("Taken within two years of the biennial") for note in again.data.notes
    )


def test_reports_refuse_bad_filters_and_other_clinics(personas: Personas, ledger: Ledger) -> None:
    def build(slug: str, filters: ReportFilters, user: Any = personas.nina) -> Any:
        return report_build(acting_user=user, clinic=personas.clinic, slug=slug, filters=filters)

    with pytest.raises(InvalidInput, match="On or after"):
        build(
            "dispensing",
            ReportFilters(start=ledger.today, end=ledger.today - datetime.timedelta(1)),
        )
    with pytest.raises(InvalidInput, match="two years"):
        build("dispensing", ReportFilters(start=datetime.date(2020, 1, 1), end=ledger.today))
    with pytest.raises(InvalidInput, match="period"):
        build("receipts", ReportFilters())
    theirs = ketamine_50(personas.other_clinic)
    with pytest.raises(InvalidInput, match="Not at this clinic"):
        build("dispensing", _period(ledger, product=theirs))
    with pytest.raises(NotFound):
        build("nonsense", ReportFilters())
    with pytest.raises(PermissionRefused):
        build("balances", ReportFilters(), user=personas.fran)


@pytest.mark.parametrize(
    ("slug", "queries"),
    [("dispensing", 2), ("receipts", 2), ("waste", 2), ("balances", 3), ("inventory", 4)],
)
def test_each_report_reads_in_a_fixed_number_of_queries(
    personas: Personas, ledger: Ledger, django_assert_num_queries: Any, slug: str, queries: int
) -> None:
    stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.BIENNIAL,
        location=None,
        entries=[CountEntry(container_id=ledger.vials[0].pk, is_found=True, amount=Decimal(8))],
        witness=personas.bob,
        timing=BusinessTiming.OPENING,
    )
    # One for the reader's membership, then one per table read (the inventory also finds
    # its latest count, and the one before it to say whether it was taken in time).
    with django_assert_num_queries(queries):
        first = report_build(
            acting_user=personas.nina, clinic=personas.clinic, slug=slug, filters=_period(ledger)
        )
    more = receive(personas, ledger.product, ledger.location, count=5, lot="L-MORE")
    appointment = ledger.appointment
    for vial in more:
        draw = container_draw(
            acting_user=personas.nina, container=vial, quantity=500, appointment=appointment
        )
        draw_administer(acting_user=personas.nina, draw=draw, quantity=400)
        draw_waste(
            acting_user=personas.nina, draw=draw, quantity=100, reason="Rest", witness=personas.bob
        )
    stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.BIENNIAL,
        location=None,
        entries=[
            CountEntry(container_id=c.pk, is_found=True, amount=Decimal("9.5"))
            for c in [ledger.vials[0], *more]
        ],
        witness=personas.bob,
        timing=BusinessTiming.CLOSE,
    )
    personas.nina.refresh_from_db()
    with django_assert_num_queries(queries):
        later = report_build(
            acting_user=personas.nina, clinic=personas.clinic, slug=slug, filters=_period(ledger)
        )
    assert later.row_total > first.row_total


# --- Pages --------------------------------------------------------------------------------------

VIEWERS = PERMISSIONS[Action.INVENTORY_VIEW].roles


@pytest.mark.parametrize("role", list(Role))
def test_every_role_on_the_report_pages(
    client_for: Any, personas: Personas, ledger: Ledger, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    expected = 200 if role in VIEWERS else 403
    assert client.get(reverse("inventory:report_index")).status_code == expected
    for slug in REPORTS:
        assert client.get(reverse("inventory:report", args=[slug])).status_code == expected, slug
        csv_response = client.get(reverse("inventory:report_csv", args=[slug]))
        assert csv_response.status_code == expected, slug
    if role in VIEWERS:
        assert not AuditEvent.objects.filter(outcome="refused").exists()


def test_the_dispensing_page_shows_the_registration_and_audits_the_read(
    client_for: Any, personas: Personas, ledger: Ledger
) -> None:
    client = client_for(personas.otto)
    page = client.get(reverse("inventory:report", args=["dispensing"]))
    text = page.content.decode()
    assert "DEA registration FK1234563" in text
    assert "Pat Example" in text
    assert "12 Elm Street, Denver, CO 80203" in text
    assert reverse("inventory:report_csv", args=["dispensing"]) in text
    event = AuditEvent.objects.filter(action=AuditAction.PATIENT_LIST_VIEWED).latest("id")
    assert event.detail["report"] == "inventory.dispensing"
    assert event.detail["format"] == "html"
    client.get(reverse("inventory:report", args=["balances"]))
    assert AuditEvent.objects.filter(action=AuditAction.PATIENT_LIST_VIEWED).count() == 1


def test_the_csv_opens_safely_in_a_spreadsheet(
    client_for: Any, personas: Personas, ledger: Ledger
) -> None:
    stock_receive(
        acting_user=personas.nina,
        product=ledger.product,
        lot_number="@LOT",
        expires_on=ledger.today + datetime.timedelta(days=100),
        container_count=1,
        location=ledger.location,
        received_on=ledger.today,
        **{**SUPPLIER, "supplier_name": '=HYPERLINK("http://x","y")', "invoice_number": "-1"},
    )
    client = client_for(personas.nina)
    response = client.get(
        reverse("inventory:report_csv", args=["receipts"]),
        {"start": ledger.today.isoformat(), "end": ledger.today.isoformat()},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        f"receipts-clinic-a-{ledger.today:%Y%m%d}-{ledger.today:%Y%m%d}.csv"
        in response["Content-Disposition"]
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Date received", "Supplier", "Supplier address"]
    hostile = next(row for row in rows if "HYPERLINK" in row[1])
    assert hostile[1] == '\'=HYPERLINK("http://x","y")'
    assert hostile[4] == "'-1"
    assert hostile[8] == "'@LOT"
    dispensing = client.get(reverse("inventory:report_csv", args=["dispensing"]))
    lines = list(csv.reader(io.StringIO(dispensing.content.decode())))
    assert lines[2][14] == "'+ remainder in syringe"
    assert lines[4][9] == "-0.5"  # a reversal's amount stays a number
    assert len(lines) == 5


def test_report_figures_are_exact_plain_numbers() -> None:
    """Never rounded (a Schedule III record says what the ledger says) and never in exponent
    form, whichever format writes the cell."""
    vial = Product(
        form=ProductForm.VIAL, strength_mg_per_ml=Decimal("12.345"), volume_ml=Decimal("10.000")
    )
    assert milligrams(vial, 1) == Decimal("0.012345")
    assert quantity(vial, 10_000) == Decimal("10")
    strong = Product(
        form=ProductForm.VIAL, strength_mg_per_ml=Decimal("100.000"), volume_ml=Decimal("5.000")
    )
    assert form_and_strength(strong) == "Injection 100 mg/mL"
    assert [cell_text(cell) for cell in (Decimal("1E+2"), Decimal("-0.50"), 3, "L1")] == [
        "100",
        "-0.5",
        3,
        "L1",
    ]


def test_each_report_is_a_pdf(client_for: Any, personas: Personas, ledger: Ledger) -> None:
    client = client_for(personas.alice)
    for slug in REPORTS:
        response = client.get(reverse("inventory:report_pdf", args=[slug]))
        assert response.status_code == 200, slug
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert f"{slug}-clinic-a-" in response["Content-Disposition"]


def test_the_pdf_carries_the_clinic_registration_period_and_time(
    personas: Personas, ledger: Ledger
) -> None:
    report = report_build(
        acting_user=personas.nina,
        clinic=personas.clinic,
        slug="dispensing",
        filters=_period(ledger),
    )
    html = render_to_string(
        "inventory/counts/report_pdf.html",
        {
            "report": report,
            "clinic": personas.clinic,
            "generated_at": report.generated_at.astimezone(personas.clinic.zone),
            "zone_name": personas.clinic.timezone,
        },
    )
    assert "Clinic A — Dispensing log" in html
    assert "DEA registration: FK1234563" in html
    assert f"Period: {ledger.today.isoformat()} to {ledger.today.isoformat()}" in html
    assert "(America/Denver) by Nina Nurse" in html


def test_a_pdf_too_long_to_lay_out_points_to_the_csv(
    client_for: Any, personas: Personas, ledger: Ledger, monkeypatch: Any
) -> None:
    monkeypatch.setattr(count_views, "PDF_MAX_ROWS", 2)
    response = client_for(personas.nina).get(reverse("inventory:report_pdf", args=["dispensing"]))
    assert response.status_code == 400
    assert "download the CSV" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"start": "yesterday"},
        {"start": "2026-12-01", "end": "2026-11-01"},
        {"start": "2020-01-01", "end": "2026-11-01"},
        {"product": "999999"},
        {"product": "abc"},
    ],
)
def test_bad_report_filters_get_a_message_not_an_error(
    client_for: Any, personas: Personas, ledger: Ledger, query: dict[str, str]
) -> None:
    client = client_for(personas.nina)
    for name in ("report", "report_csv", "report_pdf"):
        response = client.get(reverse(f"inventory:{name}", args=["dispensing"]), query)
        assert response.status_code == 400
        assert "alert-danger" in response.content.decode()


def test_another_clinics_records_are_not_reached(
    client_for: Any, personas: Personas, ledger: Ledger
) -> None:
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.INITIAL,
        location=None,
        entries=[CountEntry(container_id=ledger.vials[0].pk, is_found=True, amount=Decimal(8))],
        witness=personas.bob,
        timing=BusinessTiming.OPENING,
    )
    client = client_for(personas.charlie)
    dispensing = client.get(reverse("inventory:report", args=["dispensing"]))
    assert dispensing.status_code == 200
    assert "Pat Example" not in dispensing.content.decode()
    theirs = client.get(
        reverse("inventory:report", args=["dispensing"]), {"product": ledger.product.pk}
    )
    assert theirs.status_code == 400
    inventory = client.get(reverse("inventory:report", args=["inventory"]), {"count": count.pk})
    assert inventory.status_code == 400
    assert (
        "V-00001" not in client.get(reverse("inventory:report", args=["balances"])).content.decode()
    )
    assert client.get(reverse("inventory:report", args=["nonsense"])).status_code == 404


def test_there_is_no_way_to_delete_a_record(
    client_for: Any, personas: Personas, ledger: Ledger
) -> None:
    client = client_for(personas.ada)
    for slug in REPORTS:
        for name in ("report", "report_csv", "report_pdf"):
            url = reverse(f"inventory:{name}", args=[slug])
            assert client.delete(url).status_code == 405
            assert client.post(url).status_code == 405
    assert not [
        p
        for p in count_urls.urlpatterns
        if "delete" in str(p.pattern) or "delete" in (p.name or "")
    ]
    assert Movement.objects.filter(kind=MovementKind.RECEIPT).count() == 4


def test_the_report_page_reads_in_a_fixed_number_of_queries(
    client_for: Any, personas: Personas, ledger: Ledger
) -> None:
    client = client_for(personas.nina)
    url = reverse("inventory:report", args=["dispensing"])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    appointment = ledger.appointment
    for vial in receive(personas, ledger.product, ledger.location, count=4, lot="L-PAGE"):
        draw = container_draw(
            acting_user=personas.nina, container=vial, quantity=300, appointment=appointment
        )
        draw_administer(acting_user=personas.nina, draw=draw, quantity=300)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many.captured_queries) == len(one.captured_queries)
    assert response.content.decode().count("Pat Example") == 8
