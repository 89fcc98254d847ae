"""Staff pages of the Schedule III stock (CLINICAL.md §11): what is on hand, receiving it, one
container's ledger and what can happen to it, a session's draw, administration and witnessed
waste, and the catalogue of products and locations. Thin: every rule is in the services; these
pages parse the form, turn typed amounts into base units, take the witnesses' signatures, and show
a refusal on the form it came from.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.inventory.catalog import (
    container_get,
    container_ledger,
    location_add,
    location_get,
    location_list_for_clinic,
    location_set_active,
    movement_get,
    product_add,
    product_get,
    product_list_for_clinic,
    product_set_active,
    stock_for_clinic,
)
from ketaclinic.inventory.models import (
    Container,
    ContainerStatus,
    Draw,
    Movement,
    MovementKind,
    Product,
    ProductForm,
)
from ketaclinic.inventory.services import (
    LARGE_CORRECTION_PERCENT,
    REVERSIBLE,
    breakage_record,
    container_destroy,
    container_draw,
    container_return,
    container_transfer,
    draw_administer,
    draw_waste,
    movement_reverse,
    stock_adjust,
    stock_receive,
    units_from_amount,
)
from ketaclinic.inventory.stock_forms import (
    AdjustForm,
    AdministerForm,
    BreakageForm,
    DestroyForm,
    DrawForm,
    LocationAddForm,
    ProductAddForm,
    ReceiveForm,
    ReturnForm,
    ReverseForm,
    TransferForm,
    WasteForm,
)
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

APPOINTMENT_NOT_FOUND = "No such appointment at this clinic."
# A refusal naming a witness or an approver is about them, not about the one recording: it is
# shown on the form (with what was typed kept), not as a 403 page.
_SIGNER_FIELDS = frozenset({"witness", "second_witness", "approver"})


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _signed(amount: str) -> str:
    return amount if amount.startswith("-") else f"+{amount}"


def _mg(product: Product, units: int) -> str:
    return f"{plain_decimal(product.mg_for(units))} mg"


@dataclass
class ContainerRow:
    container: Container
    amount: str
    mg: str
    is_expired: bool
    is_beyond_use: bool


def _container_row(container: Container, *, today: datetime.date, now: datetime.datetime) -> Any:
    product = container.lot.product
    return ContainerRow(
        container=container,
        amount=product.display_amount(container.balance),
        mg=_mg(product, container.balance),
        is_expired=container.lot.expires_on < today,
        is_beyond_use=container.beyond_use_at is not None and container.beyond_use_at <= now,
    )


def _refuse_on_form(form: forms.Form, error: DomainError) -> None:
    """Show the service's refusal on the form; a refusal of who you are stays a 403 page."""
    about_signer = bool(set(error.fields) & _SIGNER_FIELDS)
    if (isinstance(error, PermissionRefused) and not about_signer) or isinstance(error, NotFound):
        raise error
    if about_signer:
        # The service names the person in its message; its field message may not say which.
        form.add_error(None, error.message)
    else:
        form_add_domain_error(form, error)


# --- stock on hand -----------------------------------------------------------------------------


@login_required
def stock_home(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    today = clinic.local_today()
    now = timezone.now()
    products = []
    for stock in stock_for_clinic(clinic=clinic):
        product = stock.product
        lots = [
            {
                "lot": lot_stock.lot,
                "is_expired": lot_stock.is_expired,
                "amount": product.display_amount(lot_stock.balance),
                "rows": [
                    _container_row(container, today=today, now=now)
                    for container in lot_stock.containers
                ],
            }
            for lot_stock in stock.lots
        ]
        products.append(
            {
                "product": product,
                "amount": product.display_amount(stock.balance),
                "mg": _mg(product, stock.balance),
                "container_count": stock.container_count,
                "lots": lots,
            }
        )
    return render(
        request,
        "inventory/stock/home.html",
        {
            "products": products,
            "can_record": has_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic),
            "nav": "inventory",
        },
    )


@login_required
def stock_receive_view(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
    form = ReceiveForm(
        request.POST if request.method == "POST" else None,
        clinic=clinic,
        initial={"received_on": clinic.local_today(), "container_count": 1},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            containers = stock_receive(acting_user=user, **data)
        except DomainError as error:
            _refuse_on_form(form, error)
        else:
            labels = ", ".join(container.label for container in containers)
            messages.success(
                request,
                f"Received {len(containers)} × {data['product'].name}, lot "
                f"{data['lot_number']}: label them {labels}.",
            )
            return redirect("inventory:home")
    return render(request, "inventory/stock/receive.html", {"form": form, "nav": "inventory"})


# --- one container -----------------------------------------------------------------------------


def _container_forms(
    request: HttpRequest, clinic: Clinic, user: User, action: str
) -> dict[str, forms.Form]:
    def bound(name: str) -> Any:
        return request.POST if action == name else None

    return {
        "transfer": TransferForm(bound("transfer"), clinic=clinic, prefix="transfer"),
        "return": ReturnForm(bound("return"), prefix="return"),
        "destroy": DestroyForm(bound("destroy"), clinic=clinic, user=user, prefix="destroy"),
        "breakage": BreakageForm(bound("breakage"), clinic=clinic, user=user, prefix="breakage"),
        "adjust": AdjustForm(bound("adjust"), clinic=clinic, user=user, prefix="adjust"),
        "reverse": ReverseForm(bound("reverse"), prefix="reverse"),
    }


def _container_act(
    request: HttpRequest, *, action: str, form: Any, container: Container, user: User
) -> Movement:
    """Do what the posted form asks; raises the service's refusal."""
    clinic = container.clinic
    product = container.lot.product
    data = form.cleaned_data
    if action == "transfer":
        return container_transfer(
            acting_user=user, container=container, to_location=data["to_location"]
        )
    if action == "return":
        return container_return(
            acting_user=user,
            container=container,
            distributor_name=data["distributor_name"],
            distributor_dea_number=data["distributor_dea_number"],
            reason=data["reason"],
        )
    if action == "destroy":
        form.check_signatures(request)
        return container_destroy(
            acting_user=user,
            container=container,
            witness=data["witness"],
            second_witness=data["second_witness"],
            method=data["method"],
            form_41_reference=data["form_41_reference"],
        )
    if action == "breakage":
        quantity = units_from_amount(product, data["quantity"])
        form.check_signatures(request)
        return breakage_record(
            acting_user=user,
            container=container,
            quantity=quantity,
            circumstances=data["circumstances"],
            witness=data["witness"],
            second_witness=data["second_witness"],
        )
    if action == "adjust":
        quantity = units_from_amount(product, data["quantity"])
        approver = data["approver"]
        try:
            # The service checks it too; asked first here so that the refusal names the
            # approver on the form rather than reading as the recorder's own.
            require_permission(user=approver, action=Action.INVENTORY_RECORD, clinic=clinic)
        except PermissionRefused as error:
            name = approver.full_name or approver.email
            raise InvalidInput(
                f"{name} cannot sign off: {error.message}", fields={"approver": [error.message]}
            ) from error
        form.check_signatures(request)
        return stock_adjust(
            acting_user=user,
            container=container,
            delta=quantity if data["direction"] == "add" else -quantity,
            reason=data["reason"],
            approver=approver,
        )
    assert action == "reverse"
    movement = movement_get(clinic=clinic, movement_id=data["movement_id"])
    if movement.container_id != container.pk:
        raise NotFound("No such entry on this container's ledger.")
    return movement_reverse(acting_user=user, movement=movement, reason=data["reason"])


_DONE = {
    "transfer": "Transferred.",
    "return": "Recorded as returned to the reverse distributor.",
    "destroy": "Destruction recorded with both witnesses.",
    "breakage": "Breakage recorded with both witnesses.",
    "adjust": "Adjustment recorded.",
    "reverse": "The entry is reversed; both lines stay on the ledger.",
}


@login_required
def container_detail(request: HttpRequest, container_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    container = container_get(clinic=clinic, container_id=container_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST":
        # Before any witness types a password: a refused recorder is a 403 page.
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        if action not in _DONE:
            raise InvalidInput("Choose what to record.")
    container_forms = _container_forms(request, clinic, user, action)
    if action:
        form = container_forms[action]
        if form.is_valid():
            try:
                movement = _container_act(
                    request, action=action, form=form, container=container, user=user
                )
            except DomainError as error:
                _refuse_on_form(form, error)
            else:
                messages.success(request, _DONE[action])
                if getattr(movement, "discrepancy", None) is not None:
                    messages.warning(
                        request,
                        f"That correction is more than {LARGE_CORRECTION_PERCENT} % of what "
                        f"{container.label} was received with: a discrepancy is open to "
                        "investigate (Counts → Discrepancies).",
                    )
                return redirect("inventory:container", container_id=container.pk)
    product = container.lot.product
    can_record = has_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
    is_present = container.status in (ContainerStatus.SEALED, ContainerStatus.OPEN)
    if action and action != "reverse" and not is_present and container_forms[action].errors:
        # Its forms are not shown once it has left the stock: say why nothing was recorded.
        for message in container_forms[action].non_field_errors():
            messages.error(request, str(message))
    lines = [
        {
            "movement": line.movement,
            "change": _signed(product.display_amount(line.movement.container_delta))
            if line.movement.container_delta
            else "",
            "draw_change": _signed(product.display_amount(line.movement.draw_delta))
            if line.movement.draw_delta
            else "",
            "balance": product.display_amount(line.balance),
            "balance_mg": _mg(product, line.balance),
            "is_reversed": line.is_reversed,
            "can_reverse": can_record and not line.is_reversed and line.movement.kind in REVERSIBLE,
        }
        for line in container_ledger(container=container)
    ]
    now = timezone.now()
    return render(
        request,
        "inventory/stock/container.html",
        {
            "container": container,
            "product": product,
            "row": _container_row(container, today=clinic.local_today(), now=now),
            "lines": lines,
            "forms": container_forms,
            "reverse_error_for": _int(request.POST.get("reverse-movement_id"))
            if action == "reverse"
            else 0,
            "can_record": can_record and is_present,
            "can_reverse": can_record,
            "nav": "inventory",
        },
    )


# --- a session's draw, administration and waste -----------------------------------------------


def _treatment(clinic: Clinic, appointment_id: int) -> Appointment:
    appointment = (
        Appointment.objects.filter(clinic=clinic, pk=appointment_id)
        .select_related("patient", "chair", "clinic")
        .first()
    )
    if appointment is None:
        raise NotFound(APPOINTMENT_NOT_FOUND)
    if not is_treatment(appointment.kind):
        raise NotFound("Stock is drawn only for a treatment session; this visit is not one.")
    return appointment


def _drawable(clinic: Clinic, appointment: Appointment) -> QuerySet[Container]:
    """Containers a nurse may draw from now for this kind of session: in date, within their
    beyond-use date, not empty; opened ones first, then the earliest expiry."""
    now = timezone.now()
    form = ProductForm.DEVICE_KIT if appointment.kind == VisitKind.ESKETAMINE else ProductForm.VIAL
    containers = (
        Container.objects.filter(
            clinic=clinic,
            status__in=[ContainerStatus.SEALED, ContainerStatus.OPEN],
            balance__gt=0,
            lot__product__form=form,
            lot__expires_on__gte=clinic.local_today(),
        )
        .exclude(beyond_use_at__lte=now)
        .select_related("lot__product", "location")
    )
    # "open" sorts before "sealed": a started vial is used up before a new one is opened.
    return containers.order_by("status", "lot__expires_on", "label")


@login_required
def session_stock(request: HttpRequest, appointment_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.SESSION_CHART, clinic=clinic)
    appointment = _treatment(clinic, appointment_id)
    # Through the one door to patient rows (and recorded as a view of the chart).
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=appointment.patient_id, action=Action.SESSION_CHART
    )
    action = request.POST.get("action", "") if request.method == "POST" else ""
    draws = list(
        Draw.objects.filter(appointment=appointment)
        .select_related("container__lot__product", "container__clinic", "drawn_by")
        .prefetch_related(
            Prefetch(
                "movements",
                queryset=Movement.objects.select_related("recorded_by", "witness").order_by(
                    "occurred_at", "id"
                ),
            )
        )
        .order_by("drawn_at", "id")
    )
    posted_draw = _int(request.POST.get("draw_id")) if action in {"administer", "waste"} else 0
    if action in {"administer", "waste"}:
        # Before the witness types a password: a refused nurse is a 403 page.
        require_permission(user=user, action=Action.MEDICATION_ADMINISTER, clinic=clinic)
        if posted_draw not in {draw.pk for draw in draws}:
            raise NotFound("No such draw for this session.")
    elif action and action != "draw":
        raise InvalidInput("Choose what to record.")
    draw_form = DrawForm(
        request.POST if action == "draw" else None,
        containers=_drawable(clinic, appointment),
        prefix="draw",
    )
    rows: list[dict[str, Any]] = []
    for draw in draws:
        product = draw.container.lot.product
        is_posted = draw.pk == posted_draw
        rows.append(
            {
                "draw": draw,
                "product": product,
                "drawn": product.display_amount(draw.quantity),
                "drawn_mg": _mg(product, draw.quantity),
                "left": product.display_amount(draw.balance),
                "movements": [
                    {
                        "movement": movement,
                        "amount": product.display_amount(-movement.draw_delta)
                        if movement.kind != MovementKind.DRAW
                        else product.display_amount(movement.draw_delta),
                        "mg": _mg(product, abs(movement.draw_delta)),
                    }
                    for movement in draw.movements.all()
                ],
                "administer_form": AdministerForm(
                    request.POST if is_posted and action == "administer" else None,
                    prefix=f"administer-{draw.pk}",
                ),
                "waste_form": WasteForm(
                    request.POST if is_posted and action == "waste" else None,
                    clinic=clinic,
                    user=user,
                    prefix=f"waste-{draw.pk}",
                    initial={"quantity": _amount_of(product, draw.balance)},
                ),
            }
        )
    if action:
        if action == "draw":
            form: Any = draw_form
        else:
            row = next(row for row in rows if row["draw"].pk == posted_draw)
            form = row["administer_form"] if action == "administer" else row["waste_form"]
        if form.is_valid():
            try:
                message = _session_act(
                    request,
                    action=action,
                    form=form,
                    appointment=appointment,
                    user=user,
                    draw=next((d for d in draws if d.pk == posted_draw), None),
                )
            except DomainError as error:
                _refuse_on_form(form, error)
            else:
                messages.success(request, message)
                return redirect("inventory:session", appointment_id=appointment.pk)
    return render(
        request,
        "inventory/stock/session.html",
        {
            "appointment": appointment,
            "patient": patient,
            "local_start": appointment.starts_at.astimezone(clinic.zone),
            "is_booked": appointment.status == AppointmentStatus.BOOKED,
            "draw_form": draw_form,
            "rows": rows,
            "nav": "schedule",
        },
    )


def _amount_of(product: Product, units: int) -> Decimal | int:
    return Decimal(units) / 1000 if product.is_vial else units


def _session_act(
    request: HttpRequest,
    *,
    action: str,
    form: Any,
    appointment: Appointment,
    user: User,
    draw: Draw | None,
) -> str:
    data = form.cleaned_data
    if action == "draw":
        container: Container = data["container"]
        product = container.lot.product
        quantity = units_from_amount(product, data["quantity"])
        container_draw(
            acting_user=user, container=container, quantity=quantity, appointment=appointment
        )
        return f"Drew {product.display_amount(quantity)} from {container.label}."
    assert draw is not None
    product = draw.container.lot.product
    quantity = units_from_amount(product, data["quantity"])
    if action == "administer":
        draw_administer(acting_user=user, draw=draw, quantity=quantity)
        return f"Recorded {product.display_amount(quantity)} administered."
    form.check_signatures(request)
    draw_waste(
        acting_user=user,
        draw=draw,
        quantity=quantity,
        reason=data["reason"],
        witness=data["witness"],
    )
    witness: User = data["witness"]
    return (
        f"Recorded {product.display_amount(quantity)} wasted, witnessed by "
        f"{witness.full_name or witness.email}."
    )


# --- products and locations --------------------------------------------------------------------


@login_required
def products_view(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = ProductAddForm(request.POST if action == "add" else None)
    if action:
        require_permission(user=user, action=Action.CLINIC_MANAGE, clinic=clinic)
        if action in {"deactivate", "activate"}:
            product = product_get(clinic=clinic, product_id=_int(request.POST.get("product_id")))
            product_set_active(acting_user=user, product=product, is_active=action == "activate")
            messages.success(
                request,
                f"{product.name} is {'back in' if action == 'activate' else 'out of'} the "
                "catalogue.",
            )
            return redirect("inventory:products")
        if action != "add":
            raise InvalidInput("Choose what to do.")
        if form.is_valid():
            try:
                product = product_add(acting_user=user, clinic=clinic, **form.cleaned_data)
            except DomainError as error:
                _refuse_on_form(form, error)
            else:
                messages.success(request, f"{product.name} added to the catalogue.")
                return redirect("inventory:products")
    return render(
        request,
        "inventory/stock/products.html",
        {
            "products": product_list_for_clinic(clinic=clinic),
            "form": form,
            "can_manage": has_permission(user=user, action=Action.CLINIC_MANAGE, clinic=clinic),
            "nav": "inventory",
        },
    )


@login_required
def locations_view(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.INVENTORY_VIEW, clinic=clinic)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = LocationAddForm(request.POST if action == "add" else None)
    if action:
        require_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic)
        if action in {"deactivate", "activate"}:
            location = location_get(
                clinic=clinic, location_id=_int(request.POST.get("location_id"))
            )
            try:
                location_set_active(
                    acting_user=user, location=location, is_active=action == "activate"
                )
            except PermissionRefused:
                raise
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(
                    request,
                    f"{location.name} is {'in' if action == 'activate' else 'out of'} service.",
                )
            return redirect("inventory:locations")
        if action != "add":
            raise InvalidInput("Choose what to do.")
        if form.is_valid():
            try:
                location = location_add(
                    acting_user=user, clinic=clinic, name=form.cleaned_data["name"]
                )
            except DomainError as error:
                _refuse_on_form(form, error)
            else:
                messages.success(request, f"{location.name} added.")
                return redirect("inventory:locations")
    return render(
        request,
        "inventory/stock/locations.html",
        {
            "locations": location_list_for_clinic(clinic=clinic),
            "form": form,
            "can_record": has_permission(user=user, action=Action.INVENTORY_RECORD, clinic=clinic),
            "nav": "inventory",
        },
    )
