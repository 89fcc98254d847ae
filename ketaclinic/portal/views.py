"""The patient portal: a patient's own page. Reached only through the portal access door."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.patients.access import patient_get_for_portal_user
from ketaclinic.patients.models import JourneyStage

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


@login_required
def portal_home(request: HttpRequest) -> HttpResponse:
    if getattr(request, "clinic", None) is not None and not hasattr(request.user, "patient_record"):
        return redirect("home")  # staff who open the portal go to their own home page
    patient = patient_get_for_portal_user(user=request.user)
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            "clinic": patient.clinic,
            "next_step": NEXT_STEP_BY_STAGE[JourneyStage(patient.journey_stage)],
        },
    )
