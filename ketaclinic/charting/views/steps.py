"""The steps posted from the session page, one handler each: parse the step's form, call one
service, say what was done (or return None for the form's own errors). `ERROR_FORM` names
the form a refusal is shown on.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.charting import forms as session_forms
from ketaclinic.charting.models import (
    PrnDose,
    RemsMonitoringForm,
    SessionAlarm,
    SideEffect,
    TreatmentSession,
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
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inventory.stock_forms import witness_choices, witness_signature_check
from ketaclinic.medicine.amounts import mg_text


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
    return f"Dose prepared: {mg_text(preparation.dose_mg)}. A second clinician verifies it now."


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
        f"Posted to the ledger: {mg_text(record.administered_mg)} given, the rest wasted "
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
