"""The door to a patient's message thread for staff. The clinic's thread page reaches the patient
only through here: the patient's door (patients/access.py) checks the permission to message
patients, scopes to the acting clinic, and records the read as a view of the chart. The portal's
own thread is the patient's, reached through their account, and is not a staff read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.accounts.roles import Action
from ketaclinic.patients.access import patient_get_for_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.patients.models import Patient


def thread_patient_get_for_staff(
    *, user: User | AnonymousUser, clinic: Clinic, patient_id: int
) -> Patient:
    """The patient whose thread a staff member opens (to read it or to reply)."""
    return patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.PATIENT_MESSAGE
    )
