"""A session's stock: drawn from a container for one treatment, then administered, and the rest
wasted with a witness (CLINICAL.md §11); an opened vial's beyond-use date (§2.4)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Movement,
    MovementKind,
    ProductForm,
)
from ketaclinic.inventory.services.ledger import (
    _check_witnesses,
    _lock_container,
    _lock_draw,
    _record,
)
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.scheduling.models import Appointment, AppointmentStatus


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
        zone = container.clinic.zone  # the clinic's days, not the server's UTC ones
        opened = (
            f" was opened on {container.opened_at.astimezone(zone):%d %b %Y} and"
            if container.opened_at
            else ""
        )
        raise PreconditionFailed(
            f"{container.label}{opened} is past its beyond-use date "
            f"({container.beyond_use_at.astimezone(zone):%d %b %Y}); it cannot be drawn."
        )


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
            # CLINICAL.md §2.4: 28 days, or fewer by the clinic's rules (`vials.beyond_use_days`).
            vial_rules = clinic_rules_get(clinic=locked.clinic).vials
            locked.beyond_use_at = vial_rules.beyond_use_at(opened_at=now)
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
