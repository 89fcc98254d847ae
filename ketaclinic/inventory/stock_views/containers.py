"""One container: its ledger, and what can happen to it (transfer, return, destruction,
breakage, adjustment, reversal)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.catalog import container_get, container_ledger, movement_get
from ketaclinic.inventory.models import Container, ContainerStatus, Movement
from ketaclinic.inventory.services import (
    LARGE_CORRECTION_PERCENT,
    REVERSIBLE,
    breakage_record,
    container_destroy,
    container_return,
    container_transfer,
    movement_reverse,
    stock_adjust,
    units_from_amount,
)
from ketaclinic.inventory.stock_forms import (
    AdjustForm,
    BreakageForm,
    DestroyForm,
    ReturnForm,
    ReverseForm,
    TransferForm,
)
from ketaclinic.inventory.stock_views.common import (
    _container_row,
    _int,
    _mg,
    _refuse_on_form,
    _signed,
)


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
