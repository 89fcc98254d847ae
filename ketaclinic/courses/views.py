"""Planning a treatment course: the physician signs it under the approved protocol. Thin: the
rules are in services and medicine/. The course's own page (dose orders, state changes, the
review recommendation, booking its treatments) gathers scheduling and outcomes, so it lives in
`staff.patient_page_course`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, PermissionRefused, PreconditionFailed
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.courses.forms import CourseForm
from ketaclinic.courses.selectors import course_open_for_patient
from ketaclinic.courses.services import course_create
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.patients.access import patient_get_for_staff

DEFAULT_TITRATION = (
    "Start at the protocol's dose; step up the protocol's ladder at a review when improvement is "
    "under 20% and the last infusion was tolerated; never above the cap without an override."
)
DEFAULT_BOOSTER = (
    "After induction, single boosters when symptoms return (PHQ-9 up 5 points from the best); "
    "typically every 4–6 weeks, lengthening as tolerated."
)


@login_required
def course_new(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.COURSE_SIGN
    )
    existing = course_open_for_patient(patient=patient)
    if existing is not None:
        messages.info(request, "This patient already has an open course.")
        return redirect("courses:detail", course_id=existing.pk)
    decision = EligibilityDecision.objects.filter(patient=patient).order_by("-signed_at").first()
    if decision is None or decision.outcome != EligibilityOutcome.APPROVED:
        raise PreconditionFailed(
            "A course is planned once a physician has approved the patient for a protocol."
        )
    protocol = protocol_get(decision.protocol_key)
    form = CourseForm(
        request.POST or None,
        dose_unit=protocol.dose_unit.value,
        needs_rems=protocol.route == Route.INTRANASAL,
        initial={
            "target_infusions": 6,
            "starting_dose": protocol.starting_dose,
            "titration_plan": DEFAULT_TITRATION,
            "booster_plan": DEFAULT_BOOSTER,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            course = course_create(
                acting_user=user,
                patient=patient,
                target_infusions=data["target_infusions"],
                starting_dose=data["starting_dose"],
                titration_plan=data["titration_plan"],
                booster_plan=data["booster_plan"],
                rems_patient_enrollment=data.get("rems_patient_enrollment", ""),
                note=data["note"],
            )
        except PermissionRefused:
            raise  # a refusal of who you are is a 403 page, not a form message
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            messages.success(request, "Course signed.")
            return redirect("courses:detail", course_id=course.pk)
    return render(
        request,
        "courses/new.html",
        {"form": form, "patient": patient, "protocol": protocol, "nav": "patients"},
    )
