"""Reads of patients, always through the access door (patients/access.py)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.patients.access import patients_for_staff
from ketaclinic.patients.models import Patient


def patient_list_for_clinic(
    *, user: User | AnonymousUser, clinic: Clinic, search: str = "", stage: str = ""
) -> QuerySet[Patient]:
    """The clinic's patients, optionally filtered by name, MRN, phone or email and stage."""
    patients = patients_for_staff(user=user, clinic=clinic)
    search = search.strip()
    if search:
        patients = patients.filter(
            Q(legal_last_name__icontains=search)
            | Q(legal_first_name__icontains=search)
            | Q(preferred_name__icontains=search)
            | Q(medical_record_number__iexact=search)
            | Q(email__iexact=search)
            | Q(phone__icontains=search)
        )
    if stage:
        patients = patients.filter(journey_stage=stage)
    audit_record(
        actor=user,
        action=AuditAction.PATIENT_LIST_VIEWED,
        clinic=clinic,
        detail={"search": bool(search), "stage": stage},
    )
    return patients.order_by("legal_last_name", "legal_first_name", "id")
