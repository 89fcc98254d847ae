"""The staff intake page: save a draft or submit, then amend with a reason (each amendment a new
version); the eligibility advice appears as data arrives. Front desk get a page with only the
intake's status and the fields the matrix lets them record (accounts/roles.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST
from weasyprint import HTML

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, NotFound
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.intake.access import referral_letter_export
from ketaclinic.intake.forms import (
    AddendumForm,
    DiagnosisFormSet,
    EligibilityDecisionForm,
    IntakeAmendmentForm,
    IntakeForm,
    IntakeForms,
    IntakeMeasurementsForm,
    MedicationFormSet,
    TrialFormSet,
    form_errors_in_words,
    intake_forms_add_problems,
    intake_forms_validate,
    intake_initial,
    intake_measurements_validate,
)
from ketaclinic.intake.icd10 import CODES
from ketaclinic.intake.models import (
    EligibilityDecision,
    EligibilityOutcome,
    IntakeStatus,
)
from ketaclinic.intake.selectors import (
    decision_unreviewed_amendment,
    eligibility_advice_for_intake,
    eligibility_decisions_for_patient,
    intake_get_for_patient,
    intake_medication_report,
    intake_versions_for_intake,
)
from ketaclinic.intake.services import (
    eligibility_addendum_add,
    eligibility_decide,
    intake_amend,
    intake_save,
)
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient


@login_required
def intake_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.INTAKE_MEASUREMENTS_RECORD
    )
    if not has_permission(user=user, action=Action.INTAKE_RECORD, clinic=clinic):
        return _measurements_page(request, user=user, patient=patient)
    intake = intake_get_for_patient(patient_id=patient.pk)
    amendment = IntakeAmendmentForm(request.POST or None)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        diagnoses = DiagnosisFormSet(request.POST, prefix="diagnosis")
        trials = TrialFormSet(request.POST, prefix="trial")
        medications = MedicationFormSet(request.POST, prefix="medication")
        parts = IntakeForms(form, diagnoses, trials, medications)
        amending = "amend" in request.POST
        submit = "submit" in request.POST
        if intake_forms_validate(
            parts,
            patient=patient,
            submitting=submit or amending,
            amendment=amendment if amending else None,
        ):
            entry = parts.entry()
            try:
                if amending:
                    intake_amend(
                        acting_user=user,
                        patient=patient,
                        entry=entry,
                        reason=amendment.cleaned_data["reason"],
                    )
                else:
                    intake_save(acting_user=user, patient=patient, entry=entry, submit=submit)
            except DomainError as error:
                if "reason" in error.fields:
                    form_add_domain_error(amendment, error)
                intake_forms_add_problems(
                    parts, {name: e for name, e in error.fields.items() if name != "reason"}
                )
                if not error.fields:
                    form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    "Amendment saved as a new version; the earlier version is kept."
                    if amending
                    else "Intake submitted for eligibility review."
                    if submit
                    else "Draft saved.",
                )
                return redirect("intake:edit", patient_id=patient.pk)
    else:
        initial = intake_initial(intake)
        form = IntakeForm(initial=initial.form)
        diagnoses = DiagnosisFormSet(prefix="diagnosis", initial=initial.diagnoses)
        trials = TrialFormSet(prefix="trial", initial=initial.trials)
        medications = MedicationFormSet(prefix="medication", initial=initial.medications)
    versions = (
        intake_versions_for_intake(intake=intake)
        if intake is not None and intake.status == IntakeStatus.SUBMITTED
        else []
    )
    decisions = eligibility_decisions_for_patient(patient_id=patient.pk)
    current_version = intake.version if intake is not None else 0
    amended_since = {
        decision.pk
        for decision in decisions
        if decision_unreviewed_amendment(decision, current_version=current_version)
    }
    return render(
        request,
        "intake/edit.html",
        {
            "patient": patient,
            "intake": intake,
            "form": form,
            "diagnoses": diagnoses,
            "trials": trials,
            "medications": medications,
            "icd10_codes": CODES,
            "amendment": amendment,
            "versions": versions,
            "advice": eligibility_advice_for_intake(intake) if intake else None,
            "interactions": intake_medication_report(intake) if intake else None,
            "decisions": decisions,
            "amended_since": amended_since,  # decisions with an unreviewed amendment after them
            "decision_form": EligibilityDecisionForm(),
            "addendum_form": AddendumForm(),
            "nav": "patients",
        },
    )


def _measurements_page(request: HttpRequest, *, user: User, patient: Patient) -> HttpResponse:
    """Front desk's intake page: whether the intake is done, and the measurements they record
    on a draft. Nothing clinical is put on the page."""
    intake = intake_get_for_patient(patient_id=patient.pk)
    initial = (
        {name: getattr(intake, name) for name in IntakeMeasurementsForm.base_fields}
        if intake is not None
        else {}
    )
    form = IntakeMeasurementsForm(request.POST or None, initial=initial)
    is_draft = intake is None or intake.status == IntakeStatus.DRAFT
    if request.method == "POST" and intake_measurements_validate(form, patient=patient):
        try:
            intake_save(
                acting_user=user,
                patient=patient,
                # Only the measurements typed; the rest stays as stored when the save locks it.
                changes=form.cleaned_data,
                submit=False,
            )
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("intake:edit", patient_id=patient.pk)
    return render(
        request,
        "intake/measurements.html",
        {
            "patient": patient,
            "intake": intake,
            "form": form,
            "is_draft": is_draft,
            "nav": "patients",
        },
    )


@login_required
@require_POST
def eligibility_decision_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.ELIGIBILITY_DECIDE
    )
    form = EligibilityDecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = eligibility_decide(
                acting_user=user,
                patient=patient,
                outcome=EligibilityOutcome(data["outcome"]),
                note=data["note"],
                protocol_key=data["protocol_key"],
                requested_items=data["requested_items"],
            )
        except DomainError as error:
            for name, field_errors in error.fields.items():
                for message in field_errors:
                    form.add_error(name if name in form.fields else None, message)
            messages.error(request, f"{error.message} {form_errors_in_words(form)}".strip())
        else:
            messages.success(request, f"Decision signed: {decision.get_outcome_display()}.")
    else:
        messages.error(request, f"The decision is not complete: {form_errors_in_words(form)}")
    return redirect("intake:edit", patient_id=patient.pk)


@login_required
@require_POST
def eligibility_addendum_create(request: HttpRequest, decision_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    decision = get_object_or_404(EligibilityDecision, pk=decision_id, clinic=clinic)
    patient_get_for_staff(
        user=user, clinic=clinic, patient_id=decision.patient_id, action=Action.ELIGIBILITY_DECIDE
    )
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            eligibility_addendum_add(
                acting_user=user, decision=decision, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Write the addendum.")
    return redirect("intake:edit", patient_id=decision.patient_id)


@login_required
def referral_letter(request: HttpRequest, decision_id: int) -> HttpResponse:
    """A declined patient's referral letter as a PDF, for the referring and primary clinicians."""
    clinic = acting_clinic(request)
    user = acting_user(request)

    def render_pdf(decision: EligibilityDecision, patient: Patient) -> bytes:
        html = render_to_string(
            "intake/referral_letter.html",
            {
                "decision": decision,
                "patient": patient,
                "clinic": clinic,
                "addenda": decision.addenda.all(),
            },
        )
        pdf: bytes = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
        return pdf

    try:
        # The door checks the chart permission and records the chart read and the export.
        patient, pdf = referral_letter_export(
            user=user, clinic=clinic, decision_id=decision_id, render_pdf=render_pdf
        )
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="referral-{patient.medical_record_number}.pdf"'
    )
    return response
