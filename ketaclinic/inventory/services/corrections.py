"""Corrections of the ledger: an adjustment signed off by a second person, and a reversing entry
for a wrong one (the entry itself stays). A large correction opens a discrepancy to
investigate."""

from __future__ import annotations

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    MovementKind,
)
from ketaclinic.inventory.services.ledger import (
    _above_ceiling,
    _lock_container,
    _lock_draw,
    _record,
)

# A correction of a container's balance (an adjustment, or a reversal) by more than this share of
# what the container was received with is flagged on the discrepancy list. The DEA sets no number
# for a "significant" loss (21 CFR 1301.76(b) lists factors; CLINICAL.md §11). 10 % of a 10 mL
# vial of 50 mg/mL is 1 mL = 50 mg, more than a typical dose (0.5 mg/kg × 70 kg = 35 mg,
# CLINICAL.md §2.1) and more than estimating an opened vial by its graduations can be out by
# (21 CFR 1304.11(e) allows an estimate); a smaller correction is routine measuring error.
LARGE_CORRECTION_PERCENT = 10


def is_large_correction(*, change_units: int, received_units: int) -> bool:
    """Whether a change of `change_units` to a container received with `received_units` is
    more than `LARGE_CORRECTION_PERCENT` of it."""
    return abs(change_units) * 100 > LARGE_CORRECTION_PERCENT * received_units


def _flag_large_correction(
    *, acting_user: User, movement: Movement, container: Container, balance_before: int
) -> Discrepancy | None:
    """A large correction opens a discrepancy, discovered when it was recorded. A decrease, or
    a reversal that puts stock back on the ledger with nobody signing off, may be a loss: the
    clinic judges whether it is theft or a significant loss, and the DEA's deadlines run as for
    a count. An adjustment up is stock found, not lost: nothing is due to the DEA, but the
    ledger was wrong and the reason is still found and recorded."""
    change = movement.container_delta
    if not is_large_correction(change_units=change, received_units=container.received_units):
        return None
    product = container.lot.product
    is_found_stock = movement.kind == MovementKind.ADJUSTMENT and change > 0
    findings = ""
    if is_found_stock:
        stamp = movement.occurred_at.astimezone(container.clinic.zone)
        findings = (
            f"{stamp:%Y-%m-%d %H:%M} ketaclinic: opened by an adjustment of "
            f"+{product.display_amount(change)}, more than {LARGE_CORRECTION_PERCENT} % of the "
            f"{product.display_amount(container.received_units)} received. Stock found is not a "
            "loss: no DEA report is due (21 CFR 1301.76(b)). Record why the ledger was short."
        )
    discrepancy = Discrepancy.objects.create(
        clinic=container.clinic,
        correction=movement,
        discovered_at=movement.occurred_at,
        status=DiscrepancyStatus.OPEN,
        is_theft_or_significant_loss=False if is_found_stock else None,
        findings=findings,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.INVENTORY_DISCREPANCY,
        clinic=container.clinic,
        subject=discrepancy,
        detail={
            "event": "opened",
            "container": container.label,
            "correction_movement_id": movement.pk,
            "kind": str(movement.kind),
            "expected": balance_before,
            "counted": balance_before + change,
        },
    )
    return discrepancy


@transaction.atomic
def stock_adjust(
    *,
    acting_user: User,
    container: Container,
    delta: int,
    reason: str,
    approver: User | None,
    flag_large_correction: bool = True,
) -> Movement:
    """A correction of a container's balance, up or down, with the reason and a second
    person's sign-off. It may not take the container below zero or past what it was received
    with. A large one opens a discrepancy, unless `flag_large_correction` is False: an
    adjustment that settles a discrepancy already open (a count's) opens no second one."""
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
    before = locked.balance
    if before + delta > locked.received_units:
        # What was typed, not the state of the ledger: a refusal on the amount.
        message = _above_ceiling(locked, delta)
        raise InvalidInput(message, fields={"quantity": [message]})
    if locked.status == ContainerStatus.EMPTY and delta > 0:
        locked.status = ContainerStatus.OPEN
        Container.objects.filter(pk=locked.pk).update(status=ContainerStatus.OPEN)
    movement = _record(
        acting_user=acting_user,
        kind=MovementKind.ADJUSTMENT,
        container=locked,
        container_delta=delta,
        witness=approver,
        reason=reason.strip()[:500],
        detail={"balance_before": before, "balance_after": before + delta},
    )
    if flag_large_correction:
        _flag_large_correction(
            acting_user=acting_user, movement=movement, container=locked, balance_before=before
        )
    return movement


# An adjustment is not reversed: undoing it would change the balance with nobody signing off.
# A wrong adjustment is corrected by another adjustment, signed off in its turn.
REVERSIBLE = frozenset({MovementKind.ADMINISTRATION, MovementKind.WASTE, MovementKind.DRAW})


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
    before = locked_container.balance
    reversal = _record(
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
        detail={"balance_before": before, "balance_after": before - movement.container_delta}
        if movement.container_delta
        else {},
    )
    _flag_large_correction(
        acting_user=acting_user,
        movement=reversal,
        container=locked_container,
        balance_before=before,
    )
    return reversal
