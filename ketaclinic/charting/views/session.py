"""The session page a nurse works on a tablet at the chair, and its live panel. Thin: each POST
names one step, whose handler (`steps.py`) parses its form and calls one service; a refusal
comes back on the form with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.charting import forms as session_forms
from ketaclinic.charting.access import session_get_for_staff, session_in_clinic
from ketaclinic.charting.chart import session_chart_svg
from ketaclinic.charting.models import (
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors import (
    chart_data_for_session,
    checklist_for_session,
    discharge_readiness_for_session,
    observation_ends_at,
    observation_minutes,
    open_alarms,
    route_of,
    session_get,
    session_note_text,
    session_timeline,
    vitals_due_at,
)
from ketaclinic.charting.services import (
    active_preparation,
)
from ketaclinic.charting.views.steps import ERROR_FORM, HANDLERS
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, InvalidInput, NotFound, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.intake.selectors import intake_get_for_patient
from ketaclinic.inventory.stock_forms import witness_choices
from ketaclinic.medicine.dosing import ESKETAMINE_DEVICE_MG
from ketaclinic.medicine.session import (
    ESKETAMINE_MINUTES_BETWEEN_DEVICES,
    PRN_SUGGESTIONS,
    discharge_instructions,
)


def _session(request: HttpRequest, session_id: int) -> TreatmentSession:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    try:
        return session_in_clinic(clinic=clinic, session_id=session_id)
    except NotFound as error:
        raise Http404(error.message) from error


def _session_viewed(request: HttpRequest, session_id: int) -> TreatmentSession:
    """The session through its door, which records the page's read (`session.viewed`)."""
    try:
        return session_get_for_staff(
            user=acting_user(request), clinic=acting_clinic(request), session_id=session_id
        )
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    # A POST is a step, recorded by its service; any other request reads the page.
    if request.method == "POST":
        session = _session(request, session_id)
    else:
        session = _session_viewed(request, session_id)
    user = acting_user(request)
    bound: dict[str, forms.Form] = {}
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    if request.method == "POST":
        step = request.POST.get("step", "")
        handler = HANDLERS.get(step)
        if handler is None:
            raise InvalidInput("Unknown step.")
        try:
            done = handler(request, session, user, bound)
        except PermissionRefused:
            raise
        except DomainError as error:
            target = bound.get(ERROR_FORM.get(step, ""))
            if target is not None:
                form_add_domain_error(target, error)
            else:
                messages.error(request, error.message)
                if not wants_json:
                    return redirect("charting:session", session_id=session.pk)
            if wants_json:
                return JsonResponse(
                    {"ok": False, "message": error.message, "fields": error.fields}, status=400
                )
        else:
            if done is not None:
                if wants_json:
                    return JsonResponse({"ok": True, "message": done})
                messages.success(request, done)
                return redirect(reverse("charting:session", args=[session.pk]) + f"#{step}")
            if wants_json:
                form = bound.get(step)
                errors = form.errors.get_json_data() if form is not None else {}
                return JsonResponse(
                    {"ok": False, "message": "Check the highlighted fields.", "fields": errors},
                    status=400,
                )
        session = session_get(clinic=session.clinic, session_id=session.pk)
    return render(request, "charting/session.html", _session_context(request, session, user, bound))


def _session_context(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> dict[str, Any]:
    clinic = session.clinic

    def form(name: str, factory: Callable[[], forms.Form]) -> forms.Form:
        return bound.get(name) or factory()

    preparation = active_preparation(session)
    now = timezone.now()
    last_reading = session.readings.order_by("-measured_at").first()
    can = {
        "chart": has_permission(user=user, action=Action.SESSION_CHART, clinic=clinic),
        "administer": has_permission(user=user, action=Action.MEDICATION_ADMINISTER, clinic=clinic),
        "verify": has_permission(user=user, action=Action.DOSE_VERIFY, clinic=clinic),
        "override": has_permission(user=user, action=Action.CHECKLIST_OVERRIDE, clinic=clinic),
    }
    checklist = checklist_for_session(session=session)
    readiness = None
    if session.status == SessionStatus.RECOVERY:
        readiness = discharge_readiness_for_session(session=session, escort_present=True)
    events = list(session.pump_events.order_by("occurred_at", "id"))
    pump_state = ""
    if events and not session.is_esketamine:
        pump_state = {"pause": "paused", "stop": "stopped"}.get(events[-1].kind, "running")
    devices_given = sum(1 for event in events if event.kind == "device")
    note = getattr(session, "note", None)
    rems = getattr(session, "rems_form", None)
    witnesses = witness_choices(clinic, exclude=user)
    return {
        "session": session,
        "patient": session.patient,
        "appointment": session.appointment,
        "route": route_of(session),
        "checklist": checklist,
        "preparation": preparation,
        "blinded": preparation is not None and preparation.is_blinded_for(user),
        "pump_state": pump_state,
        "devices_given": devices_given,
        "device_mg": ESKETAMINE_DEVICE_MG,
        "minutes_between_devices": ESKETAMINE_MINUTES_BETWEEN_DEVICES,
        "alarms": list(open_alarms(session=session)),
        "timeline": session_timeline(session=session, preparation=preparation),
        "chart_svg": session_chart_svg(chart_data_for_session(session=session, now=now)),
        "vitals_due_at": vitals_due_at(
            session=session, last_reading_at=last_reading.measured_at if last_reading else None
        ),
        "observation_ends_at": observation_ends_at(session),
        "observation_minutes": observation_minutes(session, now),
        "readiness": readiness,
        "instructions": discharge_instructions(route_of(session)),
        "note": note,
        "note_preview": session_note_text(session=session)
        if note is None and session.status in (SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN)
        else "",
        "rems": rems,
        "may": can,
        "witnesses": witnesses,
        "prn_suggestions": PRN_SUGGESTIONS,
        # Scales before the dose (CLINICAL.md §4): depression, anxiety and the suicide screen.
        "pre_session_instruments": ("phq9", "gad7", "cssrs_screener"),
        "forms": {
            "checklist": bound.get("checklist"),
            "vitals": form("vitals", lambda: session_forms.VitalsForm(prefix="vitals")),
            "measurements": form(
                "measurements",
                lambda: session_forms.MeasurementsForm(
                    prefix="measure",
                    initial={
                        "weight_kg": session.weight_kg,
                        "height_cm": session.height_cm or _intake_height(session),
                    },
                ),
            ),
            "escort": form(
                "escort",
                lambda: session_forms.EscortForm(
                    prefix="escort",
                    initial={"name": session.escort_name, "phone": session.escort_phone},
                ),
            ),
            "override": form("override", lambda: session_forms.ReasonForm(prefix="override")),
            "not_given": form("not_given", lambda: session_forms.ReasonForm(prefix="not_given")),
            "dose": form(
                "dose", lambda: session_forms.DosePrepareForm(prefix="dose", session=session)
            ),
            "verify": form("verify", lambda: session_forms.VerifyForm(prefix="verify")),
            "discard": form("discard", lambda: session_forms.ReasonForm(prefix="discard")),
            "pump": form("pump", lambda: session_forms.PumpForm(prefix="pump")),
            "alarm": form("alarm", lambda: session_forms.AlarmAcknowledgeForm(prefix="alarm")),
            "side_effect": form(
                "side_effect", lambda: session_forms.SideEffectForm(prefix="effect")
            ),
            "prn": form("prn", lambda: session_forms.PrnForm(prefix="prn", session=session)),
            "cadss6": form("cadss6", lambda: session_forms.Cadss6Form(prefix="cadss6")),
            "modified_aldrete": form(
                "modified_aldrete", lambda: session_forms.AldreteForm(prefix="modified_aldrete")
            ),
            "post_session_effects": form(
                "post_session_effects",
                lambda: session_forms.PostSessionForm(prefix="post_session_effects"),
            ),
            "reconcile": form(
                "reconcile",
                lambda: session_forms.ReconcileForm(prefix="reconcile", witnesses=witnesses),
            ),
            "discharge": form(
                "discharge",
                lambda: session_forms.DischargeForm(
                    prefix="discharge", initial={"escort_name": session.escort_name}
                ),
            ),
            "addendum": form("addendum", lambda: session_forms.AddendumForm(prefix="addendum")),
            "rems": form(
                "rems",
                lambda: session_forms.RemsForm(
                    prefix="rems",
                    initial={
                        name: getattr(rems, name)
                        for name in (
                            "takes_benzodiazepines",
                            "takes_non_benzodiazepine_hypnotics",
                            "takes_psychostimulants",
                            "takes_maois",
                            "takes_opioids",
                            "ready_to_leave_minutes",
                        )
                    }
                    if rems
                    else None,
                ),
            ),
            "rems_submitted": form(
                "rems_submitted", lambda: session_forms.RemsSubmittedForm(prefix="rems_sub")
            ),
        },
        "scores": list(session.scores.all()),
        "side_effects": list(session.side_effects.all()),
        "prns": list(
            session.prns.select_related(
                "given_by", "side_effect", "dose_overridden_by"
            ).prefetch_related("responses__recorded_by")
        ),
        "substance_records": list(session.substance_records.select_related("witness")),
        "now": now,
        "nav": "board",
    }


def _intake_height(session: TreatmentSession) -> Any:
    intake = intake_get_for_patient(patient_id=session.patient_id)
    return intake.height_cm if intake else None


@login_required
def session_live(request: HttpRequest, session_id: int) -> HttpResponse:
    """The live panel (chart, alarms, next reading due), fetched every few seconds by the page.
    Not audited per fetch: the page load that started it was."""
    session = _session(request, session_id)
    last_reading = session.readings.order_by("-measured_at").first()
    return render(
        request,
        "charting/includes/live.html",
        {
            "session": session,
            "alarms": list(open_alarms(session=session)),
            "chart_svg": session_chart_svg(chart_data_for_session(session=session)),
            "vitals_due_at": vitals_due_at(
                session=session,
                last_reading_at=last_reading.measured_at if last_reading else None,
            ),
            "observation_ends_at": observation_ends_at(session),
            "now": timezone.now(),
            "forms": {"alarm": session_forms.AlarmAcknowledgeForm(prefix="alarm")},
            "may": {
                "chart": has_permission(
                    user=acting_user(request), action=Action.SESSION_CHART, clinic=session.clinic
                )
            },
        },
    )
