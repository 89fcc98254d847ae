"""allauth hooks: no self sign-up (staff are added by a clinic admin); staff keep their MFA."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from ketaclinic.accounts.models import StaffMembership


class ClinicAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


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
