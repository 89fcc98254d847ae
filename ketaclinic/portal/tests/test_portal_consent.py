"""Consent in the portal: the approved patient reads and signs, staff witness it on the consent
page, and the patient downloads their own signed PDF and nobody else's (issue 4)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.models import ConsentSignature, Treatment, WitnessMethod
from ketaclinic.consent.services import (
    consent_current,
    consent_sign_in_portal,
    require_current_consent,
)
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.core.errors import PreconditionFailed
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.factories import UserFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

SIGN_URL = reverse("portal:consent_sign", args=[Treatment.IV_KETAMINE.value])


@pytest.fixture
def approved(personas: Personas) -> Any:
    approve(personas, personas.pat)
    return publish_iv_consent(personas)


def post_signature(client: Any, **changes: str) -> Any:
    return client.post(
        SIGN_URL,
        {
            "has_read": "on",
            "typed_name": "Pat Example",
            "drawn_signature": drawn_signature(),
            **changes,
        },
    )


def test_the_patient_signs_staff_witness_and_then_it_counts(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    client = client_for(personas.pat_user)
    page = client.get(SIGN_URL).content.decode()
    assert approved.title in page
    assert "drives me home" in page
    assert "<script>" not in page  # strict CSP: the signature pad is a static file
    assert "ketaclinic/signature.js" in page
    response = post_signature(client)
    assert response.status_code == 302
    signature = ConsentSignature.objects.get()
    assert signature.witnessed_at is None
    with pytest.raises(PreconditionFailed, match="awaits a staff witness"):
        require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE)
    home = client.get(reverse("portal:home")).content.decode()
    assert "will confirm your signature" in home
    assert reverse("portal:consent_pdf", args=[signature.pk]) in home

    staff = client_for(personas.nina)
    overview = staff.get(reverse("consent:overview", args=[personas.pat.pk])).content.decode()
    assert "awaiting witness" in overview
    assert reverse("consent:witness", args=[signature.pk]) in overview
    response = staff.post(
        reverse("consent:witness", args=[signature.pk]),
        {"method": WitnessMethod.VIDEO.value, "has_confirmed": "on"},
    )
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.witness == personas.nina
    assert signature.witness_method == WitnessMethod.VIDEO
    assert require_current_consent(patient=personas.pat, treatment=Treatment.IV_KETAMINE) == (
        signature
    )
    home = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert "valid until" in home


def test_witnessing_needs_the_identity_confirmed(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    post_signature(client_for(personas.pat_user))
    signature = ConsentSignature.objects.get()
    response = client_for(personas.nina).post(
        reverse("consent:witness", args=[signature.pk]), {"method": "in_person"}, follow=True
    )
    assert "Confirm the patient&#x27;s identity before witnessing" in response.content.decode()
    signature.refresh_from_db()
    assert signature.witnessed_at is None


def test_a_wrong_name_is_refused_and_what_was_typed_is_kept(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    response = post_signature(client_for(personas.pat_user), typed_name="Patty Exampel")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Type your full legal name exactly" in page
    assert 'value="Patty Exampel"' in page
    assert "data:image/png;base64," in page  # the drawing is kept for the pad to show again
    assert not ConsentSignature.objects.exists()


def test_signing_twice_is_refused(client_for: Any, personas: Personas, approved: Any) -> None:
    client = client_for(personas.pat_user)
    post_signature(client)
    response = post_signature(client)
    assert response.status_code == 200
    assert "you do not need to sign again" in response.content.decode()
    assert ConsentSignature.objects.count() == 1


def test_a_patient_not_approved_has_nothing_to_sign(client_for: Any, personas: Personas) -> None:
    publish_iv_consent(personas)
    client = client_for(personas.pat_user)
    assert client.get(SIGN_URL).status_code == 404
    assert post_signature(client).status_code == 404
    assert client.get(reverse("portal:consent_sign", args=["nonsense"])).status_code == 404
    assert not ConsentSignature.objects.exists()


def test_a_patient_downloads_their_own_pdf_and_nobody_elses(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    client = client_for(personas.pat_user)
    post_signature(client)
    own = ConsentSignature.objects.get()
    approve(personas, personas.quinn)
    quinns = consent_sign_in_portal(
        patient_user=_quinn_user(personas),
        patient=personas.quinn,
        document=approved,
        typed_name="Quinn Example",
        drawn_signature_data_url=drawn_signature(),
    )
    client = client_for(personas.pat_user)
    response = client.get(reverse("portal:consent_pdf", args=[own.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action=AuditAction.CONSENT_DOWNLOADED,
        actor_id=personas.pat_user.pk,
        patient_id=personas.pat.pk,
    ).exists()
    for other in (quinns.pk, 999_999):
        response = client.get(reverse("portal:consent_pdf", args=[other]))
        assert response.status_code == 404
        assert b"%PDF" not in response.content
    assert "Quinn" not in client.get(reverse("portal:home")).content.decode()


def _quinn_user(personas: Personas) -> User:
    user = cast(User, UserFactory(email="quinn@mail.test"))
    personas.quinn.portal_user = user
    personas.quinn.save()
    return user


@pytest.mark.parametrize("role", list(Role))
def test_witnessing_on_the_consent_page_follows_the_matrix(
    client_for: Any, personas: Personas, approved: Any, role: Role
) -> None:
    post_signature(client_for(personas.pat_user))
    signature = ConsentSignature.objects.get()
    client = client_for(personas.staff_by_role()[role])
    response = client.post(
        reverse("consent:witness", args=[signature.pk]),
        {"method": "in_person", "has_confirmed": "on"},
    )
    allowed = role in PERMISSIONS[Action.CONSENT_WITNESS].roles
    assert response.status_code == (302 if allowed else 403)
    signature.refresh_from_db()
    assert (signature.witnessed_at is not None) is allowed
    assert (consent_current(patient=personas.pat, treatment=Treatment.IV_KETAMINE) is not None) is (
        allowed
    )


def test_other_clinics_and_patients_cannot_witness(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    post_signature(client_for(personas.pat_user))
    signature = ConsentSignature.objects.get()
    url = reverse("consent:witness", args=[signature.pk])
    data = {"method": "in_person", "has_confirmed": "on"}
    assert client_for(personas.charlie).post(url, data).status_code == 404
    assert client_for(personas.pat_user).post(url, data).status_code == 403
    assert client_for(personas.nina).get(url).status_code == 405
    signature.refresh_from_db()
    assert signature.witnessed_at is None


@pytest.mark.parametrize("role", list(Role))
def test_staff_opening_portal_consent_pages_go_to_their_own_home(
    client_for: Any, personas: Personas, approved: Any, role: Role
) -> None:
    post_signature(client_for(personas.pat_user))
    signature = ConsentSignature.objects.get()
    client = client_for(personas.staff_by_role()[role])
    for response in (
        client.get(SIGN_URL),
        post_signature(client),
        client.get(reverse("portal:consent_pdf", args=[signature.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
    assert ConsentSignature.objects.count() == 1


def test_staff_decline_a_signature_they_cannot_confirm(
    client_for: Any, personas: Personas, approved: Any
) -> None:
    post_signature(client_for(personas.pat_user))
    signature = ConsentSignature.objects.get()
    url = reverse("consent:witness_decline", args=[signature.pk])
    assert client_for(personas.fran).post(url, {"reason": "x"}).status_code == 403
    response = client_for(personas.bob).post(url, {"reason": "Could not reach the patient"})
    assert response.status_code == 302
    signature.refresh_from_db()
    assert signature.declined_at is not None
    home = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert "not confirmed by the clinic" in home
    assert SIGN_URL in home  # they can sign again
