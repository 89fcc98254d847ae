"""The clinic a staff member is acting at: chosen from their memberships, kept in the session."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import remember_memberships
from ketaclinic.clinics.selectors import active_membership_for_request, membership_list_for_user


class ActiveClinicMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        memberships = (
            list(membership_list_for_user(user=user)) if user and user.is_authenticated else []
        )
        if memberships:
            remember_memberships(user=cast(User, user), memberships=memberships)
        membership = active_membership_for_request(request, memberships)
        request.user_memberships = memberships  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic if membership else None  # type: ignore[attr-defined]
        # Staff read every time in their clinic's own time zone; storage stays UTC.
        if membership is not None:
            timezone.activate(membership.clinic.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
