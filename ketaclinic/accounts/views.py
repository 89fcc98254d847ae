"""The signed-in person's own account page: clinics, roles, credentials, two-step sign-in."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ketaclinic.accounts.http import acting_user


@login_required
def my_account(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    return render(
        request,
        "accounts/my_account.html",
        {
            "memberships": getattr(request, "user_memberships", []),
            "credentials": user.credentials.all(),
            "has_totp": Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists(),
        },
    )
