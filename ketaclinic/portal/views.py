"""The patient portal: a patient's own pages (their next steps, their intake, their consent).
Every page reaches the patient only through the portal access door, so a patient sees only
their own record; staff who open a portal page go to their own home page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ketaclinic.accounts.http import acting_user
from ketaclinic.consent.access import consent_pdf_for_patient
from ketaclinic.consent.downloads import ConsentCopy
from ketaclinic.consent.forms import PortalConsentSignForm
from ketaclinic.consent.models import Treatment
from ketaclinic.consent.services import (
    consent_awaiting_witness,
    consent_current,
    consent_document_latest,
    consent_sign_in_portal,
    consent_treatments_open_to_patient,
)
from ketaclinic.core.errors import DomainError, NotFound
from ketaclinic.core.forms import StyledForm, form_add_domain_error
from ketaclinic.intake.forms import (
    PatientDiagnosisFormSet,
    PatientIntakeForm,
    PatientMedicationFormSet,
    PatientTrialFormSet,
    intake_entry_from_forms,
    intake_initial,
)
from ketaclinic.intake.icd10 import CODES
from ketaclinic.intake.selectors import intake_get_for_patient
from ketaclinic.intake.services import INTAKE_SENT_TO_CLINIC, intake_save
from ketaclinic.measures.selectors import due_measures_for_patient
from ketaclinic.medicine.questionnaires.base import Instrument
from ketaclinic.messaging.forms import MessageForm
from ketaclinic.messaging.selectors import thread_messages, unread_for_patient
from ketaclinic.messaging.services import message_send_from_patient, messages_read_by_patient
from ketaclinic.outcomes.forms import instrument_fields
from ketaclinic.outcomes.selectors import instrument_is_sendable
from ketaclinic.outcomes.services import SUICIDE_RISK_FLAG
from ketaclinic.outcomes.wording import instrument_for_clinic
from ketaclinic.patients.access import patient_get_for_portal_user
from ketaclinic.patients.models import JourneyStage, Patient
from ketaclinic.portal.forms import InvitationPasswordForm
from ketaclinic.portal.invitations import (
    InvitationLinkRefused,
    LinkProblem,
    portal_account_create,
    portal_invitation_open,
)
from ketaclinic.portal.selectors import (
    portal_steps_for_patient,
    score_history_for_patient,
    upcoming_visits_for_patient,
)
from ketaclinic.portal.services import portal_due_get, portal_questionnaire_submit

# The portal's own audit mark: a patient is not a staff role, so their events say "patient".

# What a patient reads about where they are in the journey (DESIGN.md "The journey").
NEXT_STEP_BY_STAGE = {
    JourneyStage.REGISTERED: (
        "Our team will call you to arrange a consultation with a physician. Before it, you will "
        "be asked to complete a few short questionnaires about how you have been feeling."
    ),
    JourneyStage.SCREENING: (
        "Please complete the questionnaires we sent you. A physician reviews them together with "
        "your history before deciding whether ketamine treatment is right for you."
    ),
    JourneyStage.ELIGIBILITY_REVIEW: (
        "A physician is reviewing your history and questionnaires. We will be in touch, and may "
        "ask for more information such as recent lab results or records from your doctors."
    ),
    JourneyStage.APPROVED: (
        "You have been approved for treatment. Next we will go through consent with you and book "
        "your first infusions. Remember: someone must drive you home after every session."
    ),
    JourneyStage.IN_INDUCTION: (
        "You are in your first series of infusions. Please arrive on time, avoid food for a few "
        "hours before each session as instructed, and bring the person who will drive you home."
    ),
    JourneyStage.MAINTENANCE: (
        "You are having booster infusions. Keep filling in your check-in questionnaires so your "
        "physician can see how you are doing between sessions."
    ),
    JourneyStage.COMPLETED: (
        "You have completed your course of treatment. If your symptoms return, contact us: a "
        "booster infusion may help."
    ),
    JourneyStage.DECLINED: (
        "Ketamine treatment was not the right fit for you at this time. Your physician has sent "
        "a letter with other options to you and your referring clinician."
    ),
    JourneyStage.DISCHARGED: "You are no longer under our care. Contact us if you need anything.",
}


PortalView = Callable[Concatenate[HttpRequest, Patient, ...], HttpResponse]


def portal_page(view: PortalView) -> Callable[..., HttpResponse]:
    """A portal page for the signed-in patient, who is passed to the view."""

    @login_required
    @wraps(view)
    def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "clinic", None) is not None and not hasattr(
            request.user, "patient_record"
        ):
            return redirect("home")  # staff who open the portal go to their own home page
        patient = patient_get_for_portal_user(user=request.user)
        # A patient reads every time in their clinic's own time zone, as staff do.
        with timezone.override(patient.clinic.zone):
            return view(request, patient, *args, **kwargs)

    return page


@portal_page
def portal_home(request: HttpRequest, patient: Patient) -> HttpResponse:
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "next_step": NEXT_STEP_BY_STAGE[JourneyStage(patient.journey_stage)],
            "steps": portal_steps_for_patient(patient=patient),
            "visits": upcoming_visits_for_patient(patient=patient),
            "due_measures": due_measures_for_patient(patient=patient),
            "histories": score_history_for_patient(patient=patient),
            "unread_messages": unread_for_patient(patient=patient),
        },
    )


class PortalQuestionnaireForm(StyledForm):
    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        self.instrument = instrument
        super().__init__(*args, **kwargs)
        self.fields.update(instrument_fields(instrument))
        self._apply_styles()

    def answers(self) -> dict[str, int]:
        return {code: self.cleaned_data[code] for code in self.instrument.item_codes}


@portal_page
def portal_questionnaire(request: HttpRequest, patient: Patient, due_id: int) -> HttpResponse:
    """One of the patient's due questionnaires. The URL names only the measure's id; a
    suicide-risk answer shows crisis resources at once (the clinic's urgent task is raised by
    the outcomes rules)."""
    due = portal_due_get(patient=patient, due_id=due_id)
    # As the clinic asks it: a licensed scale carries the wording the clinic loaded, or none.
    instrument = instrument_for_clinic(clinic=patient.clinic, code=due.instrument)
    if not instrument_is_sendable(instrument):
        raise NotFound("This questionnaire is filled in with the clinic. Please ask at your visit.")
    form = PortalQuestionnaireForm(request.POST or None, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        try:
            response = portal_questionnaire_submit(
                patient_user=acting_user(request),
                patient=patient,
                due_id=due.pk,
                answers=form.answers(),
            )
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            at_risk = SUICIDE_RISK_FLAG in response.flags
            return render(
                request,
                "portal/questionnaire_done.html",
                {
                    "patient": patient,
                    "clinic": patient.clinic,
                    "instrument": instrument,
                    "at_risk": at_risk,
                },
            )
    return render(
        request,
        "portal/questionnaire.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "instrument": instrument,
            "reason": due.reason_text,
            "form": form,
        },
    )


@portal_page
def portal_messages(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The patient's conversation with the clinic, and a box to write."""
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_send_from_patient(
                patient_user=acting_user(request), patient=patient, body=form.cleaned_data["body"]
            )
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, "Your message was sent. The clinic will reply here.")
            return redirect("portal:messages")
    if request.method == "GET":
        messages_read_by_patient(patient_user=acting_user(request), patient=patient)
    return render(
        request,
        "portal/messages.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "thread": thread_messages(patient=patient),
            "form": form,
        },
    )


@portal_page
def portal_intake(request: HttpRequest, patient: Patient) -> HttpResponse:
    """The intake in the patient's words: save a draft, or send it to the clinic. Once sent
    (or submitted by staff) it is a read-only summary."""
    intake = intake_get_for_patient(patient_id=patient.pk)
    if intake is not None and not intake.is_open_to_patient:
        if request.method == "POST":
            messages.error(request, INTAKE_SENT_TO_CLINIC)
        return render(
            request,
            "portal/intake_summary.html",
            {"patient": patient, "clinic": patient.clinic, "intake": intake},
        )
    if request.method == "POST":
        form = PatientIntakeForm(request.POST)
        diagnoses = PatientDiagnosisFormSet(request.POST, prefix="diagnosis")
        trials = PatientTrialFormSet(request.POST, prefix="trial")
        medications = PatientMedicationFormSet(request.POST, prefix="medication")
        if all(part.is_valid() for part in (form, diagnoses, trials, medications)):
            submit = "submit" in request.POST
            try:
                intake_save(
                    acting_user=acting_user(request),
                    patient=patient,
                    entry=intake_entry_from_forms(
                        form=form, diagnoses=diagnoses, trials=trials, medications=medications
                    ),
                    submit=submit,
                    as_patient=True,
                )
            except DomainError as error:
                form.add_error(None, error.message)
                for field, field_errors in error.fields.items():
                    for message in field_errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                if submit:
                    messages.success(request, "Thank you. Your intake has been sent to the clinic.")
                    return redirect("portal:home")
                messages.success(
                    request, "Your answers are saved. You can come back and finish later."
                )
                return redirect("portal:intake")
        else:
            form.add_error(None, "Some answers need attention; nothing has been saved or sent yet.")
    else:
        initial = intake_initial(intake)
        form = PatientIntakeForm(initial=initial.form)
        diagnoses = PatientDiagnosisFormSet(prefix="diagnosis", initial=initial.diagnoses)
        trials = PatientTrialFormSet(prefix="trial", initial=initial.trials)
        medications = PatientMedicationFormSet(prefix="medication", initial=initial.medications)
    return render(
        request,
        "portal/intake_form.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "intake": intake,
            "form": form,
            "diagnoses": diagnoses,
            "trials": trials,
            "medications": medications,
            "icd10_codes": CODES,
        },
    )


@portal_page
def portal_consent_sign(request: HttpRequest, patient: Patient, treatment: str) -> HttpResponse:
    """The patient reads the current consent for a treatment they are approved for and signs
    it; a staff member witnesses it afterwards."""
    if treatment not in Treatment.values or Treatment(
        treatment
    ) not in consent_treatments_open_to_patient(patient=patient):
        raise NotFound("There is no consent for you to sign here.")
    document = consent_document_latest(clinic=patient.clinic, treatment=Treatment(treatment))
    if document is None:
        raise NotFound("The clinic has not published this consent yet. Please contact the clinic.")
    current = consent_current(patient=patient, treatment=Treatment(treatment))
    awaiting = (
        consent_awaiting_witness(patient=patient, document=document) if current is None else None
    )
    form = PortalConsentSignForm(request.POST or None)
    if request.method == "POST" and current is None and awaiting is None and form.is_valid():
        try:
            consent_sign_in_portal(
                patient_user=acting_user(request),
                patient=patient,
                document=document,
                typed_name=form.cleaned_data["typed_name"],
                drawn_signature_data_url=form.cleaned_data["drawn_signature"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
            for field, field_errors in error.fields.items():
                if field == "typed_name":
                    form.add_error("typed_name", field_errors)
        else:
            messages.success(
                request,
                "Thank you, you have signed. A member of our staff will confirm your signature "
                "with you (at your next visit or on a video call); your consent takes effect then.",
            )
            return redirect("portal:home")
    elif request.method == "POST" and (current is not None or awaiting is not None):
        messages.info(request, "You have already signed this consent; nothing more is needed.")
    return render(
        request,
        "portal/consent_sign.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "document": document,
            "paragraphs": [p for p in document.body.split("\n\n") if p.strip()],
            "current": current,
            "awaiting": awaiting,
            "form": form,
        },
    )


@portal_page
def portal_consent_pdf(request: HttpRequest, patient: Patient, signature_id: int) -> HttpResponse:
    """The patient's own signed consent as signed (or, with ?copy=witnessed, the copy the clinic
    made when it confirmed or declined it); anyone else's is not found, an unknown copy
    refused."""
    return consent_pdf_for_patient(
        user=acting_user(request),
        patient=patient,
        signature_id=signature_id,
        copy=ConsentCopy.from_query(request.GET.get("copy")),
    )


def _invitation_refused(request: HttpRequest, refusal: InvitationLinkRefused) -> HttpResponse:
    return render(
        request,
        "portal/invitation_refused.html",
        {
            "clinic": refusal.clinic,
            "message": refusal.message,
            "offers_sign_in": refusal.problem in (LinkProblem.USED, LinkProblem.HAS_ACCOUNT),
        },
        status=404,
    )


@never_cache  # the page is reached by a secret link: no copy kept by a browser or a proxy
@require_http_methods(["GET", "POST"])
def portal_invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: the patient chooses a password, which makes their portal account,
    then signs in as every patient does (password, then a code emailed to them). No sign-in
    is needed here; someone already signed in is asked to sign out first."""
    try:
        invitation = portal_invitation_open(token=token)
    except InvitationLinkRefused as refusal:
        return _invitation_refused(request, refusal)
    context: dict[str, Any] = {"clinic": invitation.clinic, "email": invitation.email}
    if request.user.is_authenticated:
        return render(request, "portal/invitation_signed_in.html", context)
    form = InvitationPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            portal_account_create(token=token, password=form.cleaned_data["password"])
        except InvitationLinkRefused as refusal:
            return _invitation_refused(request, refusal)
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(
                request,
                f"Your portal account is ready. Sign in with {invitation.email} and your new "
                "password; we will then email you a one-time code to type in.",
            )
            return redirect("account_login")
    return render(
        request,
        "portal/invitation_accept.html",
        {
            **context,
            "form": form,
            "expires_at": invitation.expires_at,
            "zone": invitation.clinic.zone,
        },
    )
