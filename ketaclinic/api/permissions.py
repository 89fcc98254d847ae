"""Who may call the API at all, and at which clinic: a token, or a staff session with MFA."""

from __future__ import annotations

import re
from typing import Any

from allauth.mfa.models import Authenticator
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from ketaclinic.api.authentication import KEYWORD
from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NoActiveClinic, PermissionRefused

NO_CREDENTIALS = (
    f"Send an API token as `Authorization: {KEYWORD} <prefix>.<secret>`, "
    "or sign in to the staff app and use its session."
)
NOT_STAFF = "The API is for clinic staff; this account does not work at any clinic."
_SCHEME_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,19}")
NO_SECOND_FACTOR = "Set up two-step sign-in (an authenticator app) before using the API."


def _not_authenticated_message(request: Request) -> str:
    header = authentication.get_authorization_header(request).decode("latin-1").split()
    if not header:
        return NO_CREDENTIALS
    # Name the scheme only when it looks like one: a bare token pasted without "Token " must
    # not be echoed back.
    scheme = header[0]
    named = f"the “{scheme}” scheme" if _SCHEME_NAME.fullmatch(scheme) else "an unknown scheme"
    return (
        f"The Authorization header uses {named}; the API accepts only "
        f"`Authorization: {KEYWORD} <prefix>.<secret>`."
    )


class IsStaffWithSecondFactor(permissions.BasePermission):
    """A valid token, or a signed-in staff member who has enrolled an authenticator app.

    The web middleware that sends staff to MFA enrolment leaves /api/ alone (an API call cannot
    follow a redirect to a form), so the same rule is enforced here with a 403 instead.
    """

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated(_not_authenticated_message(request))
        if isinstance(request.auth, ApiToken):
            return True
        # Read once per request by ActiveClinicMiddleware, which also chose the acting clinic.
        if not getattr(request._request, "user_memberships", None):
            raise PermissionRefused(NOT_STAFF)
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            raise PermissionRefused(NO_SECOND_FACTOR)
        return True


def api_clinic(request: Request) -> Clinic:
    """The clinic this call acts at: the token's clinic, or the one chosen in the session."""
    clinic: Clinic | None = getattr(request._request, "clinic", None)
    if clinic is None:
        raise NoActiveClinic(NOT_STAFF)
    return clinic


def api_token(request: Request) -> ApiToken | None:
    """The token this call authenticated with; None for a session."""
    return request.auth if isinstance(request.auth, ApiToken) else None
