"""allauth's forms where a code or a password is checked, limited and audited (settings
MFA_FORMS and ACCOUNT_FORMS).

The second step of sign-in (the authenticator's code, a recovery code, a patient's emailed code,
and the code that confirms it is you before a sensitive change): every wrong code is audited
(MFA_FAILED), and after SECOND_STEP_FAILURE_LIMIT of them the step is paused for that account at
that address for SECOND_STEP_COOLOFF_TIME (MFA_LOCKED), the right code included. Behind it,
allauth's own limit per account (ACCOUNT_RATE_LIMITS["login_failed"]) stops guesses spread over
many addresses by someone who has the password; when it refuses, that is audited too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.forms import ChangePasswordForm, ConfirmLoginCodeForm
from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django.core.exceptions import ValidationError

from ketaclinic.accounts.attempts import (
    attempt_abandoned,
    attempt_begin,
    attempt_failed,
    attempt_succeeded,
    second_step_limit,
    subject_at,
)
from ketaclinic.accounts.lockout import second_step_paused_message
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record

# allauth's error codes: a code that did not match, and its own per-account limit.
_INCORRECT_CODE = "incorrect_code"
_ACCOUNT_LIMIT_REACHED = "too_many_login_attempts"


def second_step_checked(
    *, user: Any, check: Callable[[], str], step: str, reauthentication: bool = False
) -> str:
    """Run allauth's `check` of a second-step code under the per account and address limit."""
    request = context.request
    limit = second_step_limit()
    detail: dict[str, Any] = {"step": step, "reauthentication": reauthentication}
    attempt = attempt_begin(limit, subject=subject_at(request, user.pk))
    if attempt is None:
        audit_record(
            actor=user,
            action=AuditAction.MFA_LOCKED,
            outcome=AuditOutcome.REFUSED,
            detail={**detail, "scope": "address"},
        )
        raise ValidationError(
            second_step_paused_message(minutes=limit.minutes), code="second_step_paused"
        )
    try:
        code = check()
    except ValidationError as error:
        reason = getattr(error, "code", None)
        if reason != _INCORRECT_CODE:
            attempt_abandoned(attempt)  # the code was not compared
            if reason == _ACCOUNT_LIMIT_REACHED:
                audit_record(
                    actor=user,
                    action=AuditAction.MFA_LOCKED,
                    outcome=AuditOutcome.REFUSED,
                    detail={**detail, "scope": "account"},
                )
            raise
        audit_record(
            actor=user, action=AuditAction.MFA_FAILED, outcome=AuditOutcome.FAILED, detail=detail
        )
        if attempt_failed(attempt):
            audit_record(
                actor=user,
                action=AuditAction.MFA_LOCKED,
                outcome=AuditOutcome.REFUSED,
                detail={**detail, "scope": "address", "pause_minutes": limit.minutes},
            )
            # Said now, so that nobody types a right code into a paused step without knowing.
            raise ValidationError(
                second_step_paused_message(minutes=limit.minutes), code="second_step_paused"
            ) from error
        raise
    attempt_succeeded(attempt)
    return code


class SecondStepForm(AuthenticateForm):
    """Sign-in's second step: the authenticator's code or a recovery code."""

    def clean_code(self) -> str:
        return second_step_checked(user=self.user, check=super().clean_code, step="authenticator")


class SecondStepReauthenticateForm(ReauthenticateForm):
    """ "Confirm it is you" with the authenticator, before a sensitive change."""

    def clean_code(self) -> str:
        return second_step_checked(
            user=self.user,
            check=super().clean_code,
            step="authenticator",
            reauthentication=True,
        )


class EmailedCodeForm(ConfirmLoginCodeForm):
    """A patient's second step: the code sent by email (allauth also ends the attempt after
    ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS wrong ones, and the code expires)."""

    def clean_code(self) -> str:
        user = _user_signing_in()
        if user is None:  # no sign-in under way: allauth refuses the code on its own
            code: str = super().clean_code()
            return code
        return second_step_checked(user=user, check=super().clean_code, step="emailed_code")


def _user_signing_in() -> Any:
    """The account whose sign-in is waiting for its code (allauth's pending login stage)."""
    stage = getattr(context.request, "_login_stage", None)
    login = getattr(stage, "login", None)
    return getattr(login, "user", None)


class CurrentPasswordChangeForm(ChangePasswordForm):
    """Changing one's password: the current one is checked as a sign-in is (django-axes for this
    account at this address, the per-address ceiling, the audit trail), not compared quietly."""

    def clean_oldpassword(self) -> str:
        password: str = self.cleaned_data.get("oldpassword", "")
        adapter = get_adapter()
        if not adapter.reauthenticate(self.user, password):
            raise adapter.validation_error("enter_current_password")
        return password
