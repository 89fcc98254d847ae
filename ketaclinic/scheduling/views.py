"""Booking a visit for a patient, the week, the waitlist, and the clinic's shifts and closures.
Thin: every rule is in services. The day by chair and one appointment's page show the driver
home the patient confirmed, so they live in reminders (`reminders.schedule_pages`)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.courses.selectors import course_open_for_patient
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.forms import AppointmentBookForm, ClosureForm, ShiftForm, WaitlistForm
from ketaclinic.scheduling.models import (
    Appointment,
    AppointmentStatus,
    ClinicClosure,
    StaffShift,
    WaitlistEntry,
    WaitlistStatus,
)
from ketaclinic.scheduling.pages import posted_id
from ketaclinic.scheduling.selectors import (
    appointment_list_for_patient,
    calendar_day_check,
    chairs_active_for_clinic,
    day_bounds,
)
from ketaclinic.scheduling.services import appointment_book, local_moment
from ketaclinic.scheduling.staffing import closure_add, closure_remove, shift_add, shift_remove
from ketaclinic.scheduling.waitlist import waitlist_add, waitlist_withdraw


def _clinicians(clinic: Clinic) -> QuerySet[User]:
    return (
        User.objects.filter(
            memberships__clinic=clinic,
            memberships__is_active=True,
            memberships__role__in=[
                Role.PHYSICIAN,
                Role.MEDICAL_DIRECTOR,
                Role.NURSE,
                Role.THERAPIST,
            ],
        )
        .distinct()
        .order_by("full_name")
    )


@login_required
def appointment_book_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.APPOINTMENT_BOOK
    )
    is_waitlist = request.POST.get("action") == "waitlist"
    form = AppointmentBookForm(
        request.POST if request.method == "POST" and not is_waitlist else None,
        chairs=chairs_active_for_clinic(clinic=clinic),
        clinicians=_clinicians(clinic),
        initial={"day": clinic.local_today() + datetime.timedelta(days=1)},
    )
    waitlist_form = WaitlistForm(request.POST if is_waitlist else None, prefix="wait")
    if is_waitlist and waitlist_form.is_valid():
        data = waitlist_form.cleaned_data
        try:
            waitlist_add(
                acting_user=user,
                patient=patient,
                kind=VisitKind(data["kind"]),
                weekdays=data["weekdays"],
                earliest_time=data["earliest_time"],
                latest_time=data["latest_time"],
                course=course_open_for_patient(patient=patient),
                note=data["note"],
            )
        except PermissionRefused:
            raise
        except DomainError as error:
            form_add_domain_error(waitlist_form, error)
        else:
            messages.success(request, "Added to the waitlist.")
            return redirect("scheduling:book", patient_id=patient.pk)
    if request.method == "POST" and not is_waitlist and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = appointment_book(
                acting_user=user,
                patient=patient,
                kind=VisitKind(data["kind"]),
                starts_at=local_moment(clinic=clinic, day=data["day"], time=data["time"]),
                chair=data["chair"],
                clinician=data["clinician"],
                note=data["note"],
            )
        except PermissionRefused:
            raise  # a refusal of who you are is a 403 page, not a form message
        except DomainError as error:
            form_add_domain_error(form, error)
        else:
            local = appointment.starts_at.astimezone(clinic.zone)
            messages.success(
                request,
                f"Booked: {appointment.get_kind_display()} on {local:%a %d %b at %H:%M}.",
            )
            return redirect("patients:detail", patient_id=patient.pk)
    return render(
        request,
        "scheduling/book.html",
        {
            "form": form,
            "patient": patient,
            "appointments": appointment_list_for_patient(patient=patient)[:20],
            "waitlist_form": waitlist_form,
            "waiting": WaitlistEntry.objects.filter(patient=patient, status=WaitlistStatus.WAITING),
            "nav": "patients",
        },
    )


@login_required
def staffing(request: HttpRequest) -> HttpResponse:
    """Shifts for the coming two weeks, and closures: the clinic admin keeps them."""
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.STAFF_MANAGE, clinic=clinic)
    staff = (
        User.objects.filter(memberships__clinic=clinic, memberships__is_active=True)
        .distinct()
        .order_by("full_name")
    )
    action = request.POST.get("action", "")
    shift_form = ShiftForm(request.POST if action == "shift" else None, staff=staff, prefix="shift")
    closure_form = ClosureForm(request.POST if action == "closure" else None, prefix="closure")
    if request.method == "POST":
        try:
            if action == "shift" and shift_form.is_valid():
                data = shift_form.cleaned_data
                shift_add(
                    acting_user=user,
                    clinic=clinic,
                    user=data["user"],
                    starts_at=local_moment(clinic=clinic, day=data["day"], time=data["starts"]),
                    ends_at=local_moment(clinic=clinic, day=data["day"], time=data["ends"]),
                )
                messages.success(request, "Shift added.")
                return redirect("scheduling:staffing")
            if action == "remove_shift":
                shift = get_object_or_404(
                    StaffShift, clinic=clinic, pk=posted_id(request.POST.get("shift_id"))
                )
                shift_remove(acting_user=user, shift=shift)
                messages.success(request, "Shift removed.")
                return redirect("scheduling:staffing")
            if action == "closure" and closure_form.is_valid():
                closure_add(
                    acting_user=user,
                    clinic=clinic,
                    day=closure_form.cleaned_data["day"],
                    reason=closure_form.cleaned_data["reason"],
                )
                messages.success(request, "Closure added.")
                return redirect("scheduling:staffing")
            if action == "remove_closure":
                closure = get_object_or_404(
                    ClinicClosure, clinic=clinic, pk=posted_id(request.POST.get("closure_id"))
                )
                closure_remove(acting_user=user, closure=closure)
                messages.success(request, "The clinic is open again that day.")
                return redirect("scheduling:staffing")
        except PermissionRefused:
            raise
        except DomainError as error:
            if action == "closure":
                form_add_domain_error(closure_form, error)
            elif action == "shift":
                form_add_domain_error(shift_form, error)
            else:
                messages.error(request, error.message)
                return redirect("scheduling:staffing")
    today = clinic.local_today()
    start, _ = day_bounds(clinic=clinic, day=today)
    end = start + datetime.timedelta(days=15)
    return render(
        request,
        "scheduling/staffing.html",
        {
            "shifts": StaffShift.objects.filter(clinic=clinic, ends_at__gt=start, starts_at__lt=end)
            .select_related("user")
            .order_by("starts_at"),
            "closures": ClinicClosure.objects.filter(clinic=clinic, day__gte=today),
            "shift_form": shift_form,
            "closure_form": closure_form,
            "nav": "schedule",
        },
    )


@login_required
def waitlist_view(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
    if request.method == "POST":
        entry = get_object_or_404(
            WaitlistEntry, clinic=clinic, pk=posted_id(request.POST.get("entry_id"))
        )
        waitlist_withdraw(acting_user=user, entry=entry)
        messages.success(request, f"{entry.patient.display_name} is off the waitlist.")
        return redirect("scheduling:waitlist")
    return render(
        request,
        "scheduling/waitlist.html",
        {
            "entries": WaitlistEntry.objects.filter(clinic=clinic, status=WaitlistStatus.WAITING)
            .select_related("patient")
            .order_by("created_at"),
            "nav": "schedule",
        },
    )


@login_required
def schedule_week(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.APPOINTMENT_BOOK, clinic=clinic)
    try:
        start_day = datetime.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        start_day = clinic.local_today()
    calendar_day_check(day=start_day)  # so that its week, and the weeks either side, exist
    start_day -= datetime.timedelta(days=start_day.weekday())  # the week from Monday
    days = [start_day + datetime.timedelta(days=n) for n in range(7)]
    start, _ = day_bounds(clinic=clinic, day=days[0])
    _, end = day_bounds(clinic=clinic, day=days[-1])
    by_day: dict[datetime.date, list[Appointment]] = {day: [] for day in days}
    for appointment in (
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=start,
            starts_at__lt=end,
            status__in=[AppointmentStatus.BOOKED, AppointmentStatus.COMPLETED],
        )
        .select_related("patient", "chair")
        .order_by("starts_at")
    ):
        by_day[appointment.starts_at.astimezone(clinic.zone).date()].append(appointment)
    closures = set(
        ClinicClosure.objects.filter(clinic=clinic, day__in=days).values_list("day", flat=True)
    )
    return render(
        request,
        "scheduling/week.html",
        {
            "days": [(day, by_day[day], day in closures) for day in days],
            "previous_week": days[0] - datetime.timedelta(days=7),
            "next_week": days[0] + datetime.timedelta(days=7),
            "nav": "schedule",
        },
    )
