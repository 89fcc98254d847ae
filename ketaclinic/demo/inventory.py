"""The demo clinic's controlled-substance month: products in the safe, two receipts, and the
past month's sessions with their draws, administrations and witnessed waste, all recorded
through the ledger services (as late entries, at the times they happened).

The sessions themselves are history: the booking service refuses times that have passed, so the
past visits are written directly, booked while their draws are recorded and then completed, the
way a clinic importing its paper records would.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.inventory.models import Container, Product, ProductForm, StorageLocation
from ketaclinic.inventory.services import (
    container_draw,
    draw_administer,
    draw_waste,
    stock_receive,
    units_from_amount,
)
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

SUPPLIER = {
    "supplier_name": "Henry Schein Medical",
    "supplier_address": "135 Duryea Road, Melville, NY 11747",
    "supplier_dea_number": "BR1234563",
}

# (MRN, days ago, kind) — Luis finishing his induction, Aisha's boosters, Wei's first infusion.
PAST_SESSIONS = [
    ("CC-00008", 27, "iv_infusion"),
    ("CC-00008", 25, "iv_infusion"),
    ("CC-00008", 22, "iv_infusion"),
    ("CC-00005", 20, "booster"),
    ("CC-00008", 20, "iv_infusion"),
    ("CC-00008", 18, "iv_infusion"),
    ("CC-00005", 6, "booster"),
    ("CC-00006", 3, "iv_infusion"),
]
WEIGHT_KG = Decimal("74.5")  # the demo intakes' weight
DOSE_MG_PER_KG = Decimal("0.5")  # CLINICAL.md §2.1


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
    _past_sessions(
        clinic, today=today, vial=first[0], nurse=nurse, physician=physician, desk=front_desk
    )
    _open_discrepancy(clinic, safe=safe, nurse=nurse, opened=first[0])


def _open_discrepancy(
    clinic: Clinic, *, safe: StorageLocation, nurse: User, opened: Container
) -> None:
    """This morning's count of the safe: the opened vial holds 0.2 mL less than the ledger says,
    so a discrepancy is open for the clinic to investigate."""
    from ketaclinic.inventory.counts import CountEntry, stock_count_record
    from ketaclinic.inventory.models import CountKind

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


def _past_sessions(
    clinic: Clinic,
    *,
    today: datetime.date,
    vial: Container,
    nurse: User,
    physician: User,
    desk: User,
) -> None:
    """Each session: draw a little over the dose, give the dose, waste the rest witnessed."""
    product = vial.lot.product
    chair = Chair.objects.filter(clinic=clinic, is_active=True).order_by("name").first()
    dose_mg = DOSE_MG_PER_KG * WEIGHT_KG  # 37.25 mg
    assert product.strength_mg_per_ml is not None
    dose_units = units_from_amount(
        product, (dose_mg / product.strength_mg_per_ml).quantize(Decimal("0.001"))
    )
    drawn_units = units_from_amount(product, "0.8")
    for mrn, days_ago, kind in PAST_SESSIONS:
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None:
            continue
        starts_at = datetime.datetime.combine(
            today - datetime.timedelta(days=days_ago), datetime.time(9)
        ).replace(tzinfo=clinic.zone)
        appointment = Appointment.objects.create(
            clinic=clinic,
            patient=patient,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=100),
            chair=chair,
            booked_by=desk,
            note="Before the clinic moved to ketaclinic (from the paper log).",
        )
        drawn_at = starts_at + datetime.timedelta(minutes=10)
        draw = container_draw(
            acting_user=nurse,
            container=vial,
            quantity=drawn_units,
            appointment=appointment,
            occurred_at=drawn_at,
        )
        draw_administer(
            acting_user=nurse,
            draw=draw,
            quantity=dose_units,
            occurred_at=drawn_at + datetime.timedelta(minutes=45),
        )
        draw_waste(
            acting_user=nurse,
            draw=draw,
            quantity=drawn_units - dose_units,
            reason="Remainder in the syringe after the infusion",
            witness=physician,
            occurred_at=drawn_at + datetime.timedelta(minutes=50),
        )
        Appointment.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.COMPLETED)
