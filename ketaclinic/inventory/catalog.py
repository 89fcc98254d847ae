"""What a clinic stocks and where (products and storage locations), and the reads of the stock
that the staff pages and the API share.

Products are the clinic's catalogue: the clinic admin keeps it (`clinic.manage`). Locations are
where stock is kept under the clinic's DEA registration; whoever records stock movements may add
one (`inventory.record`). Neither is a ledger movement, so both are audited as a change to the
clinic (`clinic.updated`) with what changed in the detail. Nothing is deleted: a product or a
location that is no longer used is deactivated, and its ledger lines stay.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
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
from ketaclinic.medicine.dosing import (
    ESKETAMINE_DEVICE_MG,
    MAX_ESKETAMINE_DEVICES_PER_KIT,
    MAX_VIAL_STRENGTH_MG_PER_ML,
    MAX_VIAL_VOLUME_ML,
)
from ketaclinic.medicine.medications import plain_decimal

CONTAINER_NOT_FOUND = "No such container at this clinic."
PRODUCT_NOT_FOUND = "No such product at this clinic."
LOCATION_NOT_FOUND = "No such storage location at this clinic."
LOT_NOT_FOUND = "No such lot at this clinic."
DRAW_NOT_FOUND = "No such draw at this clinic."
MOVEMENT_NOT_FOUND = "No such ledger entry at this clinic."
_NDC = "0123456789-"


# --- products ----------------------------------------------------------------------------------


@transaction.atomic
def product_add(
    *,
    acting_user: User,
    clinic: Clinic,
    name: str,
    form: ProductForm | str,
    ndc: str,
    strength_mg_per_ml: Decimal | None = None,
    volume_ml: Decimal | None = None,
    devices_per_kit: int | None = None,
    mg_per_device: Decimal | None = None,
) -> Product:
    """A stocked presentation: a vial (strength and volume, CLINICAL.md §2.4) or a device kit
    (devices per kit and mg per device, §2.8). The NDC is unique at the clinic."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=clinic)
    problems: dict[str, list[str]] = {}
    name = name.strip()
    ndc = ndc.strip()
    if not name:
        problems["name"] = ["Required."]
    if not ndc or any(character not in _NDC for character in ndc) or len(ndc) > 16:
        problems["ndc"] = ["The National Drug Code: digits and hyphens, e.g. 0409-2051-05."]
    # The sizes of a product become stock quantities (a receipt fills each container with them),
    # so each has a ceiling: the largest ketamine and esketamine presentations
    # (medicine/dosing.py, CLINICAL.md §2.4, §2.8). Anything beyond is a typing slip, refused
    # rather than received.
    if form == ProductForm.VIAL:
        if strength_mg_per_ml is None or strength_mg_per_ml <= 0:
            problems["strength_mg_per_ml"] = ["A vial needs its strength in mg/mL."]
        elif strength_mg_per_ml > MAX_VIAL_STRENGTH_MG_PER_ML:
            problems["strength_mg_per_ml"] = [
                f"At most {plain_decimal(MAX_VIAL_STRENGTH_MG_PER_ML)} mg/mL."
            ]
        if volume_ml is None or volume_ml <= 0:
            problems["volume_ml"] = ["A vial needs its volume in mL."]
        elif volume_ml > MAX_VIAL_VOLUME_ML or volume_ml != volume_ml.quantize(Decimal("0.001")):
            problems["volume_ml"] = [f"Up to {plain_decimal(MAX_VIAL_VOLUME_ML)} mL, to 0.001 mL."]
        devices_per_kit = None
        mg_per_device = None
    elif form == ProductForm.DEVICE_KIT:
        if devices_per_kit is None or devices_per_kit <= 0:
            problems["devices_per_kit"] = ["A kit needs its number of devices."]
        elif devices_per_kit > MAX_ESKETAMINE_DEVICES_PER_KIT:
            problems["devices_per_kit"] = [
                f"At most {MAX_ESKETAMINE_DEVICES_PER_KIT} devices per kit."
            ]
        if mg_per_device is None or mg_per_device <= 0:
            problems["mg_per_device"] = ["A kit needs the mg of drug per device."]
        elif mg_per_device > ESKETAMINE_DEVICE_MG:
            problems["mg_per_device"] = [
                f"At most {plain_decimal(ESKETAMINE_DEVICE_MG)} mg per device."
            ]
        strength_mg_per_ml = None
        volume_ml = None
    else:
        problems["form"] = ["A vial or a device kit."]
    if problems:
        raise InvalidInput(
            "The product is not added: " + " ".join(v[0] for v in problems.values()),
            fields=problems,
        )
    if Product.objects.filter(clinic=clinic, ndc=ndc).exists():
        raise Conflict(
            f"A product with NDC {ndc} is already in the catalogue.",
            fields={"ndc": [f"A product with NDC {ndc} is already in the catalogue."]},
        )
    try:
        with transaction.atomic():
            product = Product.objects.create(
                clinic=clinic,
                name=name[:200],
                form=ProductForm(form),
                ndc=ndc,
                strength_mg_per_ml=strength_mg_per_ml,
                volume_ml=volume_ml,
                devices_per_kit=devices_per_kit,
                mg_per_device=mg_per_device,
            )
    except IntegrityError as error:  # the same NDC added at the same moment
        raise Conflict(
            f"A product with NDC {ndc} is already in the catalogue.",
            fields={"ndc": [f"A product with NDC {ndc} is already in the catalogue."]},
        ) from error
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=clinic,
        subject=product,
        detail={"inventory_product_added": {"name": product.name, "ndc": product.ndc}},
    )
    return product


@transaction.atomic
def product_set_active(*, acting_user: User, product: Product, is_active: bool) -> Product:
    """Take a product out of (or back into) the catalogue; stock on hand stays on the ledger."""
    require_permission(user=acting_user, action=Action.CLINIC_MANAGE, clinic=product.clinic)
    locked = Product.objects.select_for_update().get(pk=product.pk)
    if locked.is_active != is_active:
        locked.is_active = is_active
        locked.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditAction.CLINIC_UPDATED,
            clinic=locked.clinic,
            subject=locked,
            detail={
                "inventory_product": {"ndc": locked.ndc, "is_active": is_active},
            },
        )
    return locked


# --- storage locations -------------------------------------------------------------------------


@transaction.atomic
def location_add(*, acting_user: User, clinic: Clinic, name: str) -> StorageLocation:
    """A place stock is kept: the safe, a locked cart (21 CFR 1301.75(b))."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=clinic)
    name = name.strip()
    if not name:
        raise InvalidInput("Name the location.", fields={"name": ["Required."]})
    if len(name) > 100:
        raise InvalidInput("Use at most 100 characters.", fields={"name": ["Too long."]})
    if StorageLocation.objects.filter(clinic=clinic, name__iexact=name).exists():
        raise Conflict(
            f"{name} is already a storage location.",
            fields={"name": [f"{name} is already a storage location."]},
        )
    try:
        with transaction.atomic():
            location = StorageLocation.objects.create(clinic=clinic, name=name)
    except IntegrityError as error:
        raise Conflict(
            f"{name} is already a storage location.",
            fields={"name": [f"{name} is already a storage location."]},
        ) from error
    audit_record(
        actor=acting_user,
        action=AuditAction.CLINIC_UPDATED,
        clinic=clinic,
        subject=location,
        detail={"inventory_location_added": location.name},
    )
    return location


@transaction.atomic
def location_set_active(
    *, acting_user: User, location: StorageLocation, is_active: bool
) -> StorageLocation:
    """Take a location out of service. Stock still in it must be moved out first."""
    require_permission(user=acting_user, action=Action.INVENTORY_RECORD, clinic=location.clinic)
    locked = StorageLocation.objects.select_for_update().get(pk=location.pk)
    if not is_active:
        held = Container.objects.filter(
            location=locked, status__in=[ContainerStatus.SEALED, ContainerStatus.OPEN]
        ).count()
        if held:
            raise PreconditionFailed(
                f"{locked.name} still holds {held} container{'s' if held != 1 else ''}; "
                "transfer them first."
            )
    if locked.is_active != is_active:
        locked.is_active = is_active
        locked.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditAction.CLINIC_UPDATED,
            clinic=locked.clinic,
            subject=locked,
            detail={"inventory_location": {"name": locked.name, "is_active": is_active}},
        )
    return locked


# --- reads -------------------------------------------------------------------------------------
# Scoped to one clinic, with the same NotFound for "missing" and "another clinic's".


def product_list_for_clinic(*, clinic: Clinic, active_only: bool = False) -> QuerySet[Product]:
    products = Product.objects.filter(clinic=clinic)
    return products.filter(is_active=True) if active_only else products


def location_list_for_clinic(
    *, clinic: Clinic, active_only: bool = False
) -> QuerySet[StorageLocation]:
    locations = StorageLocation.objects.filter(clinic=clinic)
    return locations.filter(is_active=True) if active_only else locations


def product_get(*, clinic: Clinic, product_id: int) -> Product:
    product = Product.objects.filter(clinic=clinic, pk=product_id).first()
    if product is None:
        raise NotFound(PRODUCT_NOT_FOUND)
    return product


def location_get(*, clinic: Clinic, location_id: int) -> StorageLocation:
    location = StorageLocation.objects.filter(clinic=clinic, pk=location_id).first()
    if location is None:
        raise NotFound(LOCATION_NOT_FOUND)
    return location


def lot_list_for_clinic(*, clinic: Clinic) -> QuerySet[Lot]:
    return Lot.objects.filter(clinic=clinic).select_related("product").order_by("expires_on", "pk")


def container_list_for_clinic(*, clinic: Clinic) -> QuerySet[Container]:
    return (
        Container.objects.filter(clinic=clinic)
        .select_related("lot__product", "location", "clinic")
        .order_by("label")
    )


def container_get(*, clinic: Clinic, container_id: int) -> Container:
    container = container_list_for_clinic(clinic=clinic).filter(pk=container_id).first()
    if container is None:
        raise NotFound(CONTAINER_NOT_FOUND)
    return container


def draw_get(*, clinic: Clinic, draw_id: int) -> Draw:
    draw = (
        Draw.objects.filter(clinic=clinic, pk=draw_id)
        .select_related("container__lot__product", "container__clinic", "appointment", "clinic")
        .first()
    )
    if draw is None:
        raise NotFound(DRAW_NOT_FOUND)
    return draw


def movement_get(*, clinic: Clinic, movement_id: int) -> Movement:
    movement = (
        movement_list_for_clinic(clinic=clinic).filter(pk=movement_id).select_related("clinic")
    ).first()
    if movement is None:
        raise NotFound(MOVEMENT_NOT_FOUND)
    return movement


def movement_list_for_clinic(
    *,
    clinic: Clinic,
    product: Product | None = None,
    kind: MovementKind | str | None = None,
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
) -> QuerySet[Movement]:
    """Ledger lines in the order they were written, with what each row shows."""
    movements = Movement.objects.filter(clinic=clinic)
    if product is not None:
        movements = movements.filter(product=product)
    if kind:
        movements = movements.filter(kind=kind)
    if since is not None:
        movements = movements.filter(occurred_at__gte=since)
    if until is not None:
        movements = movements.filter(occurred_at__lt=until)
    return movements.select_related(
        "product",
        "lot",
        "container",
        "recorded_by",
        "witness",
        "second_witness",
        "patient",
        "from_location",
        "to_location",
        "reverses",
    ).order_by("occurred_at", "id")


@dataclass
class LedgerLine:
    movement: Movement
    balance: int  # the container's balance after this line
    is_reversed: bool


def container_ledger(*, container: Container) -> list[LedgerLine]:
    """Every movement of the container with the running balance after each (one query)."""
    movements = list(
        movement_list_for_clinic(clinic=container.clinic)
        .filter(container=container)
        .select_related("reversed_by")
    )
    running = 0
    lines = []
    for movement in movements:
        running += movement.container_delta
        reversed_by = getattr(movement, "reversed_by", None)
        lines.append(LedgerLine(movement, running, reversed_by is not None))
    return lines


@dataclass
class LotStock:
    lot: Lot
    containers: list[Container]
    is_expired: bool
    balance: int = 0


@dataclass
class ProductStock:
    product: Product
    lots: list[LotStock] = field(default_factory=list)
    balance: int = 0
    container_count: int = 0

    @property
    def balance_mg(self) -> Decimal:
        return self.product.mg_for(self.balance)


def stock_for_clinic(*, clinic: Clinic, include_removed: bool = False) -> list[ProductStock]:
    """Stock on hand by product, then lot, then container (three queries whatever the size)."""
    today = clinic.local_today()
    statuses = [ContainerStatus.SEALED, ContainerStatus.OPEN]
    if include_removed:
        statuses += [ContainerStatus.EMPTY, ContainerStatus.REMOVED]
    containers = Container.objects.filter(status__in=statuses).select_related("location")
    lots = (
        Lot.objects.filter(clinic=clinic, containers__status__in=statuses)
        .distinct()
        .select_related("product")
        .prefetch_related(
            Prefetch("containers", queryset=containers.order_by("label"), to_attr="on_hand")
        )
        .order_by("product__name", "product_id", "expires_on", "lot_number")
    )
    by_product: dict[int, ProductStock] = {}
    for lot in lots:
        stock = by_product.setdefault(lot.product_id, ProductStock(lot.product))
        on_hand: list[Container] = lot.on_hand
        lot_stock = LotStock(lot, on_hand, lot.expires_on < today)
        lot_stock.balance = sum(container.balance for container in on_hand)
        stock.lots.append(lot_stock)
        stock.balance += lot_stock.balance
        stock.container_count += len(on_hand)
    return list(by_product.values())
