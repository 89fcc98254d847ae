"""The session page a nurse works on a tablet at the chair (the day board, the arrivals list and
check-in are in board_views.py). Thin: each POST names one step, its form is parsed and one
service called; a refusal comes back on the form with what was typed kept."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting import forms as session_forms
from ketaclinic.charting.chart import session_chart_svg
from ketaclinic.charting.models import (
    PrnDose,
    RemsMonitoringForm,
    SessionAlarm,
    SessionStatus,
    SideEffect,
    TreatmentSession,
)
from ketaclinic.charting.selectors import (
    chart_data_for_session,
    checklist_for_session,
    discharge_readiness_for_session,
    observation_ends_at,
    observation_minutes,
    open_alarms,
    rems_form_fields,
    rems_forms_for_clinic,
    route_of,
    session_get,
    session_note_text,
    session_timeline,
    vitals_due_at,
)
from ketaclinic.charting.services import (
    active_preparation,
    alarm_acknowledge,
    checklist_answer,
    checklist_override,
    controlled_substance_reconcile,
    device_administer,
    dose_discard,
    dose_prepare,
    dose_verify,
    prn_record,
    prn_response_record,
    pump_event_record,
    rems_form_mark_submitted,
    rems_form_update,
    session_addendum_add,
    session_discharge,
    session_escort_confirm,
    session_measurements_record,
    session_not_given,
    session_note_sign,
    session_score_record,
    side_effect_record,
    side_effect_resolve,
    vitals_record,
)
from ketaclinic.core.errors import DomainError, InvalidInput, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.inventory.stock_forms import witness_choices, witness_signature_check
from ketaclinic.medicine.dosing import ESKETAMINE_DEVICE_MG
from ketaclinic.medicine.medications import dose_text
from ketaclinic.medicine.rems import PMF_SUBMISSION_DAYS
from ketaclinic.medicine.session import (
    ESKETAMINE_MINUTES_BETWEEN_DEVICES,
    PRN_SUGGESTIONS,
    discharge_instructions,
)

# --- the session page --------------------------------------------------------------------------


def _session(request: HttpRequest, session_id: int) -> TreatmentSession:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    try:
        return session_get(clinic=clinic, session_id=session_id)
    except TreatmentSession.DoesNotExist as error:
        raise Http404("No such session at this clinic.") from error


def _when(session: TreatmentSession, value: datetime.time | None) -> datetime.datetime | None:
    """A clock time typed on the tablet, on the session's day in the clinic's zone."""
    if value is None:
        return None
    day = timezone.localdate(session.checked_in_at, session.clinic.zone)
    return datetime.datetime.combine(day, value, tzinfo=session.clinic.zone)


Handler = Callable[[HttpRequest, TreatmentSession, User, dict[str, forms.Form]], str | None]


def _vitals(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["vitals"] = session_forms.VitalsForm(request.POST, prefix="vitals")
    if not form.is_valid():
        return None
    data = form.cleaned_data
    reading = vitals_record(
        acting_user=user,
        session=session,
        systolic_mmhg=data["systolic_mmhg"],
        diastolic_mmhg=data["diastolic_mmhg"],
        heart_rate_bpm=data["heart_rate_bpm"],
        spo2_percent=data["spo2_percent"],
        respiratory_rate_per_min=data["respiratory_rate_per_min"],
        moaa_s=data["moaa_s"],
        temperature_c=data["temperature_c"],
        rhythm=data["rhythm"],
        has_symptoms=data["has_symptoms"],
        measured_at=_when(session, data["measured_at"]),
        idempotency_key=data["idempotency_key"],
    )
    if reading.alarm_level:
        return "Reading saved — alarm raised: see the alarm banner."
    if reading.pre_infusion_decision:
        return f"Baseline saved: {reading.pre_infusion_decision.replace('_', ' ')}."
    return "Reading saved."


def _checklist(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["checklist"] = session_forms.ChecklistItemForm(request.POST, prefix="checklist")
    if not form.is_valid():
        return None
    checklist_answer(
        acting_user=user,
        session=session,
        item=form.cleaned_data["item"],
        status=request.POST.get("status", ""),
        detail=form.cleaned_data["detail"],
    )
    return "Checklist updated."


def _measurements(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["measurements"] = session_forms.MeasurementsForm(request.POST, prefix="measure")
    if not form.is_valid():
        return None
    session_measurements_record(
        acting_user=user,
        session=session,
        weight_kg=form.cleaned_data["weight_kg"],
        height_cm=form.cleaned_data["height_cm"],
    )
    return "Weight recorded."


def _escort(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["escort"] = session_forms.EscortForm(request.POST, prefix="escort")
    if not form.is_valid():
        return None
    session_escort_confirm(
        acting_user=user,
        session=session,
        name=form.cleaned_data["name"],
        phone=form.cleaned_data["phone"],
    )
    return "Escort confirmed."


def _override(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["override"] = session_forms.ReasonForm(request.POST, prefix="override")
    if not form.is_valid():
        return None
    checklist_override(acting_user=user, session=session, reason=form.cleaned_data["reason"])
    return "Override recorded: the treatment may start."


def _not_given(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["not_given"] = session_forms.ReasonForm(request.POST, prefix="not_given")
    if not form.is_valid():
        return None
    witness = _witness_signed(request, session, required=active_preparation(session) is not None)
    session_not_given(
        acting_user=user, session=session, reason=form.cleaned_data["reason"], witness=witness
    )
    return "Recorded as not given today."


def _witness_signed(
    request: HttpRequest, session: TreatmentSession, *, required: bool
) -> User | None:
    witness_id = request.POST.get("witness", "")
    if not witness_id:
        if required:
            raise InvalidInput(
                "A witness is needed for the waste.", fields={"witness": ["Required."]}
            )
        return None
    witness = witness_choices(session.clinic).filter(pk=witness_id).first()
    if witness is None:
        raise InvalidInput("Choose a witness from the list.", fields={"witness": ["Choose one."]})
    witness_signature_check(
        request=request,
        witness=witness,
        password=request.POST.get("witness_password", ""),
        field="witness_password",
    )
    return witness


def _dose(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["dose"] = session_forms.DosePrepareForm(
        request.POST, prefix="dose", session=session
    )
    if not form.is_valid():
        return None
    data = form.cleaned_data
    extra: dict[str, Any] = {}
    if not session.is_esketamine:
        extra = {
            "bag_or_syringe": data["container_kind"],
            "diluent_lot": data["diluent_lot"],
            "diluent_expires_on": data["diluent_expires_on"],
        }
        if data.get("diluent_volume_ml") is not None:
            extra["diluent_volume_ml"] = data["diluent_volume_ml"]
    preparation = dose_prepare(
        acting_user=user,
        session=session,
        container=data["container"],
        dose=data["dose"],
        dose_change_reason=data["dose_change_reason"],
        **extra,
    )
    return (
        f"Dose prepared: {dose_text(preparation.dose_mg, 'mg')}. A second clinician verifies it "
        "now."
    )


def _verify(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["verify"] = session_forms.VerifyForm(request.POST, prefix="verify")
    if not form.is_valid():
        return None
    preparation = active_preparation(session)
    if preparation is None:
        raise InvalidInput("There is no prepared dose to verify.")
    dose_verify(
        acting_user=user,
        preparation=preparation,
        dose_mg=form.cleaned_data["dose_mg"],
        rate_ml_per_h=form.cleaned_data["rate_ml_per_h"],
        devices=form.cleaned_data["devices"],
    )
    return "Dose verified."


def _discard(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["discard"] = session_forms.ReasonForm(request.POST, prefix="discard")
    if not form.is_valid():
        return None
    preparation = active_preparation(session)
    if preparation is None:
        raise InvalidInput("There is no prepared dose to discard.")
    witness = _witness_signed(request, session, required=True)
    dose_discard(
        acting_user=user,
        preparation=preparation,
        reason=form.cleaned_data["reason"],
        witness=witness,
    )
    return "Preparation discarded and its drug wasted (witnessed)."


def _pump(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["pump"] = session_forms.PumpForm(request.POST, prefix="pump")
    if not form.is_valid():
        return None
    data = form.cleaned_data
    event = pump_event_record(
        acting_user=user,
        session=session,
        kind=data["kind"],
        rate_ml_per_h=data["rate_ml_per_h"],
        reason=data["reason"],
        idempotency_key=data["idempotency_key"],
    )
    return f"{event.get_kind_display()} recorded at {timezone.localtime(event.occurred_at):%H:%M}."


def _device(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    device_administer(
        acting_user=user, session=session, idempotency_key=request.POST.get("idempotency_key", "")
    )
    return "Device given."


def _alarm(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["alarm"] = session_forms.AlarmAcknowledgeForm(request.POST, prefix="alarm")
    if not form.is_valid():
        return None
    alarm = get_object_or_404(SessionAlarm, session=session, pk=form.cleaned_data["alarm_id"])
    alarm_acknowledge(acting_user=user, alarm=alarm, action_taken=form.cleaned_data["action_taken"])
    return "Alarm acknowledged."


def _side_effect(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["side_effect"] = session_forms.SideEffectForm(request.POST, prefix="effect")
    if not form.is_valid():
        return None
    data = form.cleaned_data
    side_effect_record(
        acting_user=user,
        session=session,
        kind=data["kind"],
        severity=data["severity"],
        action=data["action"],
        onset_at=_when(session, data["onset_at"]),
        description=data["description"],
        note=data["note"],
        idempotency_key=data["idempotency_key"],
    )
    return "Side effect recorded."


def _resolve(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = session_forms.ResolveForm(request.POST, prefix="resolve")
    if not form.is_valid():
        raise InvalidInput("Choose the side effect.")
    effect = get_object_or_404(SideEffect, session=session, pk=form.cleaned_data["side_effect_id"])
    side_effect_resolve(acting_user=user, side_effect=effect)
    return "Marked resolved."


def _prn(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["prn"] = session_forms.PrnForm(request.POST, prefix="prn", session=session)
    if not form.is_valid():
        return None
    data = form.cleaned_data
    prn = prn_record(
        acting_user=user,
        session=session,
        drug=data["drug"],
        dose=data["dose"],
        unit=data["unit"] or "mg",
        route=data["route"],
        side_effect=data["side_effect"],
        given_at=_when(session, data["given_at"]),
        response=data["response"],
        dose_override_reason=data["dose_override_reason"],
        idempotency_key=data["idempotency_key"],
    )
    return f"PRN recorded: {prn}."


def _prn_response(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = session_forms.PrnResponseForm(request.POST, prefix="prn_response")
    if not form.is_valid():
        raise InvalidInput("Describe the response.", fields={"response": ["Required."]})
    prn = get_object_or_404(PrnDose, session=session, pk=form.cleaned_data["prn_id"])
    prn_response_record(acting_user=user, prn=prn, response=form.cleaned_data["response"])
    return "Response recorded."


_SCORE_FORMS: dict[str, type[forms.Form]] = {
    "cadss6": session_forms.Cadss6Form,
    "modified_aldrete": session_forms.AldreteForm,
    "post_session_effects": session_forms.PostSessionForm,
}


def _score(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    instrument = request.POST.get("instrument", "")
    form_class = _SCORE_FORMS.get(instrument)
    if form_class is None:
        raise InvalidInput("Unknown score.")
    form = bound[instrument] = form_class(request.POST, prefix=instrument)
    if not form.is_valid():
        return None
    score = session_score_record(
        acting_user=user, session=session, instrument=instrument, answers=form.cleaned_data
    )
    return f"Recorded: {score.total} ({score.band})."


def _reconcile(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["reconcile"] = session_forms.ReconcileForm(
        request.POST, prefix="reconcile", witnesses=witness_choices(session.clinic, exclude=user)
    )
    if not form.is_valid():
        return None
    witness_signature_check(
        request=request,
        witness=form.cleaned_data["witness"],
        password=form.cleaned_data["witness_password"],
        field="witness_password",
    )
    record = controlled_substance_reconcile(
        acting_user=user,
        session=session,
        witness=form.cleaned_data["witness"],
        waste_reason=form.cleaned_data["waste_reason"],
    )
    return (
        f"Posted to the ledger: {dose_text(record.administered_mg, 'mg')} given, the rest wasted "
        "(witnessed)."
    )


def _discharge(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["discharge"] = session_forms.DischargeForm(request.POST, prefix="discharge")
    if not form.is_valid():
        return None
    session_discharge(
        acting_user=user,
        session=session,
        escort_name=form.cleaned_data["escort_name"],
        instructions_given=form.cleaned_data["instructions_given"],
        override_reason=form.cleaned_data["override_reason"],
    )
    return "Discharged. Sign the note."


def _sign(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    note = session_note_sign(acting_user=user, session=session)
    return "Note co-signed." if note.physician_signed_at else "Note signed."


def _addendum(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    form = bound["addendum"] = session_forms.AddendumForm(request.POST, prefix="addendum")
    if not form.is_valid():
        return None
    note = getattr(session, "note", None)
    if note is None:
        raise InvalidInput("Sign the note before adding an addendum.")
    session_addendum_add(acting_user=user, note=note, text=form.cleaned_data["text"])
    return "Addendum added."


def _rems(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    rems = get_object_or_404(RemsMonitoringForm, session=session)
    form = bound["rems"] = session_forms.RemsForm(request.POST, prefix="rems")
    if not form.is_valid():
        return None
    data = form.cleaned_data
    rems_form_update(
        acting_user=user,
        form=rems,
        concomitant={key: value for key, value in data.items() if key.startswith("takes_")},
        ready_to_leave_minutes=data["ready_to_leave_minutes"],
    )
    return "REMS form saved."


def _rems_submitted(
    request: HttpRequest, session: TreatmentSession, user: User, bound: dict[str, forms.Form]
) -> str | None:
    rems = get_object_or_404(RemsMonitoringForm, session=session)
    form = bound["rems_submitted"] = session_forms.RemsSubmittedForm(
        request.POST, prefix="rems_sub"
    )
    if not form.is_valid():
        return None
    rems_form_mark_submitted(acting_user=user, form=rems, reference=form.cleaned_data["reference"])
    return "REMS form marked submitted."


HANDLERS: dict[str, Handler] = {
    "vitals": _vitals,
    "checklist": _checklist,
    "measurements": _measurements,
    "escort": _escort,
    "override": _override,
    "not_given": _not_given,
    "dose": _dose,
    "verify": _verify,
    "discard": _discard,
    "pump": _pump,
    "device": _device,
    "alarm": _alarm,
    "side_effect": _side_effect,
    "resolve": _resolve,
    "prn": _prn,
    "prn_response": _prn_response,
    "score": _score,
    "reconcile": _reconcile,
    "discharge": _discharge,
    "sign": _sign,
    "addendum": _addendum,
    "rems": _rems,
    "rems_submitted": _rems_submitted,
}
# The form a refusal of each step is shown on (the step's own, or the page's banner).
ERROR_FORM = {
    "checklist": "checklist",
    "measurements": "measurements",
    "escort": "escort",
    "override": "override",
    "not_given": "not_given",
    "dose": "dose",
    "verify": "verify",
    "discard": "discard",
    "pump": "pump",
    "vitals": "vitals",
    "alarm": "alarm",
    "side_effect": "side_effect",
    "prn": "prn",
    "reconcile": "reconcile",
    "discharge": "discharge",
    "addendum": "addendum",
    "rems": "rems",
    "rems_submitted": "rems_submitted",
}


@login_required
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    session = _session(request, session_id)
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
    else:
        audit_record(
            actor=user,
            action=AuditAction.SESSION_VIEWED,
            clinic=session.clinic,
            patient_id=session.patient_id,
            subject=session,
        )
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
    from ketaclinic.intake.selectors import intake_get_for_patient

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


# --- REMS --------------------------------------------------------------------------------------


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
    from ketaclinic.charting.rems import rems_form_pdf

    session = _session(request, session_id)
    rems = get_object_or_404(RemsMonitoringForm, session=session)
    audit_record(
        actor=acting_user(request),
        action=AuditAction.SESSION_VIEWED,
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=rems,
        detail={"export": "rems_pdf"},
    )
    response = HttpResponse(
        rems_form_pdf(fields=rems_form_fields(form=rems)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="rems-monitoring-{session.pk}.pdf"'
    return response
