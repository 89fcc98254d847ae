"""Counts against the ledger (blind, per container, opened vials by estimate), initial and
biennial inventories, and the discrepancies they open with the DEA's deadlines
(CLINICAL.md §11; 21 CFR 1304.11, 1301.76(b))."""

from __future__ import annotations

import datetime
import html
import zoneinfo
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import Credential
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import (
    CredentialExpired,
    InvalidInput,
    PermissionRefused,
    PreconditionFailed,
)
from ketaclinic.core.forms import PLAIN_NUMBER
from ketaclinic.inventory.counts import (
    CountEntry,
    add_business_days,
    biennial_inventory_due_on,
    dea_notice_due_on,
    discrepancy_assess,
    discrepancy_dea_notice_record,
    discrepancy_form_106_record,
    discrepancy_get,
    discrepancy_list_for_clinic,
    discrepancy_resolve,
    form_106_due_on,
    inventory_status_get,
    stock_count_record,
)
from ketaclinic.inventory.models import (
    BusinessTiming,
    Container,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    MovementKind,
    StockCount,
    StockCountLine,
    StorageLocation,
)
from ketaclinic.inventory.services import container_draw, units_from_amount
from ketaclinic.inventory.tests.support import Stock, infusion, receive
from ketaclinic.testing.factories import TEST_PASSWORD
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

DENVER = zoneinfo.ZoneInfo("America/Denver")


def _all_found(stock: Stock) -> list[CountEntry]:
    return [CountEntry(container_id=vial.pk, is_found=True) for vial in stock.vials]


def _count(personas: Personas, stock: Stock, entries: list[CountEntry], **extra: Any) -> StockCount:
    values: dict[str, Any] = {
        "acting_user": personas.nina,
        "clinic": personas.clinic,
        "kind": CountKind.SHIFT,
        "location": stock.location,
        "entries": entries,
        **extra,
    }
    return stock_count_record(**values)


def _one_missing(personas: Personas, stock: Stock) -> Discrepancy:
    entries = _all_found(stock)
    entries[0] = CountEntry(container_id=stock.vials[0].pk, is_found=False)
    count = _count(personas, stock, entries)
    return Discrepancy.objects.get(count_line__count=count)


def _open_vial(personas: Personas, stock: Stock, ml: str = "2") -> Container:
    vial = stock.vials[0]
    container_draw(
        acting_user=personas.nina,
        container=vial,
        quantity=units_from_amount(stock.product, ml),
        appointment=infusion(personas),
    )
    vial.refresh_from_db()
    return vial


# --- Regulatory dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("discovered", "due"),
    [
        (datetime.date(2026, 12, 4), datetime.date(2026, 12, 7)),  # Friday → Monday
        (datetime.date(2026, 12, 5), datetime.date(2026, 12, 7)),  # Saturday → Monday
        (datetime.date(2026, 12, 6), datetime.date(2026, 12, 7)),  # Sunday → Monday
        (datetime.date(2026, 12, 7), datetime.date(2026, 12, 8)),  # Monday → Tuesday
        (datetime.date(2026, 12, 10), datetime.date(2026, 12, 11)),  # Thursday → Friday
    ],
)
def test_the_dea_notice_is_due_one_business_day_after_discovery(
    discovered: datetime.date, due: datetime.date
) -> None:
    assert dea_notice_due_on(discovered) == due


def test_business_days_skip_weekends_and_never_go_back() -> None:
    friday = datetime.date(2026, 12, 4)
    assert add_business_days(friday, 0) == friday
    assert add_business_days(friday, 5) == datetime.date(2026, 12, 11)
    for offset in range(14):
        day = friday + datetime.timedelta(days=offset)
        due = add_business_days(day, 1)
        assert due > day
        assert due.weekday() < 5
        assert (due - day).days <= 3
    with pytest.raises(ValueError, match="negative"):
        add_business_days(friday, -1)


def test_form_106_is_due_45_days_after_discovery() -> None:
    assert form_106_due_on(datetime.date(2026, 12, 4)) == datetime.date(2027, 1, 18)
    assert form_106_due_on(datetime.date(2027, 2, 20)) == datetime.date(2027, 4, 6)


def test_the_biennial_inventory_is_due_within_two_years() -> None:
    assert biennial_inventory_due_on(datetime.date(2026, 11, 30)) == datetime.date(2028, 11, 30)
    assert biennial_inventory_due_on(datetime.date(2028, 2, 29)) == datetime.date(2030, 2, 28)


# --- Recording counts ---------------------------------------------------------------------------


def test_a_count_that_matches_opens_nothing_and_changes_no_balance(
    personas: Personas, stock: Stock
) -> None:
    movements_before = Movement.objects.count()
    count = _count(personas, stock, _all_found(stock), note="Start of shift")
    lines = list(count.lines.order_by("id"))
    assert [line.expected for line in lines] == [10_000, 10_000, 10_000]
    assert [line.counted for line in lines] == [10_000, 10_000, 10_000]
    assert not any(line.is_estimate for line in lines)
    assert not Discrepancy.objects.exists()
    assert Movement.objects.count() == movements_before
    assert set(Container.objects.values_list("balance", flat=True)) == {10_000}
    event = AuditEvent.objects.get(action=AuditAction.INVENTORY_COUNTED)
    assert event.detail["containers"] == 3
    assert event.detail["discrepancies"] == 0


def test_an_opened_vial_is_counted_by_its_estimated_measure(
    personas: Personas, stock: Stock
) -> None:
    vial = _open_vial(personas, stock)
    assert vial.balance == 8_000
    entries = _all_found(stock)
    entries[0] = CountEntry(container_id=vial.pk, is_found=True, amount=Decimal("8"))
    count = _count(personas, stock, entries)
    line = count.lines.get(container=vial)
    assert (line.expected, line.counted, line.is_estimate) == (8_000, 8_000, True)
    assert not Discrepancy.objects.exists()

    entries[0] = CountEntry(container_id=vial.pk, is_found=True, amount=Decimal("7.5"))
    second = _count(personas, stock, entries)
    short = second.lines.get(container=vial)
    assert short.difference == -500
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.count_line == short
    assert discrepancy.status == DiscrepancyStatus.OPEN
    assert discrepancy.discovered_at == second.counted_at
    assert discrepancy.dea_notice_due_on is None  # not yet judged
    vial.refresh_from_db()
    assert vial.balance == 8_000  # a count never moves stock
    assert AuditEvent.objects.filter(action=AuditAction.INVENTORY_DISCREPANCY).count() == 1


def test_a_missing_sealed_vial_counts_zero_and_opens_a_discrepancy(
    personas: Personas, stock: Stock
) -> None:
    discrepancy = _one_missing(personas, stock)
    line = discrepancy.count_line
    assert (line.expected, line.counted, line.difference) == (10_000, 0, -10_000)
    assert StockCountLine.objects.filter(discrepancy__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("10.5"), "holds at most 10 mL"),
        (Decimal("-1"), "zero or more"),
        (Decimal("2.0005"), "0.001 mL"),
        (None, "Enter what is left"),
    ],
)
def test_an_impossible_estimate_is_refused_and_nothing_is_recorded(
    personas: Personas, stock: Stock, amount: Decimal | None, message: str
) -> None:
    vial = _open_vial(personas, stock)
    entries = _all_found(stock)
    entries[0] = CountEntry(container_id=vial.pk, is_found=True, amount=amount)
    with pytest.raises(InvalidInput, match=message) as refusal:
        _count(personas, stock, entries)
    assert f"container_{vial.pk}" in refusal.value.fields
    assert not StockCount.objects.exists()


def test_every_container_on_hand_is_counted_once(personas: Personas, stock: Stock) -> None:
    entries = _all_found(stock)
    with pytest.raises(InvalidInput, match="V-00003 has no entry"):
        _count(personas, stock, entries[:2])
    with pytest.raises(InvalidInput, match="counted once"):
        _count(personas, stock, [*entries, entries[0]])
    elsewhere = StorageLocation.objects.create(clinic=personas.clinic, name="Cart")
    other = receive(personas, stock.product, elsewhere, count=1, lot="L2")[0]
    with pytest.raises(InvalidInput, match="no longer on hand here"):
        _count(personas, stock, [*entries, CountEntry(container_id=other.pk, is_found=True)])
    assert not StockCount.objects.exists()


def test_a_shift_count_needs_a_location_of_this_clinic(personas: Personas, stock: Stock) -> None:
    with pytest.raises(InvalidInput, match="location"):
        _count(personas, stock, [], location=None)
    theirs = StorageLocation.objects.create(clinic=personas.other_clinic, name="Their safe")
    with pytest.raises(InvalidInput, match="location in service"):
        _count(personas, stock, [], location=theirs)


def test_the_witness_is_someone_else_and_credentialed(personas: Personas, stock: Stock) -> None:
    with pytest.raises(InvalidInput, match="someone other"):
        _count(personas, stock, _all_found(stock), witness=personas.nina)
    with pytest.raises(PermissionRefused, match="cannot witness"):
        _count(personas, stock, _all_found(stock), witness=personas.fran)
    with pytest.raises(PermissionRefused, match="cannot witness"):
        _count(personas, stock, _all_found(stock), witness=personas.ada)
    # Expired yesterday at the clinic (its day, not the server's: they differ after UTC midnight).
    Credential.objects.filter(user=personas.bob).update(
        expires_on=personas.clinic.local_today() - datetime.timedelta(days=1)
    )
    with pytest.raises(CredentialExpired, match="Bob Physician cannot witness"):
        _count(personas, stock, _all_found(stock), witness=personas.bob)
    assert not StockCount.objects.exists()
    count = _count(personas, stock, _all_found(stock), witness=personas.alice)
    assert count.witness == personas.alice


@pytest.mark.parametrize("role", list(Role))
def test_who_may_count(personas: Personas, stock: Stock, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.INVENTORY_RECORD].roles:
        assert _count(personas, stock, _all_found(stock), acting_user=user).counted_by == user
    else:
        with pytest.raises(PermissionRefused):
            _count(personas, stock, _all_found(stock), acting_user=user)


def test_an_inventory_states_its_timing_and_is_witnessed(personas: Personas, stock: Stock) -> None:
    inventory = {"kind": CountKind.INITIAL, "location": None}
    with pytest.raises(InvalidInput) as refusal:
        _count(personas, stock, _all_found(stock), **inventory)
    assert set(refusal.value.fields) == {"timing", "witness"}
    with pytest.raises(InvalidInput, match="every location"):
        _count(
            personas,
            stock,
            _all_found(stock),
            kind=CountKind.INITIAL,
            timing=BusinessTiming.OPENING,
            witness=personas.bob,
        )
    count = _count(
        personas,
        stock,
        _all_found(stock),
        timing=BusinessTiming.OPENING,
        witness=personas.bob,
        **inventory,
    )
    assert count.location is None
    assert count.lines.count() == 3
    with pytest.raises(PreconditionFailed, match="already been taken"):
        _count(
            personas,
            stock,
            _all_found(stock),
            timing=BusinessTiming.CLOSE,
            witness=personas.bob,
            **inventory,
        )


def test_an_initial_inventory_with_nothing_on_hand_records_zero(personas: Personas) -> None:
    count = stock_count_record(
        acting_user=personas.nina,
        clinic=personas.clinic,
        kind=CountKind.INITIAL,
        location=None,
        entries=[],
        witness=personas.bob,
        timing=BusinessTiming.OPENING,
    )
    assert count.lines.count() == 0
    assert inventory_status_get(clinic=personas.clinic).has_initial


def test_an_inventory_covers_every_location(personas: Personas, stock: Stock) -> None:
    cart = StorageLocation.objects.create(clinic=personas.clinic, name="Cart")
    kit = receive(personas, stock.product, cart, count=1, lot="L2")[0]
    entries = [*_all_found(stock), CountEntry(container_id=kit.pk, is_found=True)]
    count = _count(
        personas,
        stock,
        entries,
        kind=CountKind.INITIAL,
        location=None,
        timing=BusinessTiming.CLOSE,
        witness=personas.bob,
    )
    assert count.lines.count() == 4


def test_a_late_biennial_inventory_is_flagged(personas: Personas, stock: Stock) -> None:
    long_ago = timezone.now() - datetime.timedelta(days=800)
    with time_machine.travel(long_ago, tick=False):
        _count(
            personas,
            stock,
            _all_found(stock),
            kind=CountKind.INITIAL,
            location=None,
            timing=BusinessTiming.OPENING,
            witness=personas.bob,
        )
    status = inventory_status_get(clinic=personas.clinic)
    assert status.is_overdue
    assert status.due_on == biennial_inventory_due_on(long_ago.astimezone(DENVER).date())
    _count(
        personas,
        stock,
        _all_found(stock),
        kind=CountKind.BIENNIAL,
        location=None,
        timing=BusinessTiming.CLOSE,
        witness=personas.bob,
    )
    event = AuditEvent.objects.filter(action=AuditAction.INVENTORY_COUNTED).latest("id")
    assert event.detail["biennial_overdue_since"] == status.due_on.isoformat()
    after = inventory_status_get(clinic=personas.clinic)
    assert not after.is_overdue
    assert (after.days_left or 0) > 700


def test_the_biennial_inventory_warns_as_it_comes_due(personas: Personas, stock: Stock) -> None:
    with time_machine.travel(timezone.now() - datetime.timedelta(days=700), tick=False):
        _count(
            personas,
            stock,
            _all_found(stock),
            kind=CountKind.INITIAL,
            location=None,
            timing=BusinessTiming.OPENING,
            witness=personas.bob,
        )
    status = inventory_status_get(clinic=personas.clinic)
    assert status.is_due_soon
    assert not status.is_overdue


# --- Discrepancies ------------------------------------------------------------------------------

FRIDAY_MORNING = datetime.datetime(2026, 12, 4, 10, 0, tzinfo=DENVER)


def test_theft_or_significant_loss_sets_the_dea_deadlines(personas: Personas, stock: Stock) -> None:
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        discrepancy = _one_missing(personas, stock)
        judged = discrepancy_assess(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            is_theft_or_significant_loss=True,
            findings="Safe log shows no access; vial not found anywhere.",
        )
    assert judged.dea_notice_due_on == datetime.date(2026, 12, 7)  # Monday, over the weekend
    assert judged.form_106_due_on == datetime.date(2027, 1, 18)  # 45 days
    assert "Judged theft or significant loss" in judged.findings
    assert "Alice Director" in judged.findings


def test_discovered_on_a_saturday_the_notice_is_due_monday(
    personas: Personas, stock: Stock
) -> None:
    # 23:30 on Friday in Denver is Saturday in UTC: the clinic's own day counts.
    late_friday = datetime.datetime(2026, 12, 4, 23, 30, tzinfo=DENVER)
    with time_machine.travel(late_friday, tick=False):
        discrepancy = _one_missing(personas, stock)
    saturday = datetime.datetime(2026, 12, 5, 9, 0, tzinfo=DENVER)
    with time_machine.travel(saturday, tick=False):
        judged = discrepancy_assess(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            is_theft_or_significant_loss=True,
            findings="Not found.",
        )
    assert judged.dea_notice_due_on == datetime.date(2026, 12, 7)
    assert judged.form_106_due_on == datetime.date(2027, 1, 18)


def test_overdue_deadlines_are_flagged_until_met(personas: Personas, stock: Stock) -> None:
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        discrepancy = _one_missing(personas, stock)
        row = discrepancy_get(
            acting_user=personas.otto, clinic=personas.clinic, discrepancy_id=discrepancy.pk
        )
        assert not row.is_overdue
    tuesday = datetime.datetime(2026, 12, 8, 9, 0, tzinfo=DENVER)
    with time_machine.travel(tuesday, tick=False):
        [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
        assert row.is_judgement_overdue  # not judged, and the notice window has passed
        discrepancy_assess(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            is_theft_or_significant_loss=True,
            findings="Not found after a search.",
        )
        [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
        assert not row.is_judgement_overdue
        assert row.is_dea_notice_overdue
        assert not row.is_form_106_overdue
        discrepancy_dea_notice_record(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            sent_on=datetime.date(2026, 12, 8),
            note="Faxed and mailed to the Denver Field Division.",
        )
        [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
        assert not row.is_overdue
        assert "It was due on 2026-12-07" in row.discrepancy.findings
    with time_machine.travel(datetime.datetime(2027, 1, 19, 9, 0, tzinfo=DENVER), tick=False):
        [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
        assert row.is_form_106_overdue
        discrepancy_form_106_record(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            filed_on=datetime.date(2027, 1, 19),
            reference="DEA106-55102",
        )
        [row] = discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)
        assert not row.is_overdue


def test_report_dates_are_not_in_the_future_or_before_discovery(
    personas: Personas, stock: Stock
) -> None:
    discrepancy = _one_missing(personas, stock)
    with pytest.raises(PreconditionFailed, match="judgement"):
        discrepancy_dea_notice_record(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            sent_on=personas.clinic.local_today(),
        )
    discrepancy_assess(
        acting_user=personas.alice,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=True,
        findings="Missing.",
    )
    today = personas.clinic.local_today()
    with pytest.raises(InvalidInput, match="future"):
        discrepancy_dea_notice_record(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            sent_on=today + datetime.timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match="before the discrepancy"):
        discrepancy_form_106_record(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            filed_on=today - datetime.timedelta(days=1),
            reference="X",
        )
    with pytest.raises(InvalidInput, match="confirmation"):
        discrepancy_form_106_record(
            acting_user=personas.alice, discrepancy=discrepancy, filed_on=today, reference=" "
        )
    discrepancy_dea_notice_record(
        acting_user=personas.alice, discrepancy=discrepancy, sent_on=today
    )
    with pytest.raises(PreconditionFailed, match="already recorded"):
        discrepancy_dea_notice_record(
            acting_user=personas.alice, discrepancy=discrepancy, sent_on=today
        )
    with pytest.raises(PreconditionFailed, match="already been notified"):
        discrepancy_assess(
            acting_user=personas.alice,
            discrepancy=discrepancy,
            is_theft_or_significant_loss=False,
            findings="Found it after all.",
        )


def test_a_theft_is_resolved_only_after_both_reports(personas: Personas, stock: Stock) -> None:
    discrepancy = _one_missing(personas, stock)
    with pytest.raises(PreconditionFailed, match="Judge first"):
        discrepancy_resolve(acting_user=personas.alice, discrepancy=discrepancy, findings="x")
    discrepancy_assess(
        acting_user=personas.alice,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=True,
        findings="Missing.",
    )
    with pytest.raises(PreconditionFailed, match="only after the DEA notice"):
        discrepancy_resolve(acting_user=personas.alice, discrepancy=discrepancy, findings="x")
    today = personas.clinic.local_today()
    discrepancy_dea_notice_record(
        acting_user=personas.alice, discrepancy=discrepancy, sent_on=today
    )
    discrepancy_form_106_record(
        acting_user=personas.alice, discrepancy=discrepancy, filed_on=today, reference="F106-1"
    )
    resolved = discrepancy_resolve(
        acting_user=personas.alice,
        discrepancy=discrepancy,
        findings="Police report 26-1182 filed.",
        adjust_balance=True,
        approver=personas.bob,
    )
    assert resolved.status == DiscrepancyStatus.RESOLVED
    vial = stock.vials[0]
    vial.refresh_from_db()
    assert vial.balance == 0


def test_resolving_with_an_adjustment_links_the_two(personas: Personas, stock: Stock) -> None:
    vial = _open_vial(personas, stock)
    entries = _all_found(stock)
    entries[0] = CountEntry(container_id=vial.pk, is_found=True, amount=Decimal("7.9"))
    _count(personas, stock, entries)
    discrepancy = Discrepancy.objects.get()
    discrepancy_assess(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=False,
        findings="Overfill drawn off in priming; within the estimate's error.",
    )
    with pytest.raises(InvalidInput, match="second person"):
        discrepancy_resolve(
            acting_user=personas.nina,
            discrepancy=discrepancy,
            findings="Correct the ledger.",
            adjust_balance=True,
            approver=None,
        )
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.OPEN
    resolved = discrepancy_resolve(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        findings="Correct the ledger.",
        adjust_balance=True,
        approver=personas.bob,
    )
    adjustment = Movement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert adjustment.container_delta == -100
    assert adjustment.witness == personas.bob
    assert f"Count discrepancy #{discrepancy.pk}" in adjustment.reason
    assert f"adjustment #{adjustment.pk}" in resolved.findings
    assert "−0.1 mL" in resolved.findings
    assert resolved.resolved_by == personas.nina
    assert resolved.resolved_at is not None
    vial.refresh_from_db()
    assert vial.balance == 7_900
    event = AuditEvent.objects.filter(action=AuditAction.INVENTORY_DISCREPANCY).latest("id")
    assert event.detail == {"event": "resolved", "adjustment_movement_id": adjustment.pk}
    with pytest.raises(PreconditionFailed, match="has been resolved"):
        discrepancy_assess(
            acting_user=personas.nina,
            discrepancy=discrepancy,
            is_theft_or_significant_loss=True,
            findings="Changed my mind.",
        )


def test_a_counting_error_is_resolved_without_touching_the_ledger(
    personas: Personas, stock: Stock
) -> None:
    discrepancy = _one_missing(personas, stock)
    discrepancy_assess(
        acting_user=personas.nina,
        discrepancy=discrepancy,
        is_theft_or_significant_loss=False,
        findings="Recounted with Bob: the vial was behind the tray.",
    )
    resolved = discrepancy_resolve(
        acting_user=personas.nina, discrepancy=discrepancy, findings="Miscount."
    )
    assert "No adjustment to the ledger" in resolved.findings
    assert not Movement.objects.filter(kind=MovementKind.ADJUSTMENT).exists()
    # Findings accumulate, each dated and signed.
    assert resolved.findings.count("Nina Nurse") == 2


def test_only_inventory_keepers_work_discrepancies(personas: Personas, stock: Stock) -> None:
    discrepancy = _one_missing(personas, stock)
    for user in (personas.otto, personas.fran, personas.theo):
        with pytest.raises(PermissionRefused):
            discrepancy_assess(
                acting_user=user,
                discrepancy=discrepancy,
                is_theft_or_significant_loss=False,
                findings="x",
            )
    with pytest.raises(PermissionRefused):
        discrepancy_list_for_clinic(acting_user=personas.fran, clinic=personas.clinic)
    assert discrepancy_list_for_clinic(acting_user=personas.otto, clinic=personas.clinic)


# --- Pages --------------------------------------------------------------------------------------

VIEWERS = PERMISSIONS[Action.INVENTORY_VIEW].roles
RECORDERS = PERMISSIONS[Action.INVENTORY_RECORD].roles


def _sheet_url(stock: Stock, kind: str = "shift") -> str:
    return f"{reverse('inventory:count_record')}?kind={kind}&location={stock.location.pk}"


def _sheet_post(stock: Stock, **changes: str) -> dict[str, str]:
    data = {
        "sheet": ",".join(str(vial.pk) for vial in stock.vials),
        **{f"found_{vial.pk}": "found" for vial in stock.vials},
        "witness": "",
        "timing": "",
        "note": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize("role", list(Role))
def test_every_role_on_the_count_pages(
    client_for: Any, personas: Personas, stock: Stock, role: Role
) -> None:
    discrepancy = _one_missing(personas, stock)
    count = discrepancy.count_line.count
    client = client_for(personas.staff_by_role()[role])
    views = role in VIEWERS
    records = role in RECORDERS
    for url in (
        reverse("inventory:count_home"),
        reverse("inventory:count_detail", args=[count.pk]),
        reverse("inventory:discrepancy_list"),
        reverse("inventory:discrepancy_detail", args=[discrepancy.pk]),
    ):
        assert client.get(url).status_code == (200 if views else 403), url
    assert client.get(reverse("inventory:count_record")).status_code == (200 if records else 403)
    assert client.get(_sheet_url(stock)).status_code == (200 if records else 403)
    posted = client.post(_sheet_url(stock), _sheet_post(stock))
    assert posted.status_code == (302 if records else 403)
    assessed = client.post(
        reverse("inventory:discrepancy_detail", args=[discrepancy.pk]),
        {"action": "assess", "assess-judgement": "no", "assess-findings": "Miscount."},
    )
    assert assessed.status_code == (302 if records else 403)
    discrepancy.refresh_from_db()
    assert (discrepancy.is_theft_or_significant_loss is False) == records


def test_the_count_sheet_is_blind_until_recorded(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    _open_vial(personas, stock, ml="2.5")
    client = client_for(personas.nina)
    sheet = client.get(_sheet_url(stock)).content.decode()
    assert "V-00001" in sheet
    assert "mL left (estimate)" in sheet
    assert "7.5" not in sheet  # the ledger's balance of the opened vial
    assert "Ledger" not in sheet
    response = client.post(
        _sheet_url(stock),
        _sheet_post(stock, **{f"amount_{stock.vials[0].pk}": "7.4"}),
        follow=True,
    )
    page = response.content.decode()
    assert "Ledger" in page
    assert "7.5 mL" in page
    assert "−0.1 mL" in page
    assert "does not match the ledger" in page
    line = StockCountLine.objects.get(container=stock.vials[0])
    assert (line.counted, line.is_estimate) == (7_400, True)


def test_a_bad_count_sheet_keeps_what_was_typed(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    _open_vial(personas, stock)
    client = client_for(personas.nina)
    data = _sheet_post(stock, **{f"amount_{stock.vials[0].pk}": "lots", "note": "Night shift"})
    del data[f"found_{stock.vials[1].pk}"]
    data["witness"] = "999999"
    response = client.post(_sheet_url(stock), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Found or not found?" in text
    assert "Night shift" in text
    assert (
        f'name="found_{stock.vials[2].pk}" id="id_found_{stock.vials[2].pk}_0" value="found"'
        in text
    )
    assert not StockCount.objects.exists()
    too_much = client.post(
        _sheet_url(stock), _sheet_post(stock, **{f"amount_{stock.vials[0].pk}": "11"})
    )
    assert too_much.status_code == 400
    assert "holds at most 10 mL" in too_much.content.decode()
    same = client.post(_sheet_url(stock), _sheet_post(stock, witness=str(personas.nina.pk)))
    assert same.status_code == 400
    assert not StockCount.objects.exists()


@pytest.mark.parametrize("typed", ["7.4e0", "74E-1", "NaN"])
def test_an_estimate_with_an_exponent_is_refused_not_read(
    client_for: Any, personas: Personas, stock: Stock, typed: str
) -> None:
    _open_vial(personas, stock)
    response = client_for(personas.nina).post(
        _sheet_url(stock), _sheet_post(stock, **{f"amount_{stock.vials[0].pk}": typed})
    )
    assert response.status_code == 400
    assert PLAIN_NUMBER in html.unescape(response.content.decode())
    assert not StockCount.objects.exists()


def test_a_sheet_left_open_while_stock_arrived_is_counted_again(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    client = client_for(personas.nina)
    data = _sheet_post(stock)
    receive(personas, stock.product, stock.location, count=1, lot="L9")
    response = client.post(_sheet_url(stock), data)
    assert response.status_code == 400
    assert "V-00004 arrived" in response.content.decode()
    assert not StockCount.objects.exists()


def test_bad_count_choices_get_a_message(client_for: Any, personas: Personas, stock: Stock) -> None:
    client = client_for(personas.nina)
    assert client.get(reverse("inventory:count_record"), {"kind": "shift"}).status_code == 400
    assert client.get(reverse("inventory:count_record"), {"kind": "nonsense"}).status_code == 400
    theirs = StorageLocation.objects.create(clinic=personas.other_clinic, name="Theirs")
    response = client.get(
        reverse("inventory:count_record"), {"kind": "shift", "location": theirs.pk}
    )
    assert response.status_code == 400


def test_an_inventory_is_recorded_from_its_page(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    client = client_for(personas.nina)
    url = f"{reverse('inventory:count_record')}?kind=initial"
    page = client.get(url).content.decode()
    assert "opening or the close of business" in page
    missing = client.post(url, _sheet_post(stock))
    assert missing.status_code == 400
    signed = {"witness": str(personas.bob.pk), "timing": BusinessTiming.CLOSE}
    wrong = client.post(url, _sheet_post(stock, **signed, witness_password="guess"))
    assert wrong.status_code == 400
    assert "That is not Bob Physician&#x27;s password" in wrong.content.decode()
    assert not StockCount.objects.exists()
    response = client.post(url, _sheet_post(stock, **signed, witness_password=TEST_PASSWORD))
    assert response.status_code == 302
    count = StockCount.objects.get()
    assert (count.kind, count.timing, count.witness) == (
        CountKind.INITIAL,
        BusinessTiming.CLOSE,
        personas.bob,
    )


def test_the_discrepancy_page_works_the_task_through(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    discrepancy = _one_missing(personas, stock)
    client = client_for(personas.alice)
    url = reverse("inventory:discrepancy_detail", args=[discrepancy.pk])
    empty = client.post(url, {"action": "assess", "assess-findings": "Looked everywhere"})
    assert empty.status_code == 400
    assert "Looked everywhere" in empty.content.decode()
    assert client.post(url, {"action": "nonsense"}).status_code == 302
    client.post(url, {"action": "assess", "assess-judgement": "yes", "assess-findings": "Missing."})
    page = client.get(url).content.decode()
    assert "DEA notice sent" in page
    today = personas.clinic.local_today()
    future = client.post(
        url,
        {
            "action": "dea_notice",
            "dea_notice-sent_on": (today + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert future.status_code == 400
    assert "in the future" in future.content.decode()
    client.post(url, {"action": "dea_notice", "dea_notice-sent_on": today.isoformat()})
    client.post(
        url,
        {"action": "form_106", "form_106-filed_on": today.isoformat(), "form_106-reference": "R1"},
    )
    no_approver = client.post(
        url, {"action": "resolve", "resolve-findings": "Stolen.", "resolve-adjust_balance": "on"}
    )
    assert no_approver.status_code == 400
    resolving = {
        "action": "resolve",
        "resolve-findings": "Stolen.",
        "resolve-adjust_balance": "on",
        "resolve-approver": str(personas.bob.pk),
    }
    unsigned = client.post(url, {**resolving, "resolve-approver_password": "guess"})
    assert unsigned.status_code == 400
    assert "password" in unsigned.content.decode()
    done = client.post(url, {**resolving, "resolve-approver_password": TEST_PASSWORD})
    assert done.status_code == 302
    discrepancy.refresh_from_db()
    assert discrepancy.status == DiscrepancyStatus.RESOLVED
    assert discrepancy.dea_notice_sent_on == today
    assert discrepancy.form_106_filed_on == today
    listing = client.get(reverse("inventory:discrepancy_list"), {"status": "resolved"})
    assert "V-00001" in listing.content.decode()
    assert "V-00001" not in client.get(reverse("inventory:discrepancy_list")).content.decode()


def test_overdue_deadlines_show_on_the_pages(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    with time_machine.travel(FRIDAY_MORNING, tick=False):
        discrepancy = _one_missing(personas, stock)
    with time_machine.travel(datetime.datetime(2026, 12, 9, 9, 0, tzinfo=DENVER), tick=False):
        client = client_for(personas.otto)
        listing = client.get(reverse("inventory:discrepancy_list")).content.decode()
        assert "Overdue: judge by 7 Dec 2026" in listing
        assert "1 discrepancy has an overdue deadline" in listing
        detail = client.get(reverse("inventory:discrepancy_detail", args=[discrepancy.pk]))
        assert "the DEA notice was due on 7 Dec 2026" in detail.content.decode()
        assert "1 overdue" in client.get(reverse("inventory:count_home")).content.decode()


def test_another_clinics_counts_are_not_found(
    client_for: Any, personas: Personas, stock: Stock
) -> None:
    discrepancy = _one_missing(personas, stock)
    client = client_for(personas.charlie)
    count_url = reverse("inventory:count_detail", args=[discrepancy.count_line.count_id])
    assert client.get(count_url).status_code == 404
    detail = reverse("inventory:discrepancy_detail", args=[discrepancy.pk])
    assert client.get(detail).status_code == 404
    assessed = client.post(
        detail, {"action": "assess", "assess-judgement": "no", "assess-findings": "x"}
    )
    assert assessed.status_code == 404
    assert "V-00001" not in client.get(reverse("inventory:discrepancy_list")).content.decode()
    assert client.get(_sheet_url(stock)).status_code == 400  # their location is not offered


def test_no_page_deletes_a_count(client_for: Any, personas: Personas, stock: Stock) -> None:
    discrepancy = _one_missing(personas, stock)
    client = client_for(personas.ada)
    for url in (
        reverse("inventory:count_detail", args=[discrepancy.count_line.count_id]),
        reverse("inventory:discrepancy_detail", args=[discrepancy.pk]),
        reverse("inventory:count_home"),
    ):
        assert client.delete(url).status_code == 405
    assert StockCount.objects.count() == 1


def test_the_count_pages_read_in_a_fixed_number_of_queries(
    client_for: Any, personas: Personas, stock: Stock, django_assert_num_queries: Any
) -> None:
    first = _one_missing(personas, stock).count_line.count_id
    client = client_for(personas.nina)
    client.get(reverse("inventory:count_home"))  # warm the session
    urls = [
        reverse("inventory:discrepancy_list"),
        reverse("inventory:count_home"),
        reverse("inventory:count_detail", args=[first]),
    ]
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as one:
            client.get(url)
        counts[url] = len(one.captured_queries)
    # The session, the user and their clinic, then one query per list (the home page reads the
    # counts, the open discrepancies and the inventory status; a count, its lines).
    assert list(counts.values()) == [8, 10, 9]
    more = receive(personas, stock.product, stock.location, count=4, lot="L7")
    for _ in range(3):
        entries = [CountEntry(container_id=c.pk, is_found=False) for c in [*stock.vials, *more]]
        _count(personas, stock, entries)
    latest = StockCount.objects.latest("id").pk
    for url in [*urls[:2], reverse("inventory:count_detail", args=[latest])]:
        with django_assert_num_queries(counts.get(url, counts[urls[2]])):
            response = client.get(url)
    assert response.content.decode().count("table-danger") == 7
