"""Session limits (idle and absolute) and the rule that every staff account uses MFA."""

from __future__ import annotations

import time
from collections.abc import Callable

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record, audit_refusal
from ketaclinic.core.errors import DomainError, PermissionRefused

SIGNED_IN_AT_KEY = "ketaclinic.signed_in_at"
LAST_SEEN_AT_KEY = "ketaclinic.last_seen_at"


class SessionLimitsMiddleware:
    """End a session after SESSION_IDLE_MINUTES without a request, or SESSION_ABSOLUTE_HOURS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = time.time()
            signed_in_at = request.session.setdefault(SIGNED_IN_AT_KEY, now)
            last_seen_at = request.session.get(LAST_SEEN_AT_KEY, now)
            reason = ""
            if now - last_seen_at > settings.SESSION_IDLE_MINUTES * 60:
                reason = f"after {settings.SESSION_IDLE_MINUTES} minutes without activity"
            elif now - signed_in_at > settings.SESSION_ABSOLUTE_HOURS * 3600:
                reason = f"after {settings.SESSION_ABSOLUTE_HOURS} hours"
            if reason:
                audit_record(
                    actor=request.user,
                    action=AuditAction.SESSION_EXPIRED,
                    detail={"reason": reason},
                )
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                messages.info(request, f"You were signed out {reason}. Please sign in again.")
                return redirect(f"{reverse('account_login')}?next={request.path}")
            request.session[LAST_SEEN_AT_KEY] = now
        return self.get_response(request)


_MFA_EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/api/")


class RequireStaffMfaMiddleware:
    """A staff member without an authenticator app goes to enrolment before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_MFA_EXEMPT_PREFIXES)
            and getattr(request, "user_memberships", None)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request,
                "Every staff account uses two-step sign-in. Set up your authenticator app first.",
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


class DomainErrorMiddleware:
    """A refusal that escapes a view becomes a clear page, never a 500; refusals are audited."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError) or request.path.startswith("/api/"):
            return None
        if isinstance(exception, PermissionRefused):
            audit_refusal(request=request, error=exception)
        return render(
            request,
            "core/refused.html",
            {"error": exception},
            status=exception.http_status,
        )
