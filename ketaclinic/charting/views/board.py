"""The session day at a glance: the clinical board (clinicians), the arrivals list (front desk
and clinic admin) and check-in. Thin: the doors in charting/board.py check who may see which
and record each look (the page view; the 15-second refreshes at most once a quarter hour)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import has_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.charting.board import arrivals_for_user, session_board_for_user
from ketaclinic.charting.selectors import BoardStatus, notes_to_sign
from ketaclinic.charting.services import session_check_in
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, PermissionRefused
from ketaclinic.scheduling.models import Appointment


def _board_day(request: HttpRequest, clinic: Clinic) -> datetime.date:
    try:
        return datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return clinic.local_today()


def _board_context(request: HttpRequest, *, refresh: bool) -> dict[str, Any]:
    clinic = acting_clinic(request)
    day = _board_day(request, clinic)
    chairs = session_board_for_user(
        user=acting_user(request), clinic=clinic, day=day, refresh=refresh
    )
    counts: dict[str, int] = {}
    for chair in chairs:
        for row in chair.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
    return {
        "chairs": chairs,
        "day": day,
        "is_today": day == clinic.local_today(),
        "counts": [(BoardStatus.LABELS[key], counts.get(key, 0)) for key in BoardStatus.LABELS],
        "now": timezone.now(),
        "nav": "board",
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Today's patients by chair with their live status; the page refreshes its body itself."""
    context = _board_context(request, refresh=False)
    clinic = acting_clinic(request)
    if has_permission(user=acting_user(request), action=Action.SESSION_CHART, clinic=clinic):
        context["to_sign"] = notes_to_sign(clinic=clinic)
    return render(request, "charting/board.html", context)


@login_required
def board_fragment(request: HttpRequest) -> HttpResponse:
    return render(
        request, "charting/includes/board_body.html", _board_context(request, refresh=True)
    )


def _arrivals_context(request: HttpRequest, *, refresh: bool) -> dict[str, Any]:
    clinic = acting_clinic(request)
    day = _board_day(request, clinic)
    rows = arrivals_for_user(user=acting_user(request), clinic=clinic, day=day, refresh=refresh)
    return {
        "rows": rows,
        "day": day,
        "is_today": day == clinic.local_today(),
        "now": timezone.now(),
        "nav": "arrivals",
    }


@login_required
def arrivals(request: HttpRequest) -> HttpResponse:
    """The day's treatment visits for the front desk: who is expected, here, in treatment or
    ready to go home, and whether their escort is confirmed; no clinical detail."""
    return render(request, "charting/arrivals.html", _arrivals_context(request, refresh=False))


@login_required
def arrivals_fragment(request: HttpRequest) -> HttpResponse:
    return render(
        request, "charting/includes/arrivals_body.html", _arrivals_context(request, refresh=True)
    )


def _day_page(user: User, clinic: Clinic) -> str:
    """Where a person goes back to: the board if they may see it, else the arrivals list."""
    if has_permission(user=user, action=Action.SESSION_BOARD_VIEW, clinic=clinic):
        return "charting:board"
    return "charting:arrivals"


@login_required
@require_POST
def check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    clinic = acting_clinic(request)
    user = acting_user(request)
    appointment = get_object_or_404(Appointment, clinic=clinic, pk=appointment_id)
    try:
        session = session_check_in(acting_user=user, appointment=appointment)
    except PermissionRefused:
        raise
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(_day_page(user, clinic))
    messages.success(request, f"{appointment.patient.display_name} is checked in.")
    if has_permission(user=user, action=Action.SESSION_CHART, clinic=clinic):
        return redirect("charting:session", session_id=session.pk)
    return redirect(_day_page(user, clinic))
