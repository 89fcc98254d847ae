"""Every movement of Schedule III stock (CLINICAL.md §11), and nothing else writes the ledger.

Each service locks the rows whose balances it changes (the container, then the draw), checks the
rule in words a nurse understands, writes one append-only `Movement`, moves the balances by the
same amounts with F() expressions, and records the audit event, all in one transaction. The
database refuses a negative balance too (a check constraint), so two nurses drawing from one vial
at once can never overdraw it: the second waits for the first's lock and then sees what is left.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Lot,
    Movement,
    MovementKind,
    Product,
    ProductForm,
    StorageLocation,
)
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

MAX_CONTAINERS_PER_RECEIPT = 200


def units_from_amount(product: Product, amount: Decimal | int | str) -> int:
    """Base units from what staff type: millilitres for a vial (to the microlitre), whole
    devices for a kit. Refuses anything else rather than rounding."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as error:
        raise InvalidInput(
            f"Enter the amount in {product.unit_label}.", fields={"quantity": ["Not a number."]}
        ) from error
    if not value.is_finite() or value <= 0:
        raise InvalidInput(
            f"Enter an amount above zero in {product.unit_label}.",
            fields={"quantity": ["Above zero."]},
        )
    units = value * 1000 if product.is_vial else value
    if units != units.to_integral_value():
        precision = "0.001 mL" if product.is_vial else "whole devices"
        raise InvalidInput(
            f"Record {product.unit_label} in {precision}.", fields={"quantity": [precision]}
        )
    return int(units)


def _lock_container(container: Container) -> Container:
    return Container.objects.select_related("lot__product").select_for_update().get(pk=container.pk)


def _lock_draw(draw: Draw) -> Draw:
    return Draw.objects.select_for_update().get(pk=draw.pk)


def _check_witnesses(*, acting_user: User, clinic: Clinic, witnesses: list[User | None]) -> None:
    """Each witness is someone else, distinct, and allowed to witness (a current licence).
    Refusals name the form field: `witness`, then `second_witness`."""
    seen = {acting_user.pk}
    for field, witness in zip(("witness", "second_witness"), witnesses, strict=False):
        if witness is None:
            raise InvalidInput("A witness is required.", fields={field: ["Required."]})
        if witness.pk in seen:
            raise InvalidInput(
                "Each witness must be a different person from the one recording and from "
                "each other.",
                fields={field: ["Choose someone else."]},
            )
        seen.add(witness.pk)
        try:
            require_permission(user=witness, action=Action.INVENTORY_WITNESS, clinic=clinic)
        except PermissionRefused as error:
            name = witness.full_name or witness.email
            raise PermissionRefused(
                f"{name} cannot witness: {error.message}", fields={field: [error.message]}
            ) from error


def _record(
    *,
    acting_user: User,
    kind: MovementKind,
    container: Container,
    container_delta: int = 0,
    draw: Draw | None = None,
    draw_delta: int = 0,
    occurred_at: datetime.datetime | None = None,
    **fields: Any,
) -> Movement:
    """Write one movement and move the balances by it; the rows are already locked."""
    if container.balance + container_delta < 0:
        product = container.lot.product
        raise PreconditionFailed(
            f"{container.label} holds {product.display_amount(container.balance)}; "
            f"{product.display_amount(-container_delta)} cannot be taken from it."
        )
    if draw is not None and draw.balance + draw_delta < 0:
        product = container.lot.product
        raise PreconditionFailed(
            f"Only {product.display_amount(draw.balance)} of this draw is left to account for."
        )
    movement = Movement.objects.create(
        clinic=container.clinic,
        kind=kind,
        occurred_at=occurred_at or timezone.now(),
        recorded_by=acting_user,
        product=container.lot.product,
        lot=container.lot,
        container=container,
        container_delta=container_delta,
        draw=draw,
        draw_delta=draw_delta,
        **fields,
    )
    if container_delta:
        Container.objects.filter(pk=container.pk).update(balance=F("balance") + container_delta)
        container.balance += container_delta
        if container.balance == 0 and container.status in (
            ContainerStatus.SEALED,
            ContainerStatus.OPEN,
        ):
            container.status = ContainerStatus.EMPTY
            Container.objects.filter(pk=container.pk).update(status=ContainerStatus.EMPTY)
    if draw is not None and draw_delta:
        Draw.objects.filter(pk=draw.pk).update(balance=F("balance") + draw_delta)
        draw.balance += draw_delta
    audit_record(
        actor=acting_user,
        action=AuditAction.INVENTORY_MOVEMENT,
        clinic=container.clinic,
        patient_id=movement.patient_id,
        subject=movement,
        detail={
            "kind": kind.value,
            "container": container.label,
            "container_delta": container_delta,
            "draw_delta": draw_delta,
        },
    )
    return movement


def _when(occurred_at: datetime.datetime | None, container: Container) -> datetime.datetime:
    """When it happened: now, or earlier for an entry made after the fact (a late entry keeps
    its true time; the record's own creation time stays in `created_at`)."""
    now = timezone.now()
    if occurred_at is None:
        return now
    if timezone.is_naive(occurred_at) or occurred_at > now:
        raise InvalidInput(
            "When it happened must be a time that has passed.",
            fields={"occurred_at": ["Not in the future."]},
        )
    received = (
        Movement.objects.filter(container=container, kind=MovementKind.RECEIPT)
        .values_list("occurred_at", flat=True)
        .first()
    )
    if received is not None and occurred_at < received:
        raise InvalidInput(
            f"{container.label} was received after that time.",
            fields={"occurred_at": ["Before the container was received."]},
        )
    return occurred_at


def _check_usable(container: Container, *, at: datetime.datetime) -> None:
    lot = container.lot
    if container.status in (ContainerStatus.EMPTY, ContainerStatus.REMOVED):
        raise PreconditionFailed(f"{container.label} is {container.get_status_display().lower()}.")
    today = at.astimezone(container.clinic.zone).date()
    if lot.expires_on < today:
        raise PreconditionFailed(
            f"{container.label} (lot {lot.lot_number}) expired on {lot.expires_on:%d %b %Y}; "
            "it cannot be drawn. Return or destroy it."
        )
    if container.beyond_use_at is not None and container.beyond_use_at <= at:
        raise PreconditionFailed(
            f"{container.label} was opened on {container.opened_at:%d %b %Y} and is past its "
            f"beyond-use date ({container.beyond_use_at:%d %b %Y}); it cannot be drawn."
        )


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
            "The receipt is not recorded: " + " ".join(f"{k}: {v[0]}" for k, v in problems.items()),
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


@transaction.atomic
def container_draw(
    *,
    acting_user: User,
    container: Container,
    quantity: int,
    appointment: Appointment,
    occurred_at: datetime.datetime | None = None,
) -> Draw:
    """Draw for one session's treatment; opening a sealed vial starts its beyond-use clock."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=container.clinic)
    locked = _lock_container(container)
    product = locked.lot.product
    now = _when(occurred_at, locked)
    if appointment.clinic_id != locked.clinic_id or not is_treatment(appointment.kind):
        raise InvalidInput("Draw only for a treatment booked at this clinic.")
    if appointment.status != AppointmentStatus.BOOKED:
        raise PreconditionFailed(f"That visit is {appointment.get_status_display().lower()}.")
    wants_devices = appointment.kind == VisitKind.ESKETAMINE
    if wants_devices != (product.form == ProductForm.DEVICE_KIT):
        raise InvalidInput(
            f"{product.name} is not given in a {appointment.get_kind_display().lower()}."
        )
    if quantity <= 0:
        raise InvalidInput("Draw an amount above zero.", fields={"quantity": ["Above zero."]})
    _check_usable(locked, at=now)
    if locked.status == ContainerStatus.SEALED:
        locked.status = ContainerStatus.OPEN
        locked.opened_at = now
        if product.is_vial:
            locked.beyond_use_at = now + datetime.timedelta(days=settings.VIAL_BEYOND_USE_DAYS)
        locked.save(update_fields=["status", "opened_at", "beyond_use_at", "updated_at"])
    draw = Draw.objects.create(
        clinic=locked.clinic,
        container=locked,
        appointment=appointment,
        patient_id=appointment.patient_id,
        drawn_by=acting_user,
        drawn_at=now,
        quantity=quantity,
        balance=0,
    )
    _record(
        acting_user=acting_user,
        kind=MovementKind.DRAW,
        container=locked,
        container_delta=-quantity,
        draw=draw,
        draw_delta=quantity,
        patient_id=appointment.patient_id,
        appointment=appointment,
        occurred_at=now,
    )
    return draw


@transaction.atomic
def draw_administer(
    *,
    acting_user: User,
    draw: Draw,
    quantity: int,
    occurred_at: datetime.datetime | None = None,
) -> Movement:
    """What the patient received (21 CFR 1304.22(c): amount, patient, date, who)."""
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=draw.clinic)
    locked_container = _lock_container(draw.container)
    locked = _lock_draw(draw)
    when = _when(occurred_at, locked_container)
    if quantity <= 0:
        raise InvalidInput("Record an amount above zero.", fields={"quantity": ["Above zero."]})
    return _record(
        acting_user=acting_user,
        kind=MovementKind.ADMINISTRATION,
        container=locked_container,
        draw=locked,
        draw_delta=-quantity,
        patient_id=locked.patient_id,
        appointment_id=locked.appointment_id,
        occurred_at=when,
    )


@transaction.atomic
def draw_waste(
    *,
    acting_user: User,
    draw: Draw,
    quantity: int,
    reason: str,
    witness: User | None,
    occurred_at: datetime.datetime | None = None,
) -> Movement:
    """Pharmaceutical wastage of what was drawn and not given, with a second person as
    witness (CLINICAL.md §11: not Form 41, but recorded and witnessed)."""
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=draw.clinic)
    _check_witnesses(acting_user=acting_user, clinic=draw.clinic, witnesses=[witness])
    if not reason.strip():
        raise InvalidInput("Give the reason for the waste.", fields={"reason": ["Required."]})
    if quantity <= 0:
        raise InvalidInput("Record an amount above zero.", fields={"quantity": ["Above zero."]})
    locked_container = _lock_container(draw.container)
    locked = _lock_draw(draw)
    when = _when(occurred_at, locked_container)
    return _record(
        acting_user=acting_user,
        kind=MovementKind.WASTE,
        container=locked_container,
        draw=locked,
        draw_delta=-quantity,
        patient_id=locked.patient_id,
        appointment_id=locked.appointment_id,
        witness=witness,
        reason=reason.strip()[:500],
        occurred_at=when,
    )


@transaction.atomic
def container_transfer(
    *, acting_user: User, container: Container, to_location: StorageLocation
) -> Movement:
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    locked = _lock_container(container)
    if to_location.clinic_id != locked.clinic_id or not to_location.is_active:
        raise InvalidInput("Choose a location in service at this clinic.")
    if to_location.pk == locked.location_id:
        raise InvalidInput(f"{locked.label} is already in {to_location.name}.")
    if locked.status in (ContainerStatus.EMPTY, ContainerStatus.REMOVED):
        raise PreconditionFailed(f"{locked.label} is {locked.get_status_display().lower()}.")
    from_location = locked.location
    movement = _record(
        acting_user=acting_user,
        kind=MovementKind.TRANSFER,
        container=locked,
        from_location=from_location,
        to_location=to_location,
    )
    Container.objects.filter(pk=locked.pk).update(location=to_location)
    return movement


def _remove_whole(
    *,
    acting_user: User,
    container: Container,
    kind: MovementKind,
    detail: dict[str, Any],
    witnesses: tuple[User | None, User | None] = (None, None),
    reason: str = "",
) -> Movement:
    locked = _lock_container(container)
    if locked.status == ContainerStatus.REMOVED:
        raise PreconditionFailed(f"{locked.label} has already left the stock.")
    if Draw.objects.filter(container=locked, balance__gt=0).exists():
        raise PreconditionFailed(
            f"A draw from {locked.label} is not yet accounted for (administered or wasted)."
        )
    movement = _record(
        acting_user=acting_user,
        kind=kind,
        container=locked,
        container_delta=-locked.balance,
        from_location=locked.location,
        witness=witnesses[0],
        second_witness=witnesses[1],
        reason=reason,
        detail=detail,
    )
    Container.objects.filter(pk=locked.pk).update(status=ContainerStatus.REMOVED)
    return movement


@transaction.atomic
def container_return(
    *,
    acting_user: User,
    container: Container,
    distributor_name: str,
    distributor_dea_number: str,
    reason: str,
) -> Movement:
    """Expired or unwanted stock to a DEA-registered reverse distributor (21 CFR 1317)."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    problem = dea_number_problem(distributor_dea_number.strip().upper())
    if problem or not distributor_name.strip():
        raise InvalidInput(
            problem or "Name the reverse distributor.",
            fields={
                "distributor_dea_number" if problem else "distributor_name": [
                    problem or "Required."
                ]
            },
        )
    return _remove_whole(
        acting_user=acting_user,
        container=container,
        kind=MovementKind.RETURN,
        reason=reason.strip()[:500],
        detail={
            "distributor_name": distributor_name.strip(),
            "distributor_dea_number": distributor_dea_number.strip().upper(),
        },
    )


@transaction.atomic
def container_destroy(
    *,
    acting_user: User,
    container: Container,
    witness: User | None,
    second_witness: User | None,
    method: str,
    form_41_reference: str,
) -> Movement:
    """On-site destruction to the non-retrievable standard, recorded as DEA Form 41 data with
    two authorized witnesses (21 CFR Part 1317)."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    _check_witnesses(
        acting_user=acting_user, clinic=container.clinic, witnesses=[witness, second_witness]
    )
    if not method.strip():
        raise InvalidInput("Describe how it was destroyed.", fields={"method": ["Required."]})
    return _remove_whole(
        acting_user=acting_user,
        container=container,
        kind=MovementKind.DESTRUCTION,
        witnesses=(witness, second_witness),
        detail={"method": method.strip(), "form_41_reference": form_41_reference.strip()},
    )


@transaction.atomic
def breakage_record(
    *,
    acting_user: User,
    container: Container,
    quantity: int,
    circumstances: str,
    witness: User | None,
    second_witness: User | None,
) -> Movement:
    """A broken vial or spilled drug: not a loss if witnessed by two (DEA Pharmacist's Manual)."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    _check_witnesses(
        acting_user=acting_user, clinic=container.clinic, witnesses=[witness, second_witness]
    )
    if not circumstances.strip():
        raise InvalidInput("Describe what happened.", fields={"circumstances": ["Required."]})
    if quantity <= 0:
        raise InvalidInput("Record an amount above zero.", fields={"quantity": ["Above zero."]})
    locked = _lock_container(container)
    return _record(
        acting_user=acting_user,
        kind=MovementKind.BREAKAGE,
        container=locked,
        container_delta=-quantity,
        witness=witness,
        second_witness=second_witness,
        reason=circumstances.strip()[:500],
    )


@transaction.atomic
def stock_adjust(
    *, acting_user: User, container: Container, delta: int, reason: str, approver: User | None
) -> Movement:
    """A correction of a container's balance, with the reason and a second person's sign-off."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    if approver is None or approver.pk == acting_user.pk:
        raise InvalidInput(
            "An adjustment is signed off by a second person.", fields={"approver": ["Required."]}
        )
    try:
        require_permission(user=approver, action=Action.INVENTORY_RECORD, clinic=container.clinic)
    except PermissionRefused as error:
        name = approver.full_name or approver.email
        raise PermissionRefused(
            f"{name} cannot sign off: {error.message}", fields={"approver": [error.message]}
        ) from error
    if not reason.strip():
        raise InvalidInput("Give the reason.", fields={"reason": ["Required."]})
    if delta == 0:
        raise InvalidInput("An adjustment changes the balance.", fields={"delta": ["Not zero."]})
    locked = _lock_container(container)
    if locked.status == ContainerStatus.REMOVED:
        raise PreconditionFailed(f"{locked.label} has left the stock; it cannot be adjusted.")
    if locked.status == ContainerStatus.EMPTY and delta > 0:
        locked.status = ContainerStatus.OPEN
        Container.objects.filter(pk=locked.pk).update(status=ContainerStatus.OPEN)
    return _record(
        acting_user=acting_user,
        kind=MovementKind.ADJUSTMENT,
        container=locked,
        container_delta=delta,
        witness=approver,
        reason=reason.strip()[:500],
    )


REVERSIBLE = frozenset(
    {MovementKind.ADMINISTRATION, MovementKind.WASTE, MovementKind.ADJUSTMENT, MovementKind.DRAW}
)


@transaction.atomic
def movement_reverse(*, acting_user: User, movement: Movement, reason: str) -> Movement:
    """A correction: the entry stays, and a reversing entry undoes its effect on the balances."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=movement.clinic)
    if not reason.strip():
        raise InvalidInput("Give the reason for the correction.", fields={"reason": ["Required."]})
    if movement.kind not in REVERSIBLE:
        raise PreconditionFailed(
            f"A {movement.get_kind_display().lower()} is not reversed; record what really "
            "happened with its own entry."
        )
    if Movement.objects.filter(reverses=movement).exists():
        raise PreconditionFailed("That entry has already been reversed.")
    locked_container = _lock_container(movement.container)
    locked_draw = _lock_draw(movement.draw) if movement.draw is not None else None
    drawn_is_accounted = locked_draw is not None and locked_draw.balance != locked_draw.quantity
    if movement.kind == MovementKind.DRAW and drawn_is_accounted:
        raise PreconditionFailed(
            "Reverse the administration and waste recorded from this draw first."
        )
    if locked_container.status == ContainerStatus.REMOVED:
        raise PreconditionFailed(f"{locked_container.label} has left the stock.")
    if locked_container.status == ContainerStatus.EMPTY and movement.container_delta < 0:
        Container.objects.filter(pk=locked_container.pk).update(status=ContainerStatus.OPEN)
        locked_container.status = ContainerStatus.OPEN
    return _record(
        acting_user=acting_user,
        kind=MovementKind.REVERSAL,
        container=locked_container,
        container_delta=-movement.container_delta,
        draw=locked_draw,
        draw_delta=-movement.draw_delta,
        patient_id=movement.patient_id,
        appointment_id=movement.appointment_id,
        reverses=movement,
        reason=reason.strip()[:500],
    )
