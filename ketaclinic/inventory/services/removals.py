"""Stock that moves or leaves: a transfer between locations, a return to a reverse distributor,
a witnessed destruction (DEA Form 41), and breakage (21 CFR Part 1317)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.core.validators import dea_number_problem
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Movement,
    MovementKind,
    StorageLocation,
)
from ketaclinic.inventory.services.ledger import _check_witnesses, _lock_container, _record


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
