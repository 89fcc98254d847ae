"""The one door to patient rows. Views, the API and the portal reach a patient only through here.

The same NotFound answers "no such patient" and "not yours", so existence is never disclosed, and
every successful chart access is written to the audit trail.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import NotFound
from ketaclinic.patients.models import Patient

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic

PATIENT_NOT_FOUND = "No such patient at this clinic."


def patients_for_staff(*, user: User | AnonymousUser, clinic: Clinic) -> QuerySet[Patient]:
    """Every patient of the acting clinic, for a staff member allowed to list them."""
    require_permission(user=user, action=Action.PATIENT_LIST, clinic=clinic)
    return Patient.objects.filter(clinic=clinic)


def patient_in_clinic(*, clinic: Clinic, patient_id: int) -> Patient | None:
    """The patient at `clinic`, its read not recorded (a door records it); None for missing and
    for another clinic's alike, so the caller answers one 404."""
    patient = Patient.objects.filter(clinic=clinic, pk=patient_id).first()
    if patient is not None:
        patient.clinic = clinic  # the same row: not joined and read again
    return patient


def patient_get_for_staff(
    *,
    user: User | AnonymousUser,
    clinic: Clinic,
    patient_id: int,
    action: Action = Action.PATIENT_CHART_VIEW,
) -> Patient:
    require_permission(user=user, action=action, clinic=clinic)
    patient = patient_in_clinic(clinic=clinic, patient_id=patient_id)
    if patient is None:
        raise NotFound(PATIENT_NOT_FOUND)
    audit_record(
        actor=user,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=patient,
        detail={"purpose": action.value},
    )
    return patient


def patient_get_for_portal_user(*, user: User | AnonymousUser) -> Patient:
    """The patient record behind a portal account; a staff account has none."""
    if not user.is_authenticated:
        raise NotFound(PATIENT_NOT_FOUND)
    patient = Patient.objects.filter(portal_user=user).select_related("clinic").first()
    if patient is None:
        raise NotFound("This account is not linked to a patient record.")
    return patient
