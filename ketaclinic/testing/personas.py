"""The personas every access rule is tested against (CONVENTIONS.md §9).

Two clinics of one organization. At clinic A: two physicians (alice, the medical director, and
bob), a nurse (nina), front desk (fran), a therapist (theo), a clinic admin (ada) and an auditor
(otto). At clinic B: charlie, a physician who does not work at A. A patient with a portal account
(pat) and another patient (quinn) at A, and a patient at B (bea).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import CredentialKind, Role
from ketaclinic.clinics.models import Clinic
from ketaclinic.patients.models import Patient
from ketaclinic.testing.factories import ClinicFactory, PatientFactory, UserFactory, staff_member

PHYSICIAN_CREDENTIALS = (
    CredentialKind.MEDICAL_LICENSE,
    CredentialKind.DEA_REGISTRATION,
    CredentialKind.ACLS,
)
NURSE_CREDENTIALS = (CredentialKind.NURSING_LICENSE, CredentialKind.ACLS)


@dataclass
class Personas:
    clinic: Clinic
    other_clinic: Clinic
    alice: User  # medical director at clinic
    bob: User  # physician at clinic
    nina: User  # nurse at clinic
    fran: User  # front desk at clinic
    theo: User  # therapist at clinic
    ada: User  # clinic admin at clinic
    otto: User  # auditor at clinic
    charlie: User  # physician at other_clinic only
    pat_user: User  # portal account of `pat`
    pat: Patient
    quinn: Patient
    bea: Patient  # patient at other_clinic

    def staff_by_role(self) -> dict[Role, User]:
        return {
            Role.MEDICAL_DIRECTOR: self.alice,
            Role.PHYSICIAN: self.bob,
            Role.NURSE: self.nina,
            Role.FRONT_DESK: self.fran,
            Role.THERAPIST: self.theo,
            Role.CLINIC_ADMIN: self.ada,
            Role.AUDITOR: self.otto,
        }


def make_personas() -> Personas:
    # factory_boy is untyped: its calls return the model instances these casts name.
    clinic = cast(Clinic, ClinicFactory(name="Clinic A", slug="clinic-a"))
    other = cast(Clinic, ClinicFactory(name="Clinic B", slug="clinic-b"))
    pat_user = cast(User, UserFactory(email="pat@mail.test", full_name="Pat Patient"))
    return Personas(
        clinic=clinic,
        other_clinic=other,
        alice=staff_member(
            clinic,
            Role.MEDICAL_DIRECTOR,
            credentials=PHYSICIAN_CREDENTIALS,
            email="alice@clinic.test",
            full_name="Alice Director",
        ),
        bob=staff_member(
            clinic,
            Role.PHYSICIAN,
            credentials=PHYSICIAN_CREDENTIALS,
            email="bob@clinic.test",
            full_name="Bob Physician",
        ),
        nina=staff_member(
            clinic,
            Role.NURSE,
            credentials=NURSE_CREDENTIALS,
            email="nina@clinic.test",
            full_name="Nina Nurse",
        ),
        fran=staff_member(clinic, Role.FRONT_DESK, email="fran@clinic.test", full_name="Fran Desk"),
        theo=staff_member(
            clinic,
            Role.THERAPIST,
            credentials=(CredentialKind.THERAPY_LICENSE,),
            email="theo@clinic.test",
            full_name="Theo Therapist",
        ),
        ada=staff_member(clinic, Role.CLINIC_ADMIN, email="ada@clinic.test", full_name="Ada Admin"),
        otto=staff_member(clinic, Role.AUDITOR, email="otto@clinic.test", full_name="Otto Auditor"),
        charlie=staff_member(
            other,
            Role.PHYSICIAN,
            credentials=PHYSICIAN_CREDENTIALS,
            email="charlie@clinic.test",
            full_name="Charlie Elsewhere",
        ),
        pat_user=pat_user,
        pat=cast(
            Patient, PatientFactory(clinic=clinic, legal_first_name="Pat", portal_user=pat_user)
        ),
        quinn=cast(Patient, PatientFactory(clinic=clinic, legal_first_name="Quinn")),
        bea=cast(Patient, PatientFactory(clinic=other, legal_first_name="Bea")),
    )
