"""Staff pages: a patient's outcomes (trends, course status, the combined-care timeline), and
recording a therapy note or a medication change. Thin: the door, one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.care.forms import MedicationChangeForm, TherapyNoteForm
from ketaclinic.care.models import MedicationChangeKind, TherapyNote, TherapyNoteKind
from ketaclinic.care.selectors import patient_outcomes_get
from ketaclinic.care.services import medication_change_record, therapy_note_record
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.patients.access import patient_get_for_staff


@login_required
def patient_outcomes(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.OUTCOMES_VIEW
    )
    # Therapy notes are read by clinical roles and therapists only (the chart's readers).
    sees_therapy_text = has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    outcomes = patient_outcomes_get(patient=patient, sees_therapy_text=sees_therapy_text)
    here = reverse("care:patient", args=[patient.pk])
    return render(
        request,
        "care/patient.html",
        {
            "patient": patient,
            "outcomes": outcomes,
            "here": here,
            "can_enter_scores": has_permission(
                user=user, action=Action.QUESTIONNAIRE_RECORD, clinic=clinic
            ),
            "can_record_note": has_permission(
                user=user, action=Action.THERAPY_NOTE_RECORD, clinic=clinic
            ),
            "can_record_medication": has_permission(
                user=user, action=Action.MEDICATION_CHANGE_RECORD, clinic=clinic
            ),
            "nav": "patients",
        },
    )


@login_required
def therapy_note_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.THERAPY_NOTE_RECORD
    )
    form = TherapyNoteForm(
        request.POST or None,
        patient_notes=TherapyNote.objects.filter(patient=patient).order_by("-session_date"),
        initial={"session_date": clinic.local_today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            therapy_note_record(
                acting_user=user,
                patient=patient,
                kind=TherapyNoteKind(form.cleaned_data["kind"]),
                session_date=form.cleaned_data["session_date"],
                minutes=form.cleaned_data["minutes"],
                text=form.cleaned_data["text"],
                corrects=form.cleaned_data["corrects"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Note saved.")
            return redirect("care:patient", patient_id=patient.pk)
    return render(
        request,
        "care/record.html",
        {"form": form, "patient": patient, "heading": "Therapy note", "nav": "patients"},
    )


@login_required
def medication_change_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.MEDICATION_CHANGE_RECORD
    )
    form = MedicationChangeForm(request.POST or None, initial={"changed_on": clinic.local_today()})
    if request.method == "POST" and form.is_valid():
        try:
            medication_change_record(
                acting_user=user,
                patient=patient,
                medication_name=form.cleaned_data["medication_name"],
                change=MedicationChangeKind(form.cleaned_data["change"]),
                dose_text=form.cleaned_data["dose_text"],
                changed_on=form.cleaned_data["changed_on"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Medication change recorded.")
            return redirect("care:patient", patient_id=patient.pk)
    return render(
        request,
        "care/record.html",
        {"form": form, "patient": patient, "heading": "Medication change", "nav": "patients"},
    )
