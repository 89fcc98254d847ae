"""Staff pages to enter questionnaires, send a patient a link, and close urgent tasks; and the
patient's own link page (no sign-in; the token is the key, and it carries no personal data)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission, require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, NotFound
from ketaclinic.core.forms import StyledForm
from ketaclinic.intake.selectors import intake_get_for_patient
from ketaclinic.medicine.questionnaires import Instrument
from ketaclinic.outcomes.forms import (
    LinkIssueForm,
    QuestionnaireEntryForm,
    TaskAcknowledgeForm,
    TaskCompleteForm,
    instrument_fields,
)
from ketaclinic.outcomes.models import ClinicalTask, ResponseContext
from ketaclinic.outcomes.selectors import (
    instrument_is_sendable,
    screening_status_for_patient,
    urgent_task_list,
)
from ketaclinic.outcomes.services import (
    SUICIDE_RISK_FLAG,
    clinical_task_acknowledge,
    clinical_task_complete,
    questionnaire_link_get,
    questionnaire_link_issue,
    questionnaire_link_submit,
    questionnaire_record,
)
from ketaclinic.outcomes.wording import (
    WORDING_NOT_LOADED,
    instrument_for_clinic,
    instrument_has_wording,
    instruments_for_clinic,
)
from ketaclinic.patients.access import patient_get_for_staff

NEW_LINK_SESSION_KEY = "ketaclinic.new_questionnaire_link"
LINK_NOT_FILLABLE = (
    "This questionnaire cannot be filled in online yet. Please contact the clinic; your link "
    "has not been used."
)


def _link_instruments(clinic: Clinic) -> tuple[list[Instrument], list[Instrument]]:
    """Patient-rated questionnaires the clinic can send by link, and those it cannot yet (a
    licensed scale whose wording it has not loaded: listed, never offered)."""
    patient_rated = [
        instrument
        for instrument in instruments_for_clinic(clinic=clinic).values()
        if instrument.rater == "patient"
    ]
    return (
        [instrument for instrument in patient_rated if instrument_is_sendable(instrument)],
        [instrument for instrument in patient_rated if not instrument_is_sendable(instrument)],
    )


@login_required
def questionnaire_enter(
    request: HttpRequest, patient_id: int, instrument_code: str
) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.QUESTIONNAIRE_RECORD
    )
    instrument = instrument_for_clinic(clinic=clinic, code=instrument_code)
    if not instrument_has_wording(instrument):
        # Item codes cannot be asked at the chair: nothing to fill until the clinic loads them.
        return render(
            request,
            "outcomes/enter.html",
            {
                "patient": patient,
                "instrument": instrument,
                "not_loaded": WORDING_NOT_LOADED,
                "nav": "patients",
            },
            status=409 if request.method == "POST" else 200,
        )
    form = QuestionnaireEntryForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            response = questionnaire_record(
                acting_user=user,
                patient=patient,
                instrument_code=instrument.code,
                answers=form.answers(),
                context=ResponseContext(form.cleaned_data["context"]),
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            if SUICIDE_RISK_FLAG in response.flags:
                messages.error(
                    request,
                    "Positive suicide-risk answer: an urgent task was raised for the physician. Follow the safety protocol now.",
                )
            messages.success(
                request, f"{instrument.name} recorded: {response.total} ({response.band})."
            )
            back = request.GET.get("next", "")
            if back.startswith("/staff/") and url_has_allowed_host_and_scheme(
                back, allowed_hosts={request.get_host()}
            ):
                return redirect(back)  # e.g. back to the session's checklist at the chair
            return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "outcomes/enter.html",
        {"form": form, "patient": patient, "instrument": instrument, "nav": "patients"},
    )


@login_required
def questionnaire_link_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.QUESTIONNAIRE_RECORD
    )
    intake = intake_get_for_patient(patient_id=patient.pk)
    screening = screening_status_for_patient(
        patient=patient, indication=intake.indication if intake else ""
    )
    sendable, not_loaded = _link_instruments(clinic)
    # Nothing is ticked for the staff member: the link holds exactly what they tick. The
    # clinic's screening set, less what is done, is named beside each box as a suggestion.
    form = LinkIssueForm(
        request.POST or None,
        choices=[(instrument.code, instrument.name) for instrument in sendable],
    )
    if request.method == "POST" and form.is_valid():
        try:
            link, token = questionnaire_link_issue(
                acting_user=user,
                patient=patient,
                instrument_codes=form.cleaned_data["instruments"],
                context=ResponseContext(form.cleaned_data["context"]),
                valid_hours=form.cleaned_data["valid_hours"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            names = {instrument.code: instrument.name for instrument in sendable}
            request.session[NEW_LINK_SESSION_KEY] = {
                "url": request.build_absolute_uri(reverse("questionnaire_link", args=[token])),
                "names": [names.get(code, code) for code in link.instruments],
            }
            return redirect("outcomes:link_create", patient_id=patient.pk)
    new_link = request.session.pop(NEW_LINK_SESSION_KEY, None)
    suggested = set(screening.sendable_codes)
    return render(
        request,
        "outcomes/link_create.html",
        {
            "form": form,
            "patient": patient,
            "new_link": new_link if isinstance(new_link, dict) else None,
            "screening": screening,
            "suggested": suggested,
            "suggested_names": [i.name for i in sendable if i.code in suggested],
            "not_loaded": not_loaded,
            "not_loaded_text": WORDING_NOT_LOADED,
            "nav": "patients",
        },
    )


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """The clinic's open urgent tasks: mine (or all), overdue highlighted, acknowledge and
    complete in place. Clinical roles see it; only physicians act (the services decide)."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    mine = request.GET.get("scope", "mine") != "all"
    now = timezone.now()
    rows = [
        (task, task.is_overdue(now))
        for task in urgent_task_list(clinic=clinic, user=user, mine=mine)
    ]
    return render(
        request,
        "outcomes/task_list.html",
        {
            "rows": rows,
            "mine": mine,
            "can_act": has_permission(user=user, action=Action.SAFETY_TASK_RESOLVE, clinic=clinic),
            "acknowledge_form": TaskAcknowledgeForm(),
            "complete_form": TaskCompleteForm(),
            "nav": "tasks",
        },
    )


def _back_to(request: HttpRequest, task: ClinicalTask) -> HttpResponse:
    if request.POST.get("back") == "tasks":
        return redirect("outcomes:task_list")
    return redirect("patients:detail", patient_id=task.patient_id)


def _task(request: HttpRequest, task_id: int) -> ClinicalTask:
    return get_object_or_404(
        ClinicalTask.objects.select_related("patient"), pk=task_id, clinic=acting_clinic(request)
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_acknowledge(request: HttpRequest, task_id: int) -> HttpResponse:
    user = acting_user(request)
    task = _task(request, task_id)
    form = TaskAcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clinical_task_acknowledge(acting_user=user, task=task, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Acknowledged: the task is yours. Complete it when done.")
            return _back_to(request, task)
    return render(
        request,
        "outcomes/task_complete.html",
        {"form": form, "task": task, "nav": "tasks", "acknowledging": True},
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_complete(request: HttpRequest, task_id: int) -> HttpResponse:
    user = acting_user(request)
    task = _task(request, task_id)
    form = TaskCompleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            clinical_task_complete(acting_user=user, task=task, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Task completed.")
            return _back_to(request, task)
    return render(
        request, "outcomes/task_complete.html", {"form": form, "task": task, "nav": "patients"}
    )


@never_cache
@require_http_methods(["GET", "POST"])
def questionnaire_link_page(request: HttpRequest, token: str) -> HttpResponse:
    """The patient's questionnaires. A refused link gets the same page whatever the reason."""
    try:
        link = questionnaire_link_get(token=token)
    except NotFound as error:
        return render(request, "outcomes/link_invalid.html", {"message": error.message}, status=404)
    clinic_instruments = instruments_for_clinic(clinic=link.clinic)
    instruments = [
        clinic_instruments[code] for code in link.instruments if code in clinic_instruments
    ]
    if len(instruments) != len(link.instruments) or not all(
        instrument_has_wording(instrument) for instrument in instruments
    ):
        return render(
            request, "outcomes/link_invalid.html", {"message": LINK_NOT_FILLABLE}, status=409
        )
    fields = {}
    for instrument in instruments:
        fields.update(instrument_fields(instrument, prefix=f"{instrument.code}__"))
    form = StyledForm(request.POST or None)
    form.fields.update(fields)
    form._apply_styles()
    if request.method == "POST" and form.is_valid():
        answers = {
            instrument.code: {
                code: form.cleaned_data[f"{instrument.code}__{code}"]
                for code in instrument.item_codes
            }
            for instrument in instruments
        }
        try:
            responses = questionnaire_link_submit(token=token, answers_by_instrument=answers)
        except NotFound as error:
            return render(
                request, "outcomes/link_invalid.html", {"message": error.message}, status=404
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            at_risk = any(SUICIDE_RISK_FLAG in response.flags for response in responses)
            return render(
                request, "outcomes/link_done.html", {"clinic": link.clinic, "at_risk": at_risk}
            )
    sections = [
        (instrument, [form[f"{instrument.code}__{code}"] for code in instrument.item_codes])
        for instrument in instruments
    ]
    return render(
        request,
        "outcomes/link_page.html",
        {"form": form, "sections": sections, "clinic": link.clinic},
    )
