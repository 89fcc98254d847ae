"""Stock received into the clinic's locations, one receipt line per container (21 CFR
1304.22(c))."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.inventory.models import (
    Container,
    Lot,
    MovementKind,
    Product,
    ProductForm,
    StorageLocation,
)
from ketaclinic.inventory.services.ledger import _record

MAX_CONTAINERS_PER_RECEIPT = 200


# The receipt's fields as the form labels them, for the one-line refusal (never a field's code).
_RECEIPT_FIELD_LABELS = {
    "location": "Location",
    "container_count": "Containers",
    "lot_number": "Lot number",
    "supplier_name": "Supplier name",
    "supplier_address": "Supplier address",
    "supplier_dea_number": "Supplier DEA number",
    "invoice_number": "Invoice number",
    "received_on": "Date received",
    "expires_on": "Expiry date",
}


@transaction.atomic
def stock_receive(
    *,
    acting_user: User,
    product: Product,
    lot_number: str,
    expires_on: datetime.date,
    container_count: int,
    location: StorageLocation,
    supplier_name: str,
    supplier_address: str,
    supplier_dea_number: str,
    invoice_number: str,
    received_on: datetime.date,
) -> list[Container]:
    """Containers received into a location, one receipt line each (21 CFR 1304.22(c)):
    supplier name, address and DEA number, invoice, the date actually received, lot, expiry."""
    clinic = product.clinic
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=clinic)
    problems: dict[str, list[str]] = {}
    if location.clinic_id != clinic.pk:
        problems["location"] = ["That location belongs to another clinic."]
    if not 1 <= container_count <= MAX_CONTAINERS_PER_RECEIPT:
        problems["container_count"] = [f"1 to {MAX_CONTAINERS_PER_RECEIPT} containers."]
    for name, value in (
        ("lot_number", lot_number),
        ("supplier_name", supplier_name),
        ("supplier_address", supplier_address),
        ("invoice_number", invoice_number),
    ):
        if not value.strip():
            problems[name] = ["Required."]
    dea_problem = dea_number_problem(supplier_dea_number.strip().upper())
    if dea_problem:
        problems["supplier_dea_number"] = [dea_problem]
    today = clinic.local_today()
    if received_on > today:
        problems["received_on"] = ["The date actually received cannot be in the future."]
    if expires_on < received_on:
        problems["expires_on"] = ["This lot had expired when it was received."]
    if problems:
        raise InvalidInput(
            "The receipt is not recorded: "
            + " ".join(f"{_RECEIPT_FIELD_LABELS.get(k, k)}: {v[0]}" for k, v in problems.items()),
            fields=problems,
        )
    lot, created = Lot.objects.get_or_create(
        product=product,
        lot_number=lot_number.strip(),
        defaults={"clinic": clinic, "expires_on": expires_on},
    )
    if not created and lot.expires_on != expires_on:
        raise InvalidInput(
            f"Lot {lot.lot_number} is on record with expiry {lot.expires_on:%d %b %Y}; check "
            "the label.",
            fields={"expires_on": [f"Recorded as {lot.expires_on:%d %b %Y}."]},
        )
    prefix = "KIT" if product.form == ProductForm.DEVICE_KIT else "V"
    # Labels are numbered per clinic: receipts at the same moment take turns on the clinic row.
    Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    start = Container.objects.filter(clinic=clinic).count() + 1
    detail = {
        "supplier_name": supplier_name.strip(),
        "supplier_address": supplier_address.strip(),
        "supplier_dea_number": supplier_dea_number.strip().upper(),
        "invoice_number": invoice_number.strip(),
        "received_on": received_on.isoformat(),
        "ndc": product.ndc,
    }
    # Entered on the day: now. Entered later from the packing slip: noon of the day received.
    received_at = (
        timezone.now()
        if received_on == today
        else datetime.datetime.combine(received_on, datetime.time(12)).replace(tzinfo=clinic.zone)
    )
    containers = []
    for offset in range(container_count):
        container = Container.objects.create(
            clinic=clinic,
            lot=lot,
            location=location,
            label=f"{prefix}-{start + offset:05d}",
            received_units=product.units_per_container,
            balance=0,
        )
        _record(
            acting_user=acting_user,
            kind=MovementKind.RECEIPT,
            container=container,
            container_delta=product.units_per_container,
            to_location=location,
            detail=detail,
            occurred_at=received_at,
        )
        containers.append(container)
    return containers
