"""The schedule pages that show whether each treatment's driver home is confirmed: the day by
chair and one appointment (moving, cancelling or marking it missed, offering a freed slot to the
waitlist). Scheduling sits below reminders, which own the patient's answer, so these pages live
here; their URLs keep scheduling's names (`scheduling:day`, `scheduling:detail`, composed in
config/urls.py from `schedule_urls`). Thin: every rule is in scheduling's services."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.core.forms import form_add_domain_error
from ketaclinic.reminders.selectors import escort_statuses_for_appointments
from ketaclinic.scheduling.access import appointment_get_for_staff
from ketaclinic.scheduling.forms import MoveForm, ReasonForm
from ketaclinic.scheduling.models import Appointment, AppointmentStatus, WaitlistEntry
from ketaclinic.scheduling.pages import posted_id
from ketaclinic.scheduling.selectors import (
    chairs_active_for_clinic,
    day_bounds,
    day_closed,
    day_schedule,
)
from ketaclinic.scheduling.services import (
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    local_moment,
)
from ketaclinic.scheduling.staffing import closure_on, shifts_for_day
from ketaclinic.scheduling.waitlist import waitlist_matches, waitlist_offer_book


@login_required
def schedule_day(request: HttpRequest) -> HttpResponse:
    clinic = acting_clinic(request)
    require_permission(user=acting_user(request), action=Action.APPOINTMENT_BOOK, clinic=clinic)
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = clinic.local_today()
    bounds = day_bounds(clinic=clinic, day=day)
    columns = day_schedule(clinic=clinic, day=day)
    appointments = [appointment for column in columns for appointment in column.appointments]
    escorts = escort_statuses_for_appointments(appointments)
    for appointment in appointments:
        # Unconfirmed drivers show on the day list: a patient may not drive after a treatment.
        appointment.escort = escorts.get(appointment.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "reminders/schedule_day.html",
        {
            "day": day,
            "previous_day": day - datetime.timedelta(days=1),
            "next_day": day + datetime.timedelta(days=1),
            "today": clinic.local_today(),
            "columns": columns,
            "closed": day_closed(clinic=clinic, day=day),
            "closure": closure_on(clinic=clinic, day=day),
            "shifts": shifts_for_day(clinic=clinic, day_start=bounds[0], day_end=bounds[1]),
            "nav": "schedule",
        },
    )


def _appointment(request: HttpRequest, appointment_id: int) -> Appointment:
    clinic = acting_clinic(request)
    return appointment_get_for_staff(
        user=acting_user(request), clinic=clinic, appointment_id=appointment_id
    )


@login_required
def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    clinic = appointment.clinic
    user = acting_user(request)
    local = appointment.starts_at.astimezone(clinic.zone)
    move_form = MoveForm(
        request.POST if request.POST.get("action") == "move" else None,
        chairs=chairs_active_for_clinic(clinic=clinic),
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
                    reason=data["reason"],
                )
                messages.success(request, "Appointment moved.")
                return redirect("scheduling:detail", appointment_id=appointment.pk)
            if action == "offer":
                entry = get_object_or_404(
                    WaitlistEntry, clinic=clinic, pk=posted_id(request.POST.get("entry_id"))
                )
                booked = waitlist_offer_book(acting_user=user, entry=entry, freed=appointment)
                messages.success(
                    request, f"Booked the freed slot for {booked.patient.display_name}."
                )
                return redirect("scheduling:detail", appointment_id=booked.pk)
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
            if action == "offer":
                messages.error(request, error.message)
                return redirect("scheduling:detail", appointment_id=appointment.pk)
            form_add_domain_error(move_form if action == "move" else reason_form, error)
    return render(
        request,
        "reminders/appointment_detail.html",
        {
            "appointment": appointment,
            "local_start": local,
            "local_end": appointment.ends_at.astimezone(clinic.zone),
            "move_form": move_form,
            "reason_form": reason_form,
            "is_booked": appointment.status == AppointmentStatus.BOOKED,
            "escort": escort_statuses_for_appointments([appointment])[appointment.pk],
            "offers": waitlist_matches(appointment=appointment)
            if appointment.status in {AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW}
            and appointment.starts_at > timezone.now()
            else [],
            "day_url": reverse("scheduling:day") + f"?day={local.date().isoformat()}",
            "nav": "schedule",
        },
    )
