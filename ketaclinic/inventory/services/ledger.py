"""The one way a movement is written (`_record`), and what every kind of entry shares: amounts
in base units, row locks, witnesses.

`_record` writes one append-only `Movement`, moves the container's and the draw's balances by
the same amounts with F() expressions, and records the audit event; its caller has locked the
rows and runs it in its transaction. Balances are bounded below (never negative) and above (never
past what a container was received with, or what a draw took), here and by check constraints.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import F
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.core.validators import PLAIN_DECIMAL_PATTERN
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Movement,
    MovementKind,
    Product,
)


def units_from_amount(product: Product, amount: Decimal | int | str) -> int:
    """Base units from what staff type: millilitres for a vial (to the microlitre), whole
    devices for a kit. Refuses anything else rather than rounding or reading an exponent."""
    try:
        # Decimal() would also read "8e-1" as 0.8 and " 1" as 1; a controlled substance's amount
        # is never written so.
        if isinstance(amount, str) and not PLAIN_DECIMAL_PATTERN.fullmatch(amount):
            raise InvalidOperation
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
    """Write one movement and move the balances by it; the rows are already locked. Refuses
    a balance below zero, a container filled past what it was received with, and a draw
    holding more than was drawn."""
    product = container.lot.product
    if container.balance + container_delta < 0:
        raise PreconditionFailed(
            f"{container.label} holds {product.display_amount(container.balance)}; "
            f"{product.display_amount(-container_delta)} cannot be taken from it."
        )
    if container.balance + container_delta > container.received_units:
        raise PreconditionFailed(_above_ceiling(container, container_delta))
    if draw is not None and draw.balance + draw_delta < 0:
        raise PreconditionFailed(
            f"Only {product.display_amount(draw.balance)} of this draw is left to account for."
        )
    if draw is not None and draw.balance + draw_delta > draw.quantity:
        raise PreconditionFailed(
            f"This draw was {product.display_amount(draw.quantity)}; it cannot hold "
            f"{product.display_amount(draw.balance + draw_delta)}."
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


def _above_ceiling(container: Container, change_units: int) -> str:
    product = container.lot.product
    return (
        f"{container.label} was received with {product.display_amount(container.received_units)} "
        f"and holds {product.display_amount(container.balance)}; adding "
        f"{product.display_amount(change_units)} would take it past what it was received with."
    )
