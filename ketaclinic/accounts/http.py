"""Small helpers for views: the acting user and clinic, typed, refusing when absent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

from ketaclinic.accounts.models import User
from ketaclinic.core.errors import NoActiveClinic, PermissionRefused

if TYPE_CHECKING:
    from ketaclinic.clinics.models import Clinic


def acting_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionRefused("Please sign in.")
    return user


def acting_clinic(request: HttpRequest) -> Clinic:
    clinic: Clinic | None = getattr(request, "clinic", None)
    if clinic is None:
        raise NoActiveClinic("You are not working at any clinic. Ask your clinic admin to add you.")
    return clinic
