"""allauth hooks: no self sign-up (staff are added by a clinic admin); staff keep their MFA; a
network that fails many passwords is paused, without locking any account."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from ketaclinic.accounts.attempts import (
    Attempt,
    attempt_abandoned,
    attempt_begin,
    attempt_failed,
    sign_in_address_limit,
    subject_at,
)
from ketaclinic.accounts.lockout import address_paused_message, username_from_request
from ketaclinic.accounts.models import StaffMembership
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record


class ClinicAccountAdapter(DefaultAccountAdapter):
    _address_attempt: Attempt | None = None

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Before any password is compared (sign-in, re-authentication, password change).

        Replaces allauth's own throttle, which counts failures per email address from anywhere
        and so would let a stranger pause a nurse's sign-in. django-axes locks an account from one
        address; this ceiling stops one address trying many accounts. It is higher than axes'
        (a clinic's staff share one address), locks no account, and answers before looking
        anything up, so the same whether or not the account exists.
        """
        limit = sign_in_address_limit()
        self._address_attempt = attempt_begin(limit, subject=subject_at(request))
        if self._address_attempt is None:
            audit_record(
                actor=None,
                action=AuditAction.SIGN_IN_FAILED,
                outcome=AuditOutcome.REFUSED,
                actor_label=username_from_request(request, credentials)[:254],
                detail={"reason": "address_paused"},
            )
            raise ValidationError(
                address_paused_message(minutes=limit.minutes), code="too_many_login_attempts"
            )

    def authenticate(self, request: HttpRequest, **credentials: Any) -> AbstractBaseUser | None:
        user = super().authenticate(request, **credentials)
        if user is not None and self._address_attempt is not None:
            # Only failures count towards the address's ceiling.
            attempt_abandoned(self._address_attempt)
        return user

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        if self._address_attempt is not None and attempt_failed(self._address_attempt):
            limit = self._address_attempt.limit
            audit_record(
                actor=None,
                action=AuditAction.SIGN_IN_ADDRESS_PAUSED,
                outcome=AuditOutcome.REFUSED,
                detail={"failures": limit.failure_limit, "pause_minutes": limit.minutes},
            )


class ClinicMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        """Staff keep their authenticator app: two-step sign-in is required for every staff account.

        (To move to a new phone, sign in with a recovery code and ask an admin to reset it.)
        """
        if authenticator.type == Authenticator.Type.TOTP:
            return not StaffMembership.objects.filter(
                user_id=authenticator.user_id, is_active=True
            ).exists()
        return True
