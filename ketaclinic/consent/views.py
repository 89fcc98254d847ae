"""Consent on a clinic tablet: the patient reads and signs, the staff member signed in witnesses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.consent.access import consent_pdf_for_staff, consent_signature_get_for_staff
from ketaclinic.consent.downloads import ConsentCopy
from ketaclinic.consent.forms import (
    ConsentSignForm,
    ConsentWitnessDeclineForm,
    ConsentWitnessForm,
)
from ketaclinic.consent.models import Treatment, WitnessMethod
from ketaclinic.consent.selectors import consent_signatures_for_patient
from ketaclinic.consent.services import (
    consent_awaiting_witness,
    consent_current,
    consent_document_latest,
    consent_sign,
    consent_witness,
    consent_witness_decline,
)
from ketaclinic.core.errors import DomainError, NotFound
from ketaclinic.patients.access import patient_get_for_staff


@login_required
def consent_overview(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    patient = patient_get_for_staff(
        user=acting_user(request), clinic=clinic, patient_id=patient_id, action=Action.PATIENT_LIST
    )
    rows = []
    for treatment in Treatment:
        document = consent_document_latest(clinic=clinic, treatment=treatment)
        current = consent_current(patient=patient, treatment=treatment)
        awaiting = (
            consent_awaiting_witness(patient=patient, document=document)
            if document is not None and current is None
            else None
        )
        rows.append((treatment, document, current, awaiting))
    history = consent_signatures_for_patient(patient=patient)
    return render(
        request,
        "consent/overview.html",
        {
            "patient": patient,
            "rows": rows,
            "history": history,
            "witness_form": ConsentWitnessForm(initial={"method": WitnessMethod.IN_PERSON}),
            "nav": "patients",
        },
    )


@login_required
@require_POST
def consent_witness_view(request: HttpRequest, signature_id: int) -> HttpResponse:
    """Staff confirm a signature the patient made in the portal, as its witness."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    signature, patient = consent_signature_get_for_staff(
        user=user, clinic=clinic, signature_id=signature_id, action=Action.CONSENT_WITNESS
    )
    form = ConsentWitnessForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(error) for errors in form.errors.values() for error in errors),
        )
    else:
        try:
            witnessed = consent_witness(
                witness=user,
                signature=signature,
                method=WitnessMethod(form.cleaned_data["method"]),
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Witnessed: {witnessed.document} is now a current consent.")
    return redirect("consent:overview", patient_id=patient.pk)


@login_required
def consent_sign_view(request: HttpRequest, patient_id: int, treatment: str) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.CONSENT_WITNESS
    )
    if treatment not in Treatment.values:
        raise NotFound("No such treatment.")
    document = consent_document_latest(clinic=clinic, treatment=Treatment(treatment))
    if document is None:
        raise NotFound("No consent has been published for this treatment yet.")
    form = ConsentSignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            consent_sign(
                witness=user,
                patient=patient,
                document=document,
                typed_name=form.cleaned_data["typed_name"],
                drawn_signature_data_url=form.cleaned_data["drawn_signature"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Consent signed and witnessed: {document}.")
            return redirect("consent:overview", patient_id=patient.pk)
    paragraphs = [paragraph for paragraph in document.body.split("\n\n") if paragraph.strip()]
    return render(
        request,
        "consent/sign.html",
        {
            "patient": patient,
            "document": document,
            "paragraphs": paragraphs,
            "form": form,
            "nav": "patients",
        },
    )


@login_required
def consent_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    """The consent as the patient signed it."""
    return _pdf_download(request, signature_id, witness_copy=False)


@login_required
def consent_witness_pdf(request: HttpRequest, signature_id: int) -> HttpResponse:
    """A portal signature's copy made when staff witnessed or declined it."""
    return _pdf_download(request, signature_id, witness_copy=True)


def _pdf_download(request: HttpRequest, signature_id: int, *, witness_copy: bool) -> HttpResponse:
    # A missing copy is NotFound: DomainErrorMiddleware answers 404 with its message.
    return consent_pdf_for_staff(
        user=acting_user(request),
        clinic=acting_clinic(request),
        signature_id=signature_id,
        copy=ConsentCopy.WITNESSED if witness_copy else ConsentCopy.AS_SIGNED,
        channel="staff",
    )


@login_required
@require_POST
def consent_witness_decline_view(request: HttpRequest, signature_id: int) -> HttpResponse:
    """Staff could not confirm a portal signature: it is declined and the patient signs again."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    signature, patient = consent_signature_get_for_staff(
        user=user, clinic=clinic, signature_id=signature_id, action=Action.CONSENT_WITNESS
    )
    form = ConsentWitnessDeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the signature cannot be confirmed.")
    else:
        try:
            consent_witness_decline(
                acting_user=user, signature=signature, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, "Signature declined. The patient can sign again in the portal or here."
            )
    return redirect("consent:overview", patient_id=patient.pk)
