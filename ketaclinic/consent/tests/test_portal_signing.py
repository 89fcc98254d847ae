"""Signing in the patient portal: the signature awaits a staff witness and counts as consent only
once witnessed; the PDF says who signed, when and where, and who witnessed (issue 4)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.models import ConsentSignature, SigningPlace, Treatment, WitnessMethod
from ketaclinic.consent.services import (
    consent_current,
    consent_sign,
    consent_sign_in_portal,
    consent_treatments_open_to_patient,
    consent_witness,
    consent_witness_decline,
    require_current_consent,
    signed_consent_html,
)
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(personas: Personas) -> Any:
    approve(personas, personas.pat)
    return publish_iv_consent(personas)


def sign_in_portal(personas: Personas, document: Any, **changes: Any) -> ConsentSignature:
    arguments = {
        "patient_user": personas.pat_user,
        "patient": personas.pat,
        "document": document,
        "typed_name": "Pat Example",
        "drawn_signature_data_url": drawn_signature(),
        **changes,
    }
    return consent_sign_in_portal(**arguments)


def test_a_portal_signature_awaits_a_witness_and_is_not_current(
    personas: Personas, document: Any
) -> None:
    signature = sign_in_portal(personas, document)
    assert signature.signed_in == SigningPlace.PORTAL
    assert signature.witness is None
    assert signature.witnessed_at is None
    assert bytes(signature.pdf).startswith(b"%PDF")
    assert consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) is None
    with pytest.raises(PreconditionFailed, match="awaits a staff witness"):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)
    html = signed_consent_html(signature)
    assert "Patient portal" in html
    assert "Awaiting witness" in html
    event = AuditEvent.objects.get(
        action=AuditAction.CONSENT_SIGNED_IN_PORTAL, patient_id=personas.pat.pk
    )
    assert event.actor_id == personas.pat_user.pk
    assert event.actor_role == "patient"
    assert event.detail["awaiting_witness"] is True


def test_witnessing_makes_it_current_and_adds_a_witnessed_copy(
    personas: Personas, document: Any
) -> None:
    signature = sign_in_portal(personas, document)
    pdf_before = bytes(signature.pdf)
    witnessed = consent_witness(
        witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO
    )
    assert witnessed.witness == personas.nina
    assert witnessed.witnessed_at is not None
    stored = ConsentSignature.objects.get()
    assert bytes(stored.pdf) == pdf_before  # kept as signed
    assert bytes(stored.witness_pdf or b"") not in (b"", pdf_before)
    html = signed_consent_html(witnessed)
    assert "Nina Nurse" in html
    assert "video call" in html
    assert "Awaiting witness" not in html
    assert require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE) == (
        witnessed
    )
    assert AuditEvent.objects.filter(
        action=AuditAction.CONSENT_WITNESSED, actor_id=personas.nina.pk, detail__witnessed=True
    ).exists()


def test_a_consent_signed_in_the_portal_cannot_be_signed_twice(
    personas: Personas, document: Any
) -> None:
    signature = sign_in_portal(personas, document)
    with pytest.raises(PreconditionFailed, match="already signed this consent"):
        sign_in_portal(personas, document)
    with pytest.raises(PreconditionFailed, match="confirm that signature as its witness"):
        consent_sign(
            witness=personas.nina,
            patient=personas.pat,
            document=document,
            typed_name="Pat Example",
            drawn_signature_data_url=drawn_signature(),
        )
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.IN_PERSON)
    with pytest.raises(PreconditionFailed, match="already have a current consent"):
        sign_in_portal(personas, document)
    with pytest.raises(PreconditionFailed, match="already witnessed"):
        consent_witness(witness=personas.bob, signature=signature, method=WitnessMethod.IN_PERSON)
    assert ConsentSignature.objects.count() == 1


def test_a_stale_version_is_neither_signed_nor_witnessed(personas: Personas, document: Any) -> None:
    signature = sign_in_portal(personas, document)
    publish_iv_consent(personas, title="Consent to IV ketamine, revised")
    with pytest.raises(PreconditionFailed, match="newer version"):
        consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    with pytest.raises(PreconditionFailed, match="newer version"):
        sign_in_portal(personas, document)
    signature.refresh_from_db()
    assert signature.witnessed_at is None


def test_a_lapsed_portal_signature_cannot_be_witnessed(personas: Personas, document: Any) -> None:
    signature = sign_in_portal(personas, document)
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(days=181)),
        pytest.raises(PreconditionFailed, match="lapsed"),
    ):
        consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)


def test_a_wrong_typed_name_or_missing_drawing_is_refused_and_nothing_saved(
    personas: Personas, document: Any
) -> None:
    with pytest.raises(InvalidInput, match="legal name exactly") as refusal:
        sign_in_portal(personas, document, typed_name="Patricia Example")
    assert "typed_name" in refusal.value.fields
    with pytest.raises(InvalidInput, match="Draw the signature"):
        sign_in_portal(personas, document, drawn_signature_data_url="")
    assert not ConsentSignature.objects.exists()


def test_only_an_approved_patient_signs_and_only_their_own(personas: Personas) -> None:
    document = publish_iv_consent(personas)
    assert consent_treatments_open_to_patient(patient=personas.pat) == []
    with pytest.raises(PreconditionFailed, match="not approved you"):
        sign_in_portal(personas, document)
    approve(personas, personas.quinn)
    with pytest.raises(PermissionRefused, match="your own consent"):
        sign_in_portal(personas, document, patient=personas.quinn, typed_name="Quinn Example")
    with pytest.raises(PermissionRefused):
        sign_in_portal(personas, document, patient_user=personas.nina)
    assert not ConsentSignature.objects.exists()


@pytest.mark.parametrize("role", list(Role))
def test_witnessing_follows_the_matrix(personas: Personas, document: Any, role: Role) -> None:
    signature = sign_in_portal(personas, document)
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.CONSENT_WITNESS].roles:
        consent_witness(witness=user, signature=signature, method=WitnessMethod.IN_PERSON)
        assert consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) is not None
    else:
        with pytest.raises(PermissionRefused):
            consent_witness(witness=user, signature=signature, method=WitnessMethod.IN_PERSON)
        assert consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) is None


def test_a_physician_at_another_clinic_and_the_patient_cannot_witness(
    personas: Personas, document: Any
) -> None:
    signature = sign_in_portal(personas, document)
    for user in (personas.charlie, personas.pat_user):
        with pytest.raises(PermissionRefused):
            consent_witness(witness=user, signature=signature, method=WitnessMethod.VIDEO)
    signature.refresh_from_db()
    assert signature.witnessed_at is None


def test_a_tablet_signature_is_witnessed_when_signed(personas: Personas, document: Any) -> None:
    signature = consent_sign(
        witness=personas.nina,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )
    assert signature.signed_in == SigningPlace.TABLET
    assert signature.witnessed_at == signature.signed_at
    assert "Clinic tablet" in signed_consent_html(signature)


def test_a_signature_staff_cannot_confirm_is_declined_and_the_patient_signs_again(
    personas: Personas, document: Any
) -> None:
    signature = sign_in_portal(personas, document)
    with pytest.raises(InvalidInput, match="Say why"):
        consent_witness_decline(acting_user=personas.nina, signature=signature, reason=" ")
    with pytest.raises(PermissionRefused):
        consent_witness_decline(acting_user=personas.fran, signature=signature, reason="x")
    declined = consent_witness_decline(
        acting_user=personas.nina, signature=signature, reason="Patient says they did not sign"
    )
    assert declined.declined_by == personas.nina
    assert "Not confirmed" in signed_consent_html(declined)
    with pytest.raises(PreconditionFailed, match="could not confirm"):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)
    with pytest.raises(PreconditionFailed, match="declined"):
        consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    again = sign_in_portal(personas, document)
    consent_witness(witness=personas.nina, signature=again, method=WitnessMethod.IN_PERSON)
    assert consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) == again
    assert AuditEvent.objects.filter(
        action=AuditAction.CONSENT_WITNESS_DECLINED, detail__witness_declined=True
    ).exists()


def test_a_staff_member_who_is_the_patient_cannot_witness_their_own_consent(
    personas: Personas, document: Any
) -> None:
    personas.quinn.portal_user = personas.nina
    personas.quinn.save()
    approve(personas, personas.quinn)
    signature = consent_sign_in_portal(
        patient_user=personas.nina,
        patient=personas.quinn,
        document=document,
        typed_name="Quinn Example",
        drawn_signature_data_url=drawn_signature(),
    )
    with pytest.raises(PermissionRefused, match="your own consent"):
        consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    consent_witness(witness=personas.bob, signature=signature, method=WitnessMethod.VIDEO)
