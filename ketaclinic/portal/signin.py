"""Two-step sign-in for patients: after the password, the authenticator app when the patient has
set one up, otherwise a one-time code sent by email (allauth's login-by-code stage: six digits,
single use, expiring, a few tries; settings ACCOUNT_LOGIN_BY_CODE_*). Staff are unchanged: they
always use their authenticator app (accounts.middleware.RequireStaffMfaMiddleware)."""

from __future__ import annotations

from allauth.account.models import Login
from allauth.mfa.models import Authenticator

from ketaclinic.accounts.adapters import ClinicAccountAdapter
from ketaclinic.patients.models import Patient


class SignInAdapter(ClinicAccountAdapter):
    def is_login_by_code_required(self, login: Login) -> bool:
        user = login.user
        if user is None or not Patient.objects.filter(portal_user=user).exists():
            return False
        if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            return False  # allauth's authenticator stage asks for the app's code instead
        return super().is_login_by_code_required(login)
