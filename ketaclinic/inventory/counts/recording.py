"""Recording a count: the sheet of containers on hand, what was found in each against what
the ledger expected, a discrepancy opened for each difference; and the staff who may sign
(21 CFR 1304.11)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.inventory.counts.regulatory import (
    IN_STOCK,
    INVENTORY_KINDS,
    ROUTINE_KINDS,
    biennial_inventory_due_on,
)
from ketaclinic.inventory.models import (
    BusinessTiming,
    Container,
    ContainerStatus,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Product,
    StockCount,
    StockCountLine,
    StorageLocation,
)


@dataclass(frozen=True)
class CountEntry:
    """What the counter found for one container. `amount` is for opened containers: the
    estimated measure in mL for a vial, whole devices for a kit."""

    container_id: int
    is_found: bool
    amount: Decimal | None = None


def count_sheet_containers(
    *, clinic: Clinic, kind: CountKind, location: StorageLocation | None
) -> list[Container]:
    """The containers the ledger has on hand for this count: those at the location for a shift
    or daily count, every one at the registered location for an inventory."""
    return list(
        _on_hand(clinic=clinic, kind=kind, location=location).order_by(
            "location__name", "lot__product__name", "label"
        )
    )


def _on_hand(
    *, clinic: Clinic, kind: CountKind, location: StorageLocation | None
) -> QuerySet[Container]:
    containers = Container.objects.filter(clinic=clinic, status__in=IN_STOCK).select_related(
        "lot__product", "location"
    )
    if kind in ROUTINE_KINDS:
        containers = containers.filter(location=location) if location else containers.none()
    return containers


def _check_count_witness(*, acting_user: User, clinic: Clinic, witness: User | None) -> None:
    if witness is None:
        return
    if witness.pk == acting_user.pk:
        raise InvalidInput(
            "The witness must be someone other than the person counting.",
            fields={"witness": ["Choose someone else."]},
        )
    try:
        require_permission(user=witness, action=Action.INVENTORY_WITNESS, clinic=clinic)
    except PermissionRefused as error:
        name = witness.full_name or witness.email
        # The same kind of refusal (a missing or expired credential stays one), about the witness.
        raise type(error)(
            f"{name} cannot witness this count: {error.message}",
            fields={"witness": [error.message]},
        ) from error


def _counted_units(*, container: Container, entry: CountEntry) -> tuple[int, bool]:
    """Base units found, and whether they are an estimate."""
    product: Product = container.lot.product
    field = f"container_{container.pk}"
    if not entry.is_found:
        return 0, False
    if container.status == ContainerStatus.SEALED:
        # A sealed container is counted whole: it holds what it was received with.
        return container.received_units, False
    if entry.amount is None:
        raise InvalidInput(
            f"Enter what is left in {container.label} ({product.unit_label}).",
            fields={field: ["Required for an opened container."]},
        )
    try:
        amount = Decimal(entry.amount)
    except (InvalidOperation, TypeError, ValueError) as error:
        raise InvalidInput(
            f"{container.label}: enter a number of {product.unit_label}.",
            fields={field: ["Not a number."]},
        ) from error
    units = amount * 1000 if product.is_vial else amount
    if not units.is_finite() or units < 0:
        raise InvalidInput(
            f"{container.label}: enter zero or more {product.unit_label}.",
            fields={field: ["Zero or more."]},
        )
    if units != units.to_integral_value():
        precision = "0.001 mL" if product.is_vial else "whole devices"
        raise InvalidInput(
            f"{container.label}: record {product.unit_label} in {precision}.",
            fields={field: [precision]},
        )
    if units > container.received_units:
        raise InvalidInput(
            f"{container.label} holds at most {product.display_amount(container.received_units)}.",
            fields={field: ["More than a full container."]},
        )
    # An opened vial's contents are an estimated measure (21 CFR 1304.11(e)); devices are counted.
    return int(units), product.is_vial


def _latest_inventory(clinic: Clinic) -> StockCount | None:
    return (
        StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS)
        .order_by("-counted_at", "-id")
        .first()
    )


@transaction.atomic
def stock_count_record(
    *,
    acting_user: User,
    clinic: Clinic,
    kind: CountKind,
    location: StorageLocation | None,
    entries: Sequence[CountEntry],
    witness: User | None = None,
    timing: BusinessTiming | str = "",
    note: str = "",
) -> StockCount:
    """Record a count: the ledger's expected balance against what was found, for every
    container on hand; each difference opens a discrepancy. Balances are not changed."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=clinic)
    kind = CountKind(kind)
    problems: dict[str, list[str]] = {}
    if kind in ROUTINE_KINDS:
        if location is None:
            problems["location"] = ["Choose the location counted."]
        elif location.clinic_id != clinic.pk or not location.is_active:
            problems["location"] = ["Choose a location in service at this clinic."]
    elif location is not None:
        problems["location"] = ["An inventory covers every location; leave this empty."]
    if timing and timing not in BusinessTiming.values:
        problems["timing"] = ["Opening or close of business."]
    if kind in INVENTORY_KINDS:
        # 21 CFR 1304.11(a): an inventory states whether it was taken at the opening or the
        # close of business, and is signed (here: by the counter and a witness).
        if not timing:
            problems["timing"] = ["Say whether it was taken at the opening or close of business."]
        if witness is None:
            problems["witness"] = ["An inventory is signed by a witness too."]
    if len(note) > 500:
        problems["note"] = ["At most 500 characters."]
    if problems:
        raise InvalidInput(
            "The count is not recorded: " + " ".join(v[0] for v in problems.values()),
            fields=problems,
        )
    _check_count_witness(acting_user=acting_user, clinic=clinic, witness=witness)

    if kind in INVENTORY_KINDS:
        # One inventory at a time per clinic, so that "is there an initial inventory" holds.
        Clinic.objects.select_for_update().filter(pk=clinic.pk).first()
    previous = _latest_inventory(clinic)
    if (
        kind == CountKind.INITIAL
        and StockCount.objects.filter(clinic=clinic, kind=CountKind.INITIAL).exists()
    ):
        raise PreconditionFailed(
            "The initial inventory has already been taken; take a biennial inventory instead."
        )

    # Lock what is on hand so no movement lands between reading "expected" and writing it.
    on_hand = list(
        _on_hand(clinic=clinic, kind=kind, location=location)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    by_id = {container.pk: container for container in on_hand}
    seen: dict[int, CountEntry] = {}
    for entry in entries:
        if entry.container_id in seen:
            raise InvalidInput("Each container is counted once.")
        seen[entry.container_id] = entry
    unknown = set(seen) - set(by_id)
    missing = [c for c in on_hand if c.pk not in seen]
    if unknown:
        labels = dict(
            Container.objects.filter(clinic=clinic, pk__in=unknown).values_list("pk", "label")
        )
        names = ", ".join(sorted(labels.values())) or "a container"
        raise InvalidInput(
            f"{names} is no longer on hand here by the ledger (it moved or left the stock since "
            "the sheet was opened). Open the count sheet again."
        )
    if missing:
        raise InvalidInput(
            "Count every container on the sheet: "
            + ", ".join(c.label for c in missing)
            + (" has" if len(missing) == 1 else " have")
            + " no entry.",
            fields={f"container_{c.pk}": ["Count this container."] for c in missing},
        )
    counted = {
        container.pk: _counted_units(container=container, entry=seen[container.pk])
        for container in on_hand
    }

    now = timezone.now()
    overdue_on = None
    if kind == CountKind.BIENNIAL and previous is not None:
        due = biennial_inventory_due_on(previous.counted_at.astimezone(clinic.zone).date())
        if now.astimezone(clinic.zone).date() > due:
            overdue_on = due
    count = StockCount.objects.create(
        clinic=clinic,
        kind=kind,
        location=location,
        counted_at=now,
        timing=timing,
        counted_by=acting_user,
        witness=witness,
        note=note.strip(),
    )
    opened: list[Discrepancy] = []
    for container in on_hand:
        units, is_estimate = counted[container.pk]
        line = StockCountLine.objects.create(
            count=count,
            container=container,
            expected=container.balance,
            counted=units,
            is_estimate=is_estimate,
        )
        if line.difference:
            opened.append(
                Discrepancy.objects.create(
                    clinic=clinic, count_line=line, discovered_at=now, status=DiscrepancyStatus.OPEN
                )
            )
    audit_record(
        actor=acting_user,
        action=AuditAction.INVENTORY_COUNTED,
        clinic=clinic,
        subject=count,
        detail={
            "kind": kind.value,
            "location": location.name if location else "",
            "timing": str(timing),
            "witness_id": witness.pk if witness else None,
            "containers": len(on_hand),
            "discrepancies": len(opened),
            "biennial_overdue_since": overdue_on.isoformat() if overdue_on else None,
            "no_previous_inventory": kind == CountKind.BIENNIAL and previous is None,
        },
    )
    for discrepancy in opened:
        counted_line = discrepancy.count_line
        assert counted_line is not None
        audit_record(
            actor=acting_user,
            action=AuditAction.INVENTORY_DISCREPANCY,
            clinic=clinic,
            subject=discrepancy,
            detail={
                "event": "opened",
                "container": counted_line.container.label,
                "expected": counted_line.expected,
                "counted": counted_line.counted,
            },
        )
    return count


# --- Who may sign -----------------------------------------------------------------------------


def staff_for_action(*, clinic: Clinic, action: Action, exclude: User | None = None) -> list[User]:
    """Active staff at the clinic whose role allows `action` (witnesses, approvers), by name.
    Credentials are checked when the act is recorded, with a message naming what is missing."""
    memberships = StaffMembership.objects.filter(
        clinic=clinic, is_active=True, role__in=list(PERMISSIONS[action].roles)
    ).select_related("user")
    if exclude is not None:
        memberships = memberships.exclude(user=exclude)
    users = [m.user for m in memberships if m.user.is_active]
    return sorted(users, key=lambda user: (user.full_name or user.email).lower())
