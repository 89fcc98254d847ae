"""The clinic admin's questionnaire wording page: which licensed questionnaires have no wording
yet, the blank file to fill from the clinic's licensed copy, and loading it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, NotFound
from ketaclinic.outcomes.forms import WordingLoadForm
from ketaclinic.outcomes.wording import (
    WORDING_NOT_LOADED,
    instrument_wording_load,
    instrument_wording_status_list,
)


@login_required
@require_http_methods(["GET", "POST"])
def wording_list(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.CLINIC_MANAGE, clinic=clinic)
    statuses = instrument_wording_status_list(clinic=clinic)
    choices = [(status.instrument.code, status.instrument.name) for status in statuses]
    form = WordingLoadForm(
        request.POST or None,
        request.FILES or None,
        choices=choices,
        initial={"instrument": request.GET.get("instrument", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            instrument_wording_load(
                acting_user=user,
                clinic=clinic,
                instrument_code=form.cleaned_data["instrument"],
                wording_csv=form.cleaned_data["wording"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            name = dict(choices)[form.cleaned_data["instrument"]]
            messages.success(request, f"{name} wording loaded: staff and patients can use it now.")
            return redirect("outcomes:wording")
    return render(
        request,
        "outcomes/wording.html",
        {
            "statuses": statuses,
            "missing": [status for status in statuses if not status.has_wording],
            "form": form,
            "not_loaded_text": WORDING_NOT_LOADED,
            "nav": "clinic",
        },
    )


@login_required
def wording_template(request: HttpRequest, instrument_code: str) -> HttpResponse:
    """The blank file for one licensed questionnaire: its item codes, the text left to fill."""
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.CLINIC_MANAGE, clinic=clinic)
    status = next(
        (
            status
            for status in instrument_wording_status_list(clinic=clinic)
            if status.instrument.code == instrument_code
        ),
        None,
    )
    if status is None:
        raise NotFound("No such licensed questionnaire.")
    response = HttpResponse(status.template_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{instrument_code}-wording.csv"'
    return response
