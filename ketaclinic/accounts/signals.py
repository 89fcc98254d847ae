"""Sign-in events into the audit trail. (Signals only for auth events Django and axes emit.)"""

from __future__ import annotations

import time
from typing import Any

from allauth.mfa.signals import authenticator_added
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from ketaclinic.accounts.middleware import LAST_SEEN_AT_KEY, SIGNED_IN_AT_KEY
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT_KEY] = time.time()
        request.session[LAST_SEEN_AT_KEY] = time.time()
    audit_record(actor=user, action=AuditAction.SIGN_IN)


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditAction.SIGN_OUT)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    attempted = str(credentials.get("email") or credentials.get("username") or "")[:254]
    audit_record(
        actor=None,
        action=AuditAction.SIGN_IN_FAILED,
        outcome=AuditOutcome.FAILED,
        actor_label=attempted.lower(),
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    audit_record(
        actor=None,
        action=AuditAction.ACCOUNT_LOCKED,
        outcome=AuditOutcome.REFUSED,
        actor_label=(username or "")[:254],
    )


@receiver(authenticator_added)
def _mfa_enrolled(sender: Any, request: HttpRequest, authenticator: Any, **kwargs: Any) -> None:
    audit_record(
        actor=authenticator.user,
        action=AuditAction.MFA_ENROLLED,
        detail={"type": authenticator.type},
    )
