"""The clinic a staff request acts at (`clinics.middleware.ActiveClinicMiddleware` sets it),
typed, refusing when there is none. The acting user is `accounts.http.acting_user`."""

from __future__ import annotations

from django.http import HttpRequest

from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import NoActiveClinic


def acting_clinic(request: HttpRequest) -> Clinic:
    clinic: Clinic | None = getattr(request, "clinic", None)
    if clinic is None:
        raise NoActiveClinic("You are not working at any clinic. Ask your clinic admin to add you.")
    return clinic
