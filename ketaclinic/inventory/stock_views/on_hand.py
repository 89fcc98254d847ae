"""What is on hand, and receiving stock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.inventory.catalog import stock_for_clinic
from ketaclinic.inventory.services import stock_receive
from ketaclinic.inventory.stock_forms import ReceiveForm
from ketaclinic.inventory.stock_views.common import _container_row, _mg, _refuse_on_form


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
