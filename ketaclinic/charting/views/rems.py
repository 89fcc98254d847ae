"""The esketamine REMS documents: the tracker of monitoring forms due, and a form as a PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.charting.access import rems_form_get_for_staff
from ketaclinic.charting.rems import rems_form_pdf
from ketaclinic.charting.selectors import (
    rems_form_fields,
    rems_forms_for_clinic,
)
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import NotFound
from ketaclinic.medicine.rems import PMF_SUBMISSION_DAYS


@login_required
def rems_tracker(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.SESSION_CHART, clinic=clinic)
    forms_list = list(rems_forms_for_clinic(clinic=clinic)[:200])
    return render(
        request,
        "charting/rems_tracker.html",
        {
            "rems_forms": forms_list,
            "now": timezone.now(),
            "submission_days": PMF_SUBMISSION_DAYS,  # the REMS rule, CLINICAL.md §10.5
            "nav": "board",
        },
    )


@login_required
def rems_pdf(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        rems = rems_form_get_for_staff(
            user=acting_user(request), clinic=acting_clinic(request), session_id=session_id
        )
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(
        rems_form_pdf(fields=rems_form_fields(form=rems)), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rems-monitoring-{rems.session_id}.pdf"'
    )
    return response
