"""The catalogue: products and storage locations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, InvalidInput, PermissionRefused
from ketaclinic.inventory.catalog import (
    location_add,
    location_get,
    location_list_for_clinic,
    location_set_active,
    product_add,
    product_get,
    product_list_for_clinic,
    product_set_active,
)
from ketaclinic.inventory.stock_forms import LocationAddForm, ProductAddForm
from ketaclinic.inventory.stock_views.common import _int, _refuse_on_form


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
