"""The day's schedule by chair, booking a visit for a patient, and moving, cancelling or marking
an appointment missed. Thin: every rule is in services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from ketaclinic.accounts.http import acting_clinic, acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.forms import AppointmentBookForm, AppointmentTimeForm, ReasonForm
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.selectors import (
    appointments_for_patient,
    day_closed,
    day_schedule,
)
from ketaclinic.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    local_moment,
)


def _chairs(clinic: Clinic) -> QuerySet[Chair]:
    return Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")


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


def _add_errors(form: AppointmentTimeForm, error: DomainError) -> None:
    placed = False
    for name, field_errors in error.fields.items():
        if name in form.fields:
            for message in field_errors:
                form.add_error(name, message)
            placed = True
    if not placed or not error.fields:
        form.add_error(None, error.message)


@login_required
def schedule_day(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.APPOINTMENT_BOOK, clinic=clinic)
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = clinic.local_today()
    return render(
        request,
        "scheduling/day.html",
        {
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "today": clinic.local_today(),
            "columns": day_schedule(clinic=clinic, day=day),
            "closed": day_closed(clinic=clinic, day=day),
            "nav": "schedule",
        },
    )


@login_required
def appointment_book_view(request: HttpRequest, patient_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.APPOINTMENT_BOOK
    )
    form = AppointmentBookForm(
        request.POST or None,
        chairs=_chairs(clinic),
        clinicians=_clinicians(clinic),
        initial={"day": clinic.local_today() + datetime.timedelta(days=1)},
    )
    if request.method == "POST" and form.is_valid():
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
            _add_errors(form, error)
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
            "appointments": appointments_for_patient(patient=patient)[:20],
            "nav": "patients",
        },
    )


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.APPOINTMENT_BOOK, clinic=clinic)
    return get_object_or_404(
        Appointment.objects.select_related("patient", "chair", "clinic"),
        pk=appointment_id,
        clinic=clinic,
    )


@login_required
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    clinic = appointment.clinic
    user = acting_user(request)
    local = appointment.starts_at.astimezone(clinic.zone)
    move_form = AppointmentTimeForm(
        request.POST if request.POST.get("action") == "move" else None,
        chairs=_chairs(clinic),
        initial={"day": local.date(), "time": local.time(), "chair": appointment.chair},
        prefix="move",
    )
    reason_form = ReasonForm(
        request.POST if request.POST.get("action") in {"cancel", "no_show"} else None,
        prefix="close",
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "move" and move_form.is_valid():
                data = move_form.cleaned_data
                appointment_reschedule(
                    acting_user=user,
                    appointment=appointment,
                    starts_at=local_moment(clinic=clinic, day=data["day"], time=data["time"]),
                    chair=data["chair"],
                )
                messages.success(request, "Appointment moved.")
                return redirect("scheduling:detail", appointment_id=appointment.pk)
            if action in {"cancel", "no_show"} and reason_form.is_valid():
                close = appointment_cancel if action == "cancel" else appointment_mark_no_show
                close(
                    acting_user=user,
                    appointment=appointment,
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(
                    request,
                    "Appointment cancelled." if action == "cancel" else "Marked as no-show.",
                )
                return redirect("scheduling:detail", appointment_id=appointment.pk)
        except PermissionRefused:
            raise  # a refusal of who you are is a 403 page, not a form message
        except DomainError as error:
            target = move_form if action == "move" else reason_form
            if isinstance(target, AppointmentTimeForm):
                _add_errors(target, error)
            else:
                target.add_error(None, error.message)
    return render(
        request,
        "scheduling/detail.html",
        {
            "appointment": appointment,
            "local_start": local,
            "local_end": appointment.ends_at.astimezone(clinic.zone),
            "move_form": move_form,
            "reason_form": reason_form,
            "is_booked": appointment.status == AppointmentStatus.BOOKED,
            "day_url": reverse("scheduling:day") + f"?day={local.date().isoformat()}",
            "nav": "schedule",
        },
    )
