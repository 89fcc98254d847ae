"""Staff pages that gather several areas: the home page (the clinic's day) and the screening
questionnaires per condition (the clinic's rules, named with intake's conditions)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.forms import ScreeningSetsForm
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.selectors import clinic_rules_get, credentials_expiring_for_clinic
from ketaclinic.clinics.services import clinic_screening_sets_update
from ketaclinic.core.errors import DomainError, NoActiveClinic
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.intake.models import INDICATION_CHOICES
from ketaclinic.medicine.questionnaires import INSTRUMENTS
from ketaclinic.staff.home import dashboard_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    if getattr(request, "clinic", None) is None:
        if hasattr(user, "patient_record"):
            return redirect("portal:home")
        raise NoActiveClinic(
            "Your account is not attached to any clinic yet. Ask your clinic admin to add you."
        )
    clinic = acting_clinic(request)
    require_permission(user=user, action=Action.DASHBOARD_VIEW, clinic=clinic)
    context = dashboard_for(user=user, clinic=clinic)
    if has_permission(user=user, action=Action.STAFF_MANAGE, clinic=clinic):
        context["expiring_credentials"] = list(
            credentials_expiring_for_clinic(
                clinic=clinic, within_days=settings.CREDENTIAL_EXPIRY_WARNING_DAYS
            )
        )
    context["my_expiring_credentials"] = [
        credential
        for credential in user.credentials.all()
        if (credential.expires_on - clinic.local_today()).days
        <= settings.CREDENTIAL_EXPIRY_WARNING_DAYS
    ]
    context["nav"] = "home"
    context["warning_days"] = settings.CREDENTIAL_EXPIRY_WARNING_DAYS
    return render(request, "staff/home.html", context)


def _condition_labels() -> list[tuple[str, str]]:
    # The conditions' names are intake's (what a patient's intake records), hence this page here.
    return [("unknown", "Condition not yet known"), *INDICATION_CHOICES]


@login_required
def screening_sets(request: HttpRequest) -> HttpResponse:
    """The screening questionnaires per condition: the medical director sets them; the clinic
    admin and clinicians may read them."""
    clinic = acting_clinic(request)
    acting = acting_user(request)
    can_change = has_permission(user=acting, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
    if not can_change:
        require_permission(user=acting, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    rules = clinic_rules_get(clinic=clinic).screening
    labels = _condition_labels()
    initial = {name: list(getattr(rules, name)) for name, _ in labels}
    form = ScreeningSetsForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        condition_labels=labels,
    )
    if request.method == "POST":
        require_permission(user=acting, action=Action.CLINIC_RULES_APPROVE, clinic=clinic)
        if form.is_valid():
            try:
                clinic_screening_sets_update(acting_user=acting, clinic=clinic, sets=form.sets())
            except DomainError as error:
                form_add_domain_error(form, error)
            else:
                messages.success(request, "Screening questionnaires saved.")
                return redirect("screening_sets")
    rows = [
        (form[name], [INSTRUMENTS[code].name for code in getattr(rules, name)])
        for name, _ in labels
    ]
    return render(
        request,
        "staff/screening_sets.html",
        {"form": form, "rows": rows, "can_change": can_change, "nav": "screening"},
    )
