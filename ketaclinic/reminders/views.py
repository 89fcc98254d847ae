"""The patient's attendance link (no sign-in: the token is the key and carries no personal
data), a staff member's calendar feed, and the page where they turn it on or off. Thin."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ketaclinic.accounts.http import acting_user
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError, InvalidInput, NotFound
from ketaclinic.reminders.content import event_uid, local_when, preparation_for
from ketaclinic.reminders.forms import AttendanceForm
from ketaclinic.reminders.ical import CalendarEvent, calendar_text
from ketaclinic.reminders.selectors import (
    calendar_feed_active,
    calendar_feed_appointments,
    calendar_feed_get,
)
from ketaclinic.reminders.services import (
    AttendanceAnswer,
    attendance_confirm,
    attendance_link_get,
    calendar_feed_token_issue,
    calendar_feed_token_revoke,
)

NEW_FEED_SESSION_KEY = "ketaclinic.new_calendar_feed"


def _invalid(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "reminders/link_invalid.html", {"message": message}, status=404)


@never_cache
@require_http_methods(["GET", "POST"])
def attendance_link_page(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm attendance and the driver home. A refused link gets one page whatever the reason."""
    try:
        link = attendance_link_get(token=token)
    except NotFound as error:
        return _invalid(request, error.message)
    appointment = link.appointment
    preparation = preparation_for(appointment)
    form = AttendanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = AttendanceAnswer(
            is_attending=form.cleaned_data["attending"] == "yes",
            escort_name=form.cleaned_data["escort_name"],
            escort_phone=form.cleaned_data["escort_phone"],
        )
        try:
            confirmation = attendance_confirm(token=token, answer=answer)
        except NotFound as error:
            return _invalid(request, error.message)
        except InvalidInput as error:
            form.add_error(None, error.message)
            for field, problems in error.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        except DomainError as error:  # used by a second submission a moment earlier
            return _invalid(request, error.message)
        else:
            return render(
                request,
                "reminders/link_done.html",
                {"clinic": appointment.clinic, "confirmation": confirmation},
            )
    return render(
        request,
        "reminders/link_page.html",
        {
            "form": form,
            "clinic": appointment.clinic,
            "kind": appointment.get_kind_display(),
            "when": local_when(appointment),
            "instructions": preparation.lines,
            "needs_driver": preparation.is_treatment,
        },
    )


@never_cache
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The staff member's appointments as an iCalendar feed. No patient is named in it: a feed
    ends up in phone and cloud calendars; each event links to the appointment page (sign-in)."""
    try:
        feed = calendar_feed_get(token=token)
    except NotFound as error:
        raise Http404(error.message) from error
    events = [
        CalendarEvent(
            uid=event_uid(appointment),
            starts_at=appointment.starts_at,
            ends_at=appointment.ends_at,
            summary=appointment.get_kind_display()
            + (f" · {appointment.chair.name}" if appointment.chair else ""),
            description="Details (sign-in needed): "
            + settings.SITE_URL
            + reverse("scheduling:detail", args=[appointment.pk]),
            location=feed.clinic.name,
            url=settings.SITE_URL + reverse("scheduling:detail", args=[appointment.pk]),
        )
        for appointment in calendar_feed_appointments(feed=feed)
    ]
    text = calendar_text(events, stamp=timezone.now(), name=f"{feed.clinic.name} — my appointments")
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="appointments.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_settings(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    clinic = acting_clinic(request)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "issue":
            _, token = calendar_feed_token_issue(acting_user=user, clinic=clinic)
            request.session[NEW_FEED_SESSION_KEY] = settings.SITE_URL + reverse(
                "reminders:feed", args=[token]
            )
            messages.success(
                request, "Your new calendar address is below. Any older one has stopped working."
            )
        elif action == "revoke":
            calendar_feed_token_revoke(acting_user=user, clinic=clinic)
            messages.success(request, "Your calendar feed is turned off.")
        return redirect("reminders:feed_settings")
    return render(
        request,
        "reminders/feed_settings.html",
        {
            "feed": calendar_feed_active(user_id=user.pk, clinic_id=clinic.pk),
            "new_feed_url": request.session.pop(NEW_FEED_SESSION_KEY, None),
            "clinic": clinic,
        },
    )
