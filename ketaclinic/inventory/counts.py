"""Counts of Schedule III stock against the ledger, and the discrepancies they open
(CLINICAL.md §11; 21 CFR 1304.11 and 1301.76(b)).

A count records, for each container, what the ledger expected and what was found: a sealed
container counts whole, an opened vial by its estimated measure in mL (allowed for CIII), an
opened kit by its devices, never more than the container was received with. Counting never
changes a balance; a difference opens a `Discrepancy`, a task to investigate, settled (when the
ledger was wrong) by `stock_adjust` with its sign-off. A large correction of the ledger (an
adjustment or a reversal, `services.LARGE_CORRECTION_PERCENT`) opens one too.
Theft or a significant loss is reported to the DEA in writing within one business day of
discovery and on Form 106 within 45 days; both deadlines are kept on the discrepancy and shown
until met. Counts and their lines are append-only (database triggers refuse UPDATE and DELETE,
and TRUNCATE on PostgreSQL: inventory/guards.py); a discrepancy's findings are appended to, never
rewritten.

The date arithmetic is regulatory, not clinical, so it lives here rather than in `medicine/`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused, PreconditionFailed
from ketaclinic.inventory.models import (
    BusinessTiming,
    Container,
    ContainerStatus,
    CountKind,
    Discrepancy,
    DiscrepancyStatus,
    Movement,
    Product,
    StockCount,
    StockCountLine,
    StorageLocation,
)
from ketaclinic.inventory.services import stock_adjust

ROUTINE_KINDS = frozenset({CountKind.SHIFT, CountKind.DAILY})
INVENTORY_KINDS = frozenset({CountKind.INITIAL, CountKind.BIENNIAL})
IN_STOCK = (ContainerStatus.SEALED, ContainerStatus.OPEN)

# 21 CFR 1301.76(b) as amended by 88 FR 40707: Form 106 is filed within 45 days of discovery.
FORM_106_DAYS = 45
# A biennial inventory is flagged as coming due this many days before its deadline.
BIENNIAL_WARNING_DAYS = 60


# --- Regulatory dates (pure) -------------------------------------------------------------------


def add_business_days(day: datetime.date, days: int) -> datetime.date:
    """`days` business days after `day`, skipping Saturdays and Sundays.

    Federal holidays are not skipped: that can only make a deadline earlier than the rule's,
    never later, which is the safe side for a notice to the DEA."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = day
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def dea_notice_due_on(discovered_on: datetime.date) -> datetime.date:
    """Written notice of theft or significant loss to the DEA Field Division Office within one
    business day of discovery (21 CFR 1301.76(b))."""
    return add_business_days(discovered_on, 1)


def form_106_due_on(discovered_on: datetime.date) -> datetime.date:
    """DEA Form 106, filed electronically within 45 days of discovery (88 FR 40707)."""
    return discovered_on + datetime.timedelta(days=FORM_106_DAYS)


def biennial_inventory_due_on(previous_on: datetime.date) -> datetime.date:
    """The next inventory is due on any day within two years of the previous one
    (21 CFR 1304.11(c)); from 29 February the two years end on 28 February."""
    try:
        return previous_on.replace(year=previous_on.year + 2)
    except ValueError:
        return previous_on.replace(year=previous_on.year + 2, day=28)


# --- Recording a count -------------------------------------------------------------------------


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


# --- Discrepancies -----------------------------------------------------------------------------


def _lock_discrepancy(discrepancy: Discrepancy) -> Discrepancy:
    return (
        Discrepancy.objects.select_for_update(of=("self",))
        .select_related(
            "clinic",
            "count_line__container__lot__product",
            "count_line__count",
            "correction__container__lot__product",
        )
        .get(pk=discrepancy.pk)
    )


def _discovered_on(discrepancy: Discrepancy) -> datetime.date:
    return discrepancy.discovered_at.astimezone(discrepancy.clinic.zone).date()


def _append_findings(discrepancy: Discrepancy, *, user: User, text: str) -> None:
    """Findings are a running record: each entry is dated and signed, none is rewritten."""
    stamp = timezone.now().astimezone(discrepancy.clinic.zone)
    entry = f"{stamp:%Y-%m-%d %H:%M} {user.full_name or user.email}: {text.strip()}"
    discrepancy.findings = f"{discrepancy.findings}\n{entry}" if discrepancy.findings else entry


def _require_open(discrepancy: Discrepancy) -> None:
    if discrepancy.status != DiscrepancyStatus.OPEN:
        raise PreconditionFailed("This discrepancy has been resolved; it is kept as it was.")


def _require_text(text: str, *, field: str, message: str) -> None:
    if not text.strip():
        raise InvalidInput(message, fields={field: ["Required."]})
    if len(text) > 4000:
        raise InvalidInput("Keep each entry under 4,000 characters.", fields={field: ["Too long."]})


def _check_report_date(discrepancy: Discrepancy, day: datetime.date, *, field: str) -> None:
    if day > discrepancy.clinic.local_today():
        raise InvalidInput("That date is in the future.", fields={field: ["Not in the future."]})
    if day < _discovered_on(discrepancy):
        raise InvalidInput(
            "That date is before the discrepancy was discovered.",
            fields={field: ["On or after the day of discovery."]},
        )


def _audit_discrepancy(
    discrepancy: Discrepancy, *, user: User, event: str, **detail: object
) -> None:
    audit_record(
        actor=user,
        action=AuditAction.INVENTORY_DISCREPANCY,
        clinic=discrepancy.clinic,
        subject=discrepancy,
        detail={"event": event, **detail},
    )


@transaction.atomic
def discrepancy_assess(
    *,
    acting_user: User,
    discrepancy: Discrepancy,
    is_theft_or_significant_loss: bool,
    findings: str,
) -> Discrepancy:
    """Record what the investigation found and judge whether it is theft or a significant loss
    (21 CFR 1301.76(b) lists the factors). If it is, the DEA notice is due one business day
    after discovery and Form 106 within 45 days; the deadlines run from discovery, not from
    the judgement."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    _require_text(findings, field="findings", message="Record what the investigation found.")
    already_reported = locked.dea_notice_sent_on or locked.form_106_filed_on
    if not is_theft_or_significant_loss and already_reported:
        raise PreconditionFailed(
            "The DEA has already been notified of this loss; it stays judged as theft or "
            "significant loss. Record further findings when resolving it."
        )
    locked.is_theft_or_significant_loss = is_theft_or_significant_loss
    discovered_on = _discovered_on(locked)
    if is_theft_or_significant_loss:
        locked.dea_notice_due_on = dea_notice_due_on(discovered_on)
        locked.form_106_due_on = form_106_due_on(discovered_on)
    else:
        locked.dea_notice_due_on = None
        locked.form_106_due_on = None
    judgement = (
        "Judged theft or significant loss"
        if is_theft_or_significant_loss
        else "Judged not theft or significant loss"
    )
    _append_findings(locked, user=acting_user, text=f"{judgement}. {findings.strip()}")
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="assessed",
        is_theft_or_significant_loss=is_theft_or_significant_loss,
    )
    return locked


@transaction.atomic
def discrepancy_dea_notice_record(
    *, acting_user: User, discrepancy: Discrepancy, sent_on: datetime.date, note: str = ""
) -> Discrepancy:
    """The written notice to the DEA Field Division Office was sent on `sent_on`."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    if not locked.is_theft_or_significant_loss:
        raise PreconditionFailed(
            "Record the judgement of theft or significant loss before the DEA notice."
        )
    if locked.dea_notice_sent_on is not None:
        raise PreconditionFailed(
            f"The DEA notice is already recorded as sent on {locked.dea_notice_sent_on:%d %b %Y}."
        )
    _check_report_date(locked, sent_on, field="sent_on")
    if len(note) > 4000:
        raise InvalidInput("Keep the note under 4,000 characters.", fields={"note": ["Too long."]})
    locked.dea_notice_sent_on = sent_on
    text = f"DEA notice sent on {sent_on:%Y-%m-%d}."
    if locked.dea_notice_due_on and sent_on > locked.dea_notice_due_on:
        text += f" (It was due on {locked.dea_notice_due_on:%Y-%m-%d}.)"
    _append_findings(locked, user=acting_user, text=f"{text} {note.strip()}")
    locked.save()
    _audit_discrepancy(
        locked, user=acting_user, event="dea_notice_sent", sent_on=sent_on.isoformat()
    )
    return locked


@transaction.atomic
def discrepancy_form_106_record(
    *, acting_user: User, discrepancy: Discrepancy, filed_on: datetime.date, reference: str
) -> Discrepancy:
    """DEA Form 106 was filed (electronically) on `filed_on`, with its confirmation number."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    if not locked.is_theft_or_significant_loss:
        raise PreconditionFailed("Form 106 is filed for theft or significant loss only.")
    if locked.form_106_filed_on is not None:
        raise PreconditionFailed(
            f"Form 106 is already recorded as filed on {locked.form_106_filed_on:%d %b %Y}."
        )
    _check_report_date(locked, filed_on, field="filed_on")
    _require_text(reference, field="reference", message="Give the Form 106 confirmation number.")
    if len(reference) > 100:
        raise InvalidInput("At most 100 characters.", fields={"reference": ["Too long."]})
    locked.form_106_filed_on = filed_on
    text = f"DEA Form 106 filed on {filed_on:%Y-%m-%d}, confirmation {reference.strip()}."
    if locked.form_106_due_on and filed_on > locked.form_106_due_on:
        text += f" (It was due on {locked.form_106_due_on:%Y-%m-%d}.)"
    _append_findings(locked, user=acting_user, text=text)
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="form_106_filed",
        filed_on=filed_on.isoformat(),
        reference=reference.strip(),
    )
    return locked


@transaction.atomic
def discrepancy_resolve(
    *,
    acting_user: User,
    discrepancy: Discrepancy,
    findings: str,
    adjust_balance: bool = False,
    approver: User | None = None,
) -> Discrepancy:
    """Close the task with its findings. When the ledger was wrong, `adjust_balance` corrects
    the container by the counted difference through `stock_adjust` (a reason and a second
    person's sign-off); the adjustment names the discrepancy and the findings name the entry.
    A discrepancy opened by a correction is not adjusted again: the correction is the entry."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=discrepancy.clinic)
    locked = _lock_discrepancy(discrepancy)
    _require_open(locked)
    _require_text(findings, field="findings", message="Record the findings that resolve it.")
    line = locked.count_line
    if adjust_balance and line is None:
        raise InvalidInput(
            "This discrepancy was opened by a correction that is already on the ledger; record "
            "the findings without adjusting again (a further correction is its own adjustment).",
            fields={"adjust_balance": ["Already on the ledger."]},
        )
    if locked.is_theft_or_significant_loss is None:
        raise PreconditionFailed(
            "Judge first whether this is theft or a significant loss (DEA reporting depends on it)."
        )
    if locked.is_theft_or_significant_loss and (
        locked.dea_notice_sent_on is None or locked.form_106_filed_on is None
    ):
        raise PreconditionFailed(
            "A theft or significant loss is resolved only after the DEA notice is sent and "
            "Form 106 is filed."
        )
    movement: Movement | None = None
    if adjust_balance:
        assert line is not None
        product = line.container.lot.product
        try:
            movement = stock_adjust(
                acting_user=acting_user,
                container=line.container,
                delta=line.difference,
                approver=approver,
                flag_large_correction=False,  # it settles this discrepancy
                reason=(
                    f"Count discrepancy #{locked.pk} ({line.count.get_kind_display().lower()} "
                    f"of {locked.discovered_at.astimezone(locked.clinic.zone):%Y-%m-%d}): "
                    f"{findings.strip()}"
                )[:500],
            )
        except InvalidInput as error:
            if "quantity" not in error.fields:
                raise
            # Nobody typed the amount: the ledger has moved since the count.
            raise PreconditionFailed(
                f"{error.message} The ledger has changed since the count; count it again."
            ) from error
        text = (
            f"Resolved. {findings.strip()} Ledger corrected by adjustment #{movement.pk} "
            f"({signed_amount(product, line.difference)}), signed off by "
            f"{approver.full_name if approver else ''}."
        )
    else:
        text = f"Resolved. {findings.strip()} No adjustment to the ledger."
    _append_findings(locked, user=acting_user, text=text)
    locked.status = DiscrepancyStatus.RESOLVED
    locked.resolved_by = acting_user
    locked.resolved_at = timezone.now()
    locked.save()
    _audit_discrepancy(
        locked,
        user=acting_user,
        event="resolved",
        adjustment_movement_id=movement.pk if movement else None,
    )
    return locked


# --- Reading counts and discrepancies ----------------------------------------------------------


def signed_amount(product: Product, units: int) -> str:
    """A difference as staff read it: "+1.5 mL", "−2 devices"."""
    if units == 0:
        return product.display_amount(0)
    return ("+" if units > 0 else "−") + product.display_amount(abs(units))


@dataclass(frozen=True)
class Amounts:
    """What the ledger expected and what was found (for a correction: the balance before and
    after it), as staff read them."""

    product: Product
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected

    @property
    def counted_display(self) -> str:
        return self.product.display_amount(self.counted)

    @property
    def expected_display(self) -> str:
        return self.product.display_amount(self.expected)

    @property
    def difference_display(self) -> str:
        return signed_amount(self.product, self.difference)


@dataclass(frozen=True)
class CountLineRow:
    """A count line with its amounts as staff read them."""

    line: StockCountLine

    @property
    def product(self) -> Product:
        return self.line.container.lot.product

    @property
    def amounts(self) -> Amounts:
        return Amounts(product=self.product, expected=self.line.expected, counted=self.line.counted)


@dataclass(frozen=True)
class DiscrepancyRow:
    """A discrepancy with its deadlines as of `today` in the clinic's time zone."""

    discrepancy: Discrepancy
    discovered_on: datetime.date
    # Until judged, the notice would be due this day if it proves to be theft or significant loss.
    notice_due_on: datetime.date
    is_judgement_overdue: bool
    is_dea_notice_overdue: bool
    is_form_106_overdue: bool

    @property
    def is_overdue(self) -> bool:
        return self.is_judgement_overdue or self.is_dea_notice_overdue or self.is_form_106_overdue

    @property
    def line(self) -> StockCountLine | None:
        """The count line that opened it; None when a correction did."""
        return self.discrepancy.count_line

    @property
    def correction(self) -> Movement | None:
        """The adjustment or reversal that opened it; None when a count did."""
        return self.discrepancy.correction

    @property
    def container(self) -> Container:
        return self.discrepancy.container

    @property
    def amounts(self) -> Amounts:
        line = self.discrepancy.count_line
        product = self.container.lot.product
        if line is not None:
            return Amounts(product=product, expected=line.expected, counted=line.counted)
        correction = self.discrepancy.correction
        assert correction is not None
        before = int(correction.detail.get("balance_before", 0))
        return Amounts(
            product=product, expected=before, counted=before + correction.container_delta
        )


def discrepancy_row(discrepancy: Discrepancy, *, today: datetime.date) -> DiscrepancyRow:
    discovered_on = _discovered_on(discrepancy)
    is_open = discrepancy.status == DiscrepancyStatus.OPEN
    judged_theft = discrepancy.is_theft_or_significant_loss is True
    notice_due = discrepancy.dea_notice_due_on or dea_notice_due_on(discovered_on)
    form_due = discrepancy.form_106_due_on or form_106_due_on(discovered_on)
    return DiscrepancyRow(
        discrepancy=discrepancy,
        discovered_on=discovered_on,
        notice_due_on=notice_due,
        is_judgement_overdue=(
            is_open and discrepancy.is_theft_or_significant_loss is None and today > notice_due
        ),
        is_dea_notice_overdue=(
            judged_theft and discrepancy.dea_notice_sent_on is None and today > notice_due
        ),
        is_form_106_overdue=(
            judged_theft and discrepancy.form_106_filed_on is None and today > form_due
        ),
    )


def _discrepancies(clinic: Clinic) -> QuerySet[Discrepancy]:
    return Discrepancy.objects.filter(clinic=clinic).select_related(
        "clinic",
        "count_line__container__lot__product",
        "count_line__count__location",
        "count_line__count__counted_by",
        "correction__container__lot__product",
        "correction__recorded_by",
        "correction__witness",
        "resolved_by",
    )


def discrepancy_list_for_clinic(
    *, acting_user: User, clinic: Clinic, status: DiscrepancyStatus | None = DiscrepancyStatus.OPEN
) -> list[DiscrepancyRow]:
    """Discrepancies, newest first, each with its overdue flags (one query)."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    discrepancies = _discrepancies(clinic)
    if status is not None:
        discrepancies = discrepancies.filter(status=status)
    today = clinic.local_today()
    return [
        discrepancy_row(discrepancy, today=today)
        for discrepancy in discrepancies.order_by("-discovered_at", "-id")
    ]


def discrepancy_get(*, acting_user: User, clinic: Clinic, discrepancy_id: int) -> DiscrepancyRow:
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    discrepancy = _discrepancies(clinic).filter(pk=discrepancy_id).first()
    if discrepancy is None:
        raise NotFound("No such discrepancy at this clinic.")
    return discrepancy_row(discrepancy, today=clinic.local_today())


def stock_count_list_for_clinic(
    *, acting_user: User, clinic: Clinic, limit: int = 50
) -> list[StockCount]:
    """The latest counts with how many containers each covered and how many did not match."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    return list(
        StockCount.objects.filter(clinic=clinic)
        .select_related("location", "counted_by", "witness")
        .annotate(
            line_total=Count("lines", distinct=True),
            discrepancy_total=Count(
                "lines", filter=Q(lines__discrepancy__isnull=False), distinct=True
            ),
        )
        .order_by("-counted_at", "-id")[:limit]
    )


def stock_count_get(
    *, acting_user: User, clinic: Clinic, count_id: int
) -> tuple[StockCount, list[CountLineRow]]:
    """A count and its lines (with any discrepancy each opened), in two queries."""
    require_permission(user=acting_user, action=Action.INVENTORY_VIEW, clinic=clinic)
    count = (
        StockCount.objects.filter(clinic=clinic, pk=count_id)
        .select_related("location", "counted_by", "witness")
        .first()
    )
    if count is None:
        raise NotFound("No such count at this clinic.")
    lines = (
        StockCountLine.objects.filter(count=count)
        .select_related("container__lot__product", "container__location", "discrepancy")
        .order_by("id")
    )
    return count, [CountLineRow(line) for line in lines]


@dataclass(frozen=True)
class InventoryStatus:
    """Where the clinic stands on its initial and biennial inventories (21 CFR 1304.11)."""

    initial: StockCount | None
    latest: StockCount | None
    latest_on: datetime.date | None
    due_on: datetime.date | None
    today: datetime.date

    @property
    def has_initial(self) -> bool:
        return self.initial is not None

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.today > self.due_on

    @property
    def is_due_soon(self) -> bool:
        return (
            self.due_on is not None
            and not self.is_overdue
            and (self.due_on - self.today).days <= BIENNIAL_WARNING_DAYS
        )

    @property
    def days_left(self) -> int | None:
        return None if self.due_on is None else (self.due_on - self.today).days


def inventory_status_get(*, clinic: Clinic) -> InventoryStatus:
    inventories = list(
        StockCount.objects.filter(clinic=clinic, kind__in=INVENTORY_KINDS)
        .select_related("counted_by", "witness")
        .order_by("-counted_at", "-id")
    )
    initial = next((c for c in inventories if c.kind == CountKind.INITIAL), None)
    latest = inventories[0] if inventories else None
    latest_on = latest.counted_at.astimezone(clinic.zone).date() if latest else None
    return InventoryStatus(
        initial=initial,
        latest=latest,
        latest_on=latest_on,
        due_on=biennial_inventory_due_on(latest_on) if latest_on else None,
        today=clinic.local_today(),
    )


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
