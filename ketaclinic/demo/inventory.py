"""The demo clinic's controlled-substance month: products in the safe, two receipts, and the
past month's sessions (charted in `demo/sessions_history.py`: each draw comes from a dose
preparation, each administration and witnessed waste from the session's reconciliation), then this
morning's count of the safe with its open discrepancy.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.demo.sessions_history import build_past_sessions
from ketaclinic.inventory.counts import CountEntry, stock_count_record
from ketaclinic.inventory.models import Container, CountKind, Product, ProductForm, StorageLocation
from ketaclinic.inventory.services import stock_receive

SUPPLIER = {
    "supplier_name": "Henry Schein Medical",
    "supplier_address": "135 Duryea Road, Melville, NY 11747",
    "supplier_dea_number": "BR1234563",
}


def build_inventory(
    clinic: Clinic, *, today: datetime.date, nurse: User, physician: User, front_desk: User
) -> None:
    if Product.objects.filter(clinic=clinic).exists():
        return  # built before: a second run keeps what is there
    ketamine = Product.objects.create(
        clinic=clinic,
        name="Ketamine HCl 50 mg/mL, 10 mL multi-dose vial",
        form=ProductForm.VIAL,
        ndc="42023-0114-10",
        strength_mg_per_ml=Decimal("50"),
        volume_ml=Decimal("10"),
    )
    Product.objects.create(
        clinic=clinic,
        name="Ketamine HCl 10 mg/mL, 20 mL multi-dose vial",
        form=ProductForm.VIAL,
        ndc="42023-0113-10",
        strength_mg_per_ml=Decimal("10"),
        volume_ml=Decimal("20"),
    )
    esketamine = Product.objects.create(
        clinic=clinic,
        name="Esketamine 28 mg devices, kit of 2 (56 mg)",
        form=ProductForm.DEVICE_KIT,
        ndc="50458-028-02",
        devices_per_kit=2,
        mg_per_device=Decimal("28"),
    )
    safe = StorageLocation.objects.create(clinic=clinic, name="Main safe (Suite A)")
    StorageLocation.objects.create(clinic=clinic, name="Locked infusion cart (Suite B)")

    first = stock_receive(
        acting_user=nurse,
        product=ketamine,
        lot_number="KT2405A",
        expires_on=today + datetime.timedelta(days=420),
        container_count=6,
        location=safe,
        invoice_number="HS-551204",
        received_on=today - datetime.timedelta(days=30),
        **SUPPLIER,
    )
    stock_receive(
        acting_user=nurse,
        product=ketamine,
        lot_number="KT2409C",
        expires_on=today + datetime.timedelta(days=540),
        container_count=4,
        location=safe,
        invoice_number="HS-560077",
        received_on=today - datetime.timedelta(days=9),
        **SUPPLIER,
    )
    stock_receive(
        acting_user=nurse,
        product=esketamine,
        lot_number="ES24B17",
        expires_on=today + datetime.timedelta(days=300),
        container_count=3,
        location=safe,
        invoice_number="HS-560078",
        received_on=today - datetime.timedelta(days=9),
        **SUPPLIER,
    )
    build_past_sessions(clinic, today=today)
    _open_discrepancy(clinic, safe=safe, nurse=nurse, opened=first[0])


def _open_discrepancy(
    clinic: Clinic, *, safe: StorageLocation, nurse: User, opened: Container
) -> None:
    """This morning's count of the safe: the opened vial holds 0.2 mL less than the ledger says,
    so a discrepancy is open for the clinic to investigate."""
    opened.refresh_from_db()
    entries = []
    for container in Container.objects.filter(clinic=clinic, location=safe).exclude(
        status__in=["empty", "removed"]
    ):
        if container.pk == opened.pk:
            found_ml = Decimal(container.balance - 200) / 1000
            entries.append(CountEntry(container.pk, True, found_ml))
        elif container.status == "open":
            entries.append(CountEntry(container.pk, True, Decimal(container.balance) / 1000))
        else:
            entries.append(CountEntry(container.pk, True))
    stock_count_record(
        acting_user=nurse,
        clinic=clinic,
        kind=CountKind.DAILY,
        location=safe,
        entries=entries,
        note="Morning count of the safe.",
    )
