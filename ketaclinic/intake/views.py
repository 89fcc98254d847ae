"""The staff intake page: save a draft or submit; the eligibility advice appears as data arrives."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST
from weasyprint import HTML

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import DomainError
from ketaclinic.intake.forms import (
    AddendumForm,
    DiagnosisFormSet,
    EligibilityDecisionForm,
    IntakeForm,
    MedicationFormSet,
    TrialFormSet,
    intake_entry_from_forms,
    intake_initial,
)
from ketaclinic.intake.icd10 import CODES
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.intake.selectors import (
    eligibility_advice_for_intake,
    intake_get_for_patient,
    intake_medication_report,
)
from ketaclinic.intake.services import (
    eligibility_addendum_add,
    eligibility_decide,
    intake_save,
)
from ketaclinic.patients.access import patient_get_for_staff


@login_required
def intake_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.INTAKE_RECORD
    )
    intake = intake_get_for_patient(patient_id=patient.pk)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        diagnoses = DiagnosisFormSet(request.POST, prefix="diagnosis")
        trials = TrialFormSet(request.POST, prefix="trial")
        medications = MedicationFormSet(request.POST, prefix="medication")
        if all(part.is_valid() for part in (form, diagnoses, trials, medications)):
            entry = intake_entry_from_forms(
                form=form, diagnoses=diagnoses, trials=trials, medications=medications
            )
            submit = "submit" in request.POST
            try:
                intake_save(acting_user=user, patient=patient, entry=entry, submit=submit)
            except DomainError as error:
                form.add_error(None, error.message)
                for field, field_errors in error.fields.items():
                    for message in field_errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(
                    request,
                    "Intake submitted for eligibility review." if submit else "Draft saved.",
                )
                return redirect("intake:edit", patient_id=patient.pk)
    else:
        initial = intake_initial(intake)
        form = IntakeForm(initial=initial.form)
        diagnoses = DiagnosisFormSet(prefix="diagnosis", initial=initial.diagnoses)
        trials = TrialFormSet(prefix="trial", initial=initial.trials)
        medications = MedicationFormSet(prefix="medication", initial=initial.medications)
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
            "advice": eligibility_advice_for_intake(intake) if intake else None,
            "interactions": intake_medication_report(intake) if intake else None,
            "decisions": EligibilityDecision.objects.filter(patient=patient)
            .select_related("signed_by")
            .prefetch_related("addenda__author"),
            "decision_form": EligibilityDecisionForm(),
            "addendum_form": AddendumForm(),
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
            detail = "; ".join(
                message
                for messages_for_field in error.fields.values()
                for message in messages_for_field
            )
            messages.error(request, f"{error.message} {detail}".strip())
        else:
            messages.success(request, f"Decision signed: {decision.get_outcome_display()}.")
    else:
        messages.error(
            request,
            "The decision is not complete: "
            + "; ".join(
                f"{name}: {' '.join(str(e) for e in errors)}"
                for name, errors in form.errors.items()
            ),
        )
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
    decision = get_object_or_404(
        EligibilityDecision.objects.select_related("patient", "signed_by"),
        pk=decision_id,
        clinic=clinic,
        outcome=EligibilityOutcome.DECLINED,
    )
    patient = patient_get_for_staff(user=user, clinic=clinic, patient_id=decision.patient_id)
    html = render_to_string(
        "intake/referral_letter.html",
        {
            "decision": decision,
            "patient": patient,
            "clinic": clinic,
            "addenda": decision.addenda.all(),
        },
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    audit_record(
        actor=user,
        action=AuditAction.REFERRAL_LETTER_EXPORTED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=decision,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="referral-{patient.medical_record_number}.pdf"'
    )
    return response
