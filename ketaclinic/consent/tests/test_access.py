"""The doors to signed consents: who may reach one by id, what is recorded, and that another
clinic's signature and a missing one look the same."""

from __future__ import annotations

import pytest

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.access import consent_pdf_for_staff, consent_signature_get_for_staff
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.courses.tests.support import consent
from ketaclinic.testing.clinical import approve
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _signed(personas: Personas) -> ConsentSignature:
    approve(personas, personas.pat)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    return ConsentSignature.objects.get(patient=personas.pat)


@pytest.mark.parametrize("role", list(Role))
def test_a_signature_follows_the_matrix_for_every_role(personas: Personas, role: Role) -> None:
    signature = _signed(personas)
    user = personas.staff_by_role()[role]
    views = AuditEvent.objects.filter(
        actor_id=user.pk, patient_id=personas.pat.pk, action=AuditAction.PATIENT_CHART_VIEWED
    )
    if role in PERMISSIONS[Action.PATIENT_LIST].roles:
        read, patient = consent_signature_get_for_staff(
            user=user, clinic=personas.clinic, signature_id=signature.pk
        )
        assert (read, patient) == (signature, personas.pat)
        assert [event.detail for event in views] == [{"purpose": Action.PATIENT_LIST.value}]
    else:
        with pytest.raises(PermissionRefused):
            consent_signature_get_for_staff(
                user=user, clinic=personas.clinic, signature_id=signature.pk
            )
        assert not views.exists()


def test_another_clinics_signature_and_a_missing_one_look_the_same(personas: Personas) -> None:
    signature = _signed(personas)
    with pytest.raises(NotFound) as other_clinic:
        consent_signature_get_for_staff(
            user=personas.charlie, clinic=personas.other_clinic, signature_id=signature.pk
        )
    with pytest.raises(NotFound) as missing:
        consent_signature_get_for_staff(
            user=personas.charlie, clinic=personas.other_clinic, signature_id=999_999
        )
    assert other_clinic.value.message == missing.value.message


def test_a_staff_download_is_recorded_with_its_channel(personas: Personas) -> None:
    signature = _signed(personas)
    response = consent_pdf_for_staff(
        user=personas.fran, clinic=personas.clinic, signature_id=signature.pk, channel="staff"
    )
    assert response["Content-Type"] == "application/pdf"
    downloaded = AuditEvent.objects.get(action=AuditAction.CONSENT_DOWNLOADED)
    assert (downloaded.actor_id, downloaded.patient_id) == (personas.fran.pk, personas.pat.pk)
    assert downloaded.detail == {"copy": "as_signed", "channel": "staff"}
