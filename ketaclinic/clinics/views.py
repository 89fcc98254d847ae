"""Clinic switching, the clinic's settings and rules, and staff and credential management."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action, CredentialKind, NurseType, Role
from ketaclinic.clinics.forms import (
    CLINIC_RULE_FIELDS,
    ChairAddForm,
    ClinicDetailsForm,
    ClinicRulesForm,
    CredentialForm,
    MembershipForm,
    OpeningHoursForm,
    StaffMemberAddForm,
)
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.clinics.selectors import (
    clinic_rules_get,
    staff_list_for_clinic,
)
from ketaclinic.clinics.services import (
    active_clinic_switch,
    chair_add,
    chair_set_active,
    clinic_rules_update,
    clinic_update,
    credential_record,
    opening_hours_replace,
    staff_member_add,
    staff_membership_set,
)
from ketaclinic.core.errors import DomainError
from ketaclinic.core.forms import form_add_domain_error


@login_required
@require_POST
def clinic_switch(request: HttpRequest) -> HttpResponse:
    try:
        clinic_id = int(request.POST.get("clinic", ""))
    except ValueError:
        messages.error(request, "Choose a clinic from the list.")
        return redirect("home")
    clinic = active_clinic_switch(request=request, user=request.user, clinic_id=clinic_id)
    messages.success(request, f"You are now working at {clinic.name}.")
    return redirect("home")


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=request.user, action=Action.STAFF_MANAGE, clinic=clinic)
    memberships = list(staff_list_for_clinic(clinic=clinic))
    today = clinic.local_today()
    return render(
        request,
        "clinics/staff_list.html",
        {
            "memberships": memberships,
            "today": today,
            "warning_horizon": today
            + datetime.timedelta(days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS),
            "nav": "staff",
        },
    )


def _set_password_url(request: HttpRequest) -> Callable[[User], str]:
    def build(user: User) -> str:
        path = reverse(
            "account_reset_password_from_key",
            kwargs={
                "uidb36": user_pk_to_url_str(user),
                "key": default_token_generator.make_token(user),
            },
        )
        return request.build_absolute_uri(path)

    return build


@login_required
def staff_add(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    acting = acting_user(request)
    require_permission(user=acting, action=Action.STAFF_MANAGE, clinic=clinic)
    form = StaffMemberAddForm(request.POST or None, prefix="staff")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = staff_member_add(
                acting_user=acting,
                clinic=clinic,
                email=data["email"],
                full_name=data["full_name"],
                role=Role(data["role"]),
                nurse_type=NurseType(data["nurse_type"]) if data["nurse_type"] else None,
                title=data["title"],
                set_password_url=_set_password_url(request),
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for field, field_errors in error.fields.items():
                if field in form.fields:
                    for message in field_errors:
                        form.add_error(field, message)
        else:
            messages.success(
                request,
                f"{membership.user.full_name} added as {membership.role_label}. New accounts get "
                "an email to choose a password; record their credentials below.",
            )
            return redirect("staff_detail", membership_id=membership.pk)
    return render(request, "clinics/staff_add.html", {"form": form, "nav": "staff"})


@login_required
def staff_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    acting = acting_user(request)
    require_permission(user=acting, action=Action.STAFF_MANAGE, clinic=clinic)
    membership = get_object_or_404(
        StaffMembership.objects.select_related("user"), pk=membership_id, clinic=clinic
    )
    credential_form = CredentialForm(prefix="credential")
    membership_form = MembershipForm(
        prefix="membership",
        initial={
            "role": membership.role,
            "nurse_type": membership.nurse_type,
            "title": membership.title,
            "is_active": membership.is_active,
        },
    )
    if request.method == "POST" and "credential-kind" in request.POST:
        credential_form = CredentialForm(request.POST, prefix="credential")
        if credential_form.is_valid():
            data = credential_form.cleaned_data
            try:
                credential_record(
                    acting_user=acting,
                    clinic=clinic,
                    user=membership.user,
                    kind=CredentialKind(data["kind"]),
                    number=data["number"],
                    issuing_state=data["issuing_state"],
                    issued_on=data["issued_on"],
                    expires_on=data["expires_on"],
                )
            except DomainError as error:
                for field, field_errors in error.fields.items():
                    for message in field_errors:
                        credential_form.add_error(field, message)
                if not error.fields:
                    credential_form.add_error(None, error.message)
            else:
                messages.success(request, "Credential recorded.")
                return redirect("staff_detail", membership_id=membership.pk)
    elif request.method == "POST":
        membership_form = MembershipForm(request.POST, prefix="membership")
        if membership_form.is_valid():
            data = membership_form.cleaned_data
            try:
                staff_membership_set(
                    acting_user=acting,
                    clinic=clinic,
                    user=membership.user,
                    role=Role(data["role"]),
                    nurse_type=NurseType(data["nurse_type"]) if data["nurse_type"] else None,
                    title=data["title"],
                    is_active=data["is_active"],
                )
            except DomainError as error:
                membership_form.add_error(None, error.message)
            else:
                messages.success(request, "Role saved.")
                return redirect("staff_detail", membership_id=membership.pk)
    return render(
        request,
        "clinics/staff_detail.html",
        {
            "membership": membership,
            "credentials": membership.user.credentials.all(),
            "credential_form": credential_form,
            "membership_form": membership_form,
            "today": clinic.local_today(),
            "nav": "staff",
        },
    )


def _hours_initial(clinic: Clinic) -> dict[str, object]:
    initial: dict[str, object] = {}
    for period in clinic.opening_hours.all():
        initial[f"is_open_{period.weekday}"] = True
        initial[f"opens_{period.weekday}"] = period.opens_at
        initial[f"closes_{period.weekday}"] = period.closes_at
    return initial


@login_required
def clinic_settings(request: HttpRequest) -> HttpResponse:
    """The site's details, weekly hours, rooms and chairs, for the clinic admin."""
    clinic = acting_clinic(request)
    acting = acting_user(request)
    require_permission(user=acting, action=Action.CLINIC_MANAGE, clinic=clinic)
    details_form = ClinicDetailsForm(
        prefix="clinic",
        initial={field: getattr(clinic, field) for field in ClinicDetailsForm.base_fields},
    )
    hours_form = OpeningHoursForm(prefix="hours", initial=_hours_initial(clinic))
    chair_form = ChairAddForm(prefix="chair")
    if request.method == "POST":
        section = request.POST.get("section")
        try:
            if section == "details":
                details_form = ClinicDetailsForm(request.POST, prefix="clinic")
                if details_form.is_valid():
                    clinic_update(
                        acting_user=acting, clinic=clinic, details=details_form.cleaned_data
                    )
                    messages.success(request, "Clinic details saved.")
                    return redirect("clinic_settings")
            elif section == "hours":
                hours_form = OpeningHoursForm(request.POST, prefix="hours")
                if hours_form.is_valid():
                    opening_hours_replace(
                        acting_user=acting, clinic=clinic, hours=hours_form.hours()
                    )
                    messages.success(request, "Opening hours saved.")
                    return redirect("clinic_settings")
            elif section == "chair":
                chair_form = ChairAddForm(request.POST, prefix="chair")
                if chair_form.is_valid():
                    chair = chair_add(acting_user=acting, clinic=clinic, **chair_form.cleaned_data)
                    messages.success(request, f"{chair.name} added.")
                    return redirect("clinic_settings")
            elif section == "chair_status":
                chair = get_object_or_404(
                    Chair,
                    clinic=clinic,
                    pk=int(chair_id)
                    if (chair_id := request.POST.get("chair_id", "")).isdigit()
                    else 0,
                )
                is_active = request.POST.get("is_active") == "true"
                chair_set_active(acting_user=acting, chair=chair, is_active=is_active)
                state = "back in service" if is_active else "out of service"
                messages.success(request, f"{chair.name} is {state}.")
                return redirect("clinic_settings")
            else:
                messages.error(request, "Choose what to save.")
        except DomainError as error:
            target = {"details": details_form, "hours": hours_form, "chair": chair_form}.get(
                section or ""
            )
            if target is None:
                raise
            form_add_domain_error(target, error)
    return render(
        request,
        "clinics/clinic_settings.html",
        {
            "details_form": details_form,
            "hours_form": hours_form,
            "chair_form": chair_form,
            "rooms": clinic.rooms.prefetch_related("chairs").order_by("name"),
            "nav": "clinic",
        },
    )


@login_required
def clinic_rules(request: HttpRequest) -> HttpResponse:
    """The clinic's other clinical rules (baseline window, dose orders, minimum age, pregnancy
    test ages, an opened vial's beyond-use days): the medical director sets them; the clinic
    admin and clinicians may read them."""
    clinic = acting_clinic(request)
    acting = acting_user(request)
    can_change = has_permission(user=acting, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
    if not can_change:
        require_permission(user=acting, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    rules = clinic_rules_get(clinic=clinic)
    current = {
        f"{section}.{name}": getattr(getattr(rules, section), name)
        for section, name, _, _ in CLINIC_RULE_FIELDS
    }
    form = ClinicRulesForm(request.POST if request.method == "POST" else None, initial=current)
    if request.method == "POST":
        require_permission(user=acting, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
        if form.is_valid():
            try:
                clinic_rules_update(acting_user=acting, clinic=clinic, changes=form.changes())
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, "Clinical rules saved.")
                return redirect("clinic_rules")
    rows = [(form[key], value) for key, value in current.items()]
    return render(
        request,
        "clinics/clinic_rules.html",
        {"form": form, "rows": rows, "can_change": can_change, "nav": "screening"},
    )
