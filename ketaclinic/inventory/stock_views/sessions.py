"""A session's draw, its administration and its witnessed waste."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, InvalidInput, NotFound
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
    container_draw,
    draw_administer,
    draw_waste,
    units_from_amount,
)
from ketaclinic.inventory.stock_forms import AdministerForm, DrawForm, WasteForm
from ketaclinic.inventory.stock_views.common import _int, _mg, _refuse_on_form
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.selectors import APPOINTMENT_NOT_FOUND


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
