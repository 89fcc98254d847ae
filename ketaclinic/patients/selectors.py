"""Reads of patients, always through the access door (patients/access.py)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Page
from django.db.models import Q, QuerySet

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.patients.access import patients_for_staff
from ketaclinic.patients.models import Patient
from ketaclinic.patients.search import PatientSearchTerms, parse_patient_search


def patient_list_for_clinic(
    *, user: User | AnonymousUser, clinic: Clinic, search: str = "", stage: str = ""
) -> QuerySet[Patient]:
    """The clinic's patients, optionally filtered by stage and by a search: name words, MRN,
    date of birth (see `patients.search`), phone or email."""
    patients = patients_for_staff(user=user, clinic=clinic)
    terms = parse_patient_search(search, today=clinic.local_today())
    if terms.text:
        patients = patients.filter(_matching(terms))
    if stage:
        patients = patients.filter(journey_stage=stage)
    audit_record(
        actor=user,
        action=AuditAction.PATIENT_LIST_VIEWED,
        clinic=clinic,
        detail={"search": bool(terms.text), "stage": stage},
    )
    return patients.order_by("legal_last_name", "legal_first_name", "id")


def _matching(terms: PatientSearchTerms) -> Q:
    # The whole query as one value, or else every word in a name and every date the birthday:
    # "Smith, Pat", "pat smith 04/12/1985" and "CAT-00012" each find the one patient.
    whole = (
        Q(medical_record_number__iexact=terms.text)
        | Q(email__iexact=terms.text)
        | Q(phone__icontains=terms.text)
    )
    if not terms.by_name_or_birth:
        return whole
    each = Q()
    for word in terms.words:
        each &= (
            Q(legal_last_name__icontains=word)
            | Q(legal_first_name__icontains=word)
            | Q(preferred_name__icontains=word)
        )
    for born in terms.dates_of_birth:
        each &= Q(date_of_birth=born)
    return whole | each


def patient_found_by_mrn(*, page: Page[Patient], search: str) -> Patient | None:
    """The patient a search found alone by typing their MRN exactly (read off a wristband or a
    label): the navigation's search opens their chart instead of a list of one. Reads the page
    already fetched; no query of its own."""
    wanted = search.strip().casefold()
    if not wanted or page.paginator.count != 1:
        return None
    patient = page[0]
    return patient if patient.medical_record_number.casefold() == wanted else None
