"""Small helpers for views: the acting user, typed, refusing when absent (the acting clinic is
`clinics.http.acting_clinic`)."""

from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import PermissionRefused


def acting_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionRefused("Please sign in.")
    return user
