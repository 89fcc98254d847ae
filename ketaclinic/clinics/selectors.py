"""Reads about clinics and the acting user's memberships."""

from __future__ import annotations

import datetime
import functools
import json

from django.db.models import QuerySet
from django.http import HttpRequest

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.clinics.models import Clinic
from ketaclinic.medicine.config import ClinicRules, load_clinic_rules

ACTIVE_CLINIC_SESSION_KEY = "ketaclinic.active_clinic_id"


def membership_list_for_user(*, user: User) -> QuerySet[StaffMembership]:
    return (
        StaffMembership.objects.filter(user=user, is_active=True, clinic__is_active=True)
        .select_related("clinic")
        .order_by("clinic__name")
    )


def active_membership_for_request(
    request: HttpRequest, memberships: list[StaffMembership]
) -> StaffMembership | None:
    """The membership at the clinic chosen in this session, or the user's first one."""
    if not memberships:
        return None
    chosen_id = request.session.get(ACTIVE_CLINIC_SESSION_KEY)
    for membership in memberships:
        if membership.clinic_id == chosen_id:
            return membership
    return memberships[0]


def public_clinic_get(*, slug: str = "") -> Clinic | None:
    """The clinic whose details the public website shows."""
    clinics = Clinic.objects.filter(is_active=True).prefetch_related("opening_hours")
    if slug:
        return clinics.filter(slug=slug).first()
    return clinics.order_by("created_at", "id").first()


def staff_list_for_clinic(*, clinic: Clinic) -> QuerySet[StaffMembership]:
    """Everyone who works at the clinic, with their credentials, in two queries."""
    return (
        StaffMembership.objects.filter(clinic=clinic)
        .select_related("user")
        .prefetch_related("user__credentials")
        .order_by("-is_active", "user__full_name")
    )


def credentials_expiring_for_clinic(*, clinic: Clinic, within_days: int) -> QuerySet[Credential]:
    """Credentials of the clinic's active staff that lapse within `within_days` (or have lapsed)."""
    horizon = clinic.local_today() + datetime.timedelta(days=within_days)
    return (
        Credential.objects.filter(
            user__memberships__clinic=clinic,
            user__memberships__is_active=True,
            expires_on__lte=horizon,
        )
        .select_related("user")
        .order_by("expires_on")
    )


def clinic_rules_get(*, clinic: Clinic) -> ClinicRules:
    """The clinic's clinical rules: the defaults of CLINICAL.md with its checked overrides.

    The overrides were checked when saved; should a stored value no longer load (a rule tightened
    in a later release), this raises rather than quietly falling back to the defaults.
    """
    return _rules_for(json.dumps(clinic.rule_overrides or {}, sort_keys=True))


@functools.lru_cache(maxsize=256)
def _rules_for(overrides_json: str) -> ClinicRules:
    # The rules are frozen and a pure function of the overrides: built once per distinct set
    # (each reading charted at the chair reads them; building them is ~0.5 ms).
    return load_clinic_rules(json.loads(overrides_json))
