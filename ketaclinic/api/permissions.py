"""Who may call the API at all: a token, or a signed-in staff member who has enrolled MFA."""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from rest_framework import permissions
from rest_framework.request import Request

from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NoActiveClinic, PermissionRefused


class IsStaffWithSecondFactor(permissions.BasePermission):
    message = "Sign in first."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            return False
        if isinstance(request.auth, ApiToken):
            return True
        # A browser session: staff must have finished enrolling their authenticator app, as the
        # web pages require (the web middleware leaves /api/ to this check).
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            raise PermissionRefused(
                "Set up two-step sign-in (an authenticator app) before using the API."
            )
        return True


def api_clinic(request: Request) -> Clinic:
    """The clinic this call acts at: the token's clinic, or the session's chosen clinic."""
    clinic: Clinic | None = getattr(request._request, "clinic", None)
    if clinic is None:
        raise NoActiveClinic("This account does not work at any clinic.")
    return clinic
