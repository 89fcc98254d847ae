"""The treatment course page: the signed plan, dose orders, state changes, the review
recommendation, and booking its treatments. It gathers courses, scheduling (booking, the induction
series) and outcomes (the review), so it lives in the staff interface; its URL keeps the name
`courses:detail` (config/urls.py). Thin: the rules are in services and medicine/."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Chair
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.courses.access import course_get_for_staff
from ketaclinic.courses.forms import CourseStatusForm, DoseOrderForm, SeriesProposeForm
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.selectors import course_status_changes
from ketaclinic.courses.services import TRANSITIONS, course_transition, dose_order_sign
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.visits import VisitKind, treatment_kinds_for
from ketaclinic.outcomes.course_review import course_review
from ketaclinic.scheduling.forms import AppointmentTimeForm
from ketaclinic.scheduling.models import VISIT_KIND_LABELS, Appointment
from ketaclinic.scheduling.series import (
    MAX_SERIES_ROWS,
    ProposedSlot,
    series_book,
    series_propose,
)
from ketaclinic.scheduling.services import appointment_book, local_moment


def _booking_form(data: Any, course: TreatmentCourse) -> AppointmentTimeForm:
    form = AppointmentTimeForm(
        data,
        chairs=Chair.objects.filter(clinic=course.clinic, is_active=True).order_by("name"),
        prefix="book",
    )
    kinds = sorted(treatment_kinds_for(protocol_get(course.protocol_key)))
    # The visit a course is in now comes first: boosters in maintenance, infusions before.
    kinds.sort(key=lambda kind: (kind == VisitKind.BOOSTER) != (course.status == "maintenance"))
    form.fields["kind"] = forms.ChoiceField(
        label="Visit", choices=[(kind.value, VISIT_KIND_LABELS[kind]) for kind in kinds]
    )
    chair = form.fields["chair"]
    assert isinstance(chair, forms.ModelChoiceField)
    chair.required = True
    chair.empty_label = "Choose a chair"
    form._apply_styles()
    return form


def _row_count(data: Any) -> int:
    try:
        return min(max(int(data.get("rows", "0")), 0), MAX_SERIES_ROWS)
    except ValueError:
        return 0


def _proposal_form(
    data: Any, course: TreatmentCourse, number: int, slot: ProposedSlot | None
) -> AppointmentTimeForm:
    initial = {}
    if slot is not None:
        local = slot.starts_at.astimezone(course.clinic.zone)
        initial = {"day": local.date(), "time": local.time(), "chair": slot.chair}
    form = AppointmentTimeForm(
        data,
        chairs=Chair.objects.filter(clinic=course.clinic, is_active=True).order_by("name"),
        prefix=f"row{number}",
        initial=initial,
    )
    form.fields["chair"].required = True
    return form


@login_required
def course_detail(request: HttpRequest, course_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    # The front desk books the course's treatments but does not open its clinical detail.
    sees_chart = has_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    course = course_get_for_staff(
        user=user,
        clinic=clinic,
        course_id=course_id,
        action=Action.PATIENT_CHART_VIEW if sees_chart else Action.APPOINTMENT_BOOK,
    )
    patient = course.patient
    protocol = protocol_get(course.protocol_key)
    action = request.POST.get("action", "")
    series_error = ""
    order_form = DoseOrderForm(
        request.POST if action == "order" else None,
        dose_unit=course.dose_unit,
        initial={
            "dose": course.starting_dose,
            "valid_days": clinic_rules_get(clinic=clinic).dose_orders.valid_days,
        },
        prefix="order",
    )
    status_form = CourseStatusForm(
        request.POST if action == "status" else None,
        allowed=sorted(TRANSITIONS[course.status]),
        prefix="status",
    )
    book_form = _booking_form(request.POST if action == "book" else None, course)
    review = course_review(course=course)
    remaining = course.target_infusions - review.infusions_booked - review.infusions_given
    series_form = SeriesProposeForm(
        request.POST if action == "propose" else None,
        initial={
            "first_day": clinic.local_today() + datetime.timedelta(days=1),
            "preferred_time": datetime.time(9),
            "count": max(remaining, 1),
        },
        prefix="series",
    )
    proposal_forms: list[AppointmentTimeForm] = []
    if request.method == "POST":
        try:
            if action == "order" and order_form.is_valid():
                data = order_form.cleaned_data
                dose_order_sign(
                    acting_user=user,
                    course=course,
                    dose=data["dose"],
                    override_reason=data["override_reason"],
                    note=data["note"],
                    valid_days=data["valid_days"],
                )
                messages.success(request, "Dose order signed.")
                return redirect("courses:detail", course_id=course.pk)
            if action == "status" and status_form.is_valid():
                course_transition(
                    acting_user=user,
                    course=course,
                    to_status=CourseStatus(status_form.cleaned_data["to_status"]),
                    reason=status_form.cleaned_data["reason"],
                )
                messages.success(request, "Course updated.")
                return redirect("courses:detail", course_id=course.pk)
            if action == "propose" and series_form.is_valid():
                data = series_form.cleaned_data
                slots = series_propose(
                    course=course,
                    first_day=data["first_day"],
                    weekdays=frozenset(data["weekdays"]),
                    preferred_time=data["preferred_time"],
                    count=data["count"],
                )
                proposal_forms = [
                    _proposal_form(None, course, n, slot) for n, slot in enumerate(slots)
                ]
            if action == "confirm":
                proposal_forms = [
                    _proposal_form(request.POST, course, n, None)
                    for n in range(_row_count(request.POST))
                ]
                if proposal_forms and all(form.is_valid() for form in proposal_forms):
                    booked = series_book(
                        acting_user=user,
                        course=course,
                        slots=[
                            ProposedSlot(
                                local_moment(
                                    clinic=clinic,
                                    day=form.cleaned_data["day"],
                                    time=form.cleaned_data["time"],
                                ),
                                form.cleaned_data["chair"],
                            )
                            for form in proposal_forms
                        ],
                    )
                    messages.success(request, f"Booked {len(booked)} treatments.")
                    return redirect("courses:detail", course_id=course.pk)
            if action == "book" and book_form.is_valid():
                data = book_form.cleaned_data
                appointment = appointment_book(
                    acting_user=user,
                    patient=patient,
                    kind=VisitKind(data["kind"]),
                    starts_at=local_moment(clinic=clinic, day=data["day"], time=data["time"]),
                    chair=data["chair"],
                    course=course,
                )
                local = appointment.starts_at.astimezone(clinic.zone)
                messages.success(request, f"Booked {local:%a %d %b at %H:%M}.")
                return redirect("courses:detail", course_id=course.pk)
        except PermissionRefused:
            raise  # a refusal of who you are is a 403 page, not a form message
        except DomainError as error:
            target = {
                "order": order_form,
                "status": status_form,
                "book": book_form,
                "propose": series_form,
            }.get(action)
            if action == "confirm":
                series_error = error.message
            elif target is None:
                raise
            else:
                form_add_domain_error(target, error)
    now = datetime.datetime.now(tz=datetime.UTC)
    return render(
        request,
        "staff/patient_course/detail.html",
        {
            "course": course,
            "patient": patient,
            "protocol": protocol,
            "review": review,
            "series_form": series_form,
            "proposal_forms": proposal_forms,
            "series_error": series_error,
            "series_left": remaining,
            "orders": course.orders.select_related("signed_by"),
            "status_changes": course_status_changes(course=course),
            "now": now,
            "appointments": Appointment.objects.filter(course=course)
            .select_related("chair")
            .order_by("starts_at"),
            "order_form": order_form,
            "status_form": status_form,
            "book_form": book_form,
            "sees_chart": sees_chart,
            "can_sign": has_permission(user=user, action=Action.COURSE_SIGN, clinic=clinic),
            "can_order": has_permission(user=user, action=Action.DOSE_ORDER_SIGN, clinic=clinic),
            "can_book": has_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic),
            "nav": "patients",
        },
    )
