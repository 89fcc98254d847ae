"""GET /consents/{id}/pdf and the portal's download give the copy as signed or the witnessed
copy through the consent app's one audited door (issue 13 item 2: a signed document is kept as
signed; the witnessed copy sits beside it)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.api.tests.support import assert_error_shape, get, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.downloads import ConsentCopy
from ketaclinic.consent.models import ConsentSignature, WitnessMethod
from ketaclinic.consent.services import consent_sign_in_portal, consent_witness
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.core.errors import InvalidInput
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def witnessed(personas: Personas) -> ConsentSignature:
    approve(personas, personas.pat)
    signature = consent_sign_in_portal(
        patient_user=personas.pat_user,
        patient=personas.pat,
        document=publish_iv_consent(personas),
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )
    consent_witness(witness=personas.nina, signature=signature, method=WitnessMethod.VIDEO)
    return ConsentSignature.objects.get(pk=signature.pk)


def test_the_api_and_the_portal_give_either_copy_through_the_one_audited_door(
    personas: Personas, witnessed: ConsentSignature, client_for: Any, client: Any
) -> None:
    stored = signature = witnessed
    token = token_for(personas, personas.fran)
    path = f"consents/{signature.pk}/pdf"
    assert get(client, path, token).content == bytes(stored.pdf)
    copy = get(client, f"{path}?copy=witnessed", token)
    assert copy.content == bytes(stored.witness_pdf or b"")
    assert "witnessed" in copy["Content-Disposition"]
    assert_error_shape(get(client, f"{path}?copy=latest", token), "invalid_input")

    portal = client_for(personas.pat_user)
    home = portal.get(reverse("portal:home")).content.decode()
    assert "Copy confirmed by the clinic" in home
    own = portal.get(reverse("portal:consent_pdf", args=[signature.pk]) + "?copy=witnessed")
    assert own.content == bytes(stored.witness_pdf or b"")
    assert personas.pat.medical_record_number not in own["Content-Disposition"]
    channels = [
        (event.detail["channel"], event.detail["copy"])
        for event in AuditEvent.objects.filter(action=AuditAction.CONSENT_DOWNLOADED).order_by("id")
    ]
    assert channels == [("api", "as_signed"), ("api", "witnessed"), ("portal", "witnessed")]


def test_the_copy_asked_for_is_read_one_way() -> None:
    assert ConsentCopy.from_query(None) == ConsentCopy.AS_SIGNED
    assert ConsentCopy.from_query("witnessed") == ConsentCopy.WITNESSED
    assert ConsentCopy.from_query("as_signed") == ConsentCopy.AS_SIGNED
    for value in ("latest", "", "WITNESSED"):
        with pytest.raises(InvalidInput, match="copy is as_signed or witnessed"):
            ConsentCopy.from_query(value)


def test_the_portal_refuses_an_unknown_copy_rather_than_giving_another(
    personas: Personas, witnessed: ConsentSignature, client_for: Any
) -> None:
    url = reverse("portal:consent_pdf", args=[witnessed.pk])
    response = client_for(personas.pat_user).get(url + "?copy=latest")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action=AuditAction.CONSENT_DOWNLOADED).exists()


def test_the_api_does_not_pass_a_remade_pdf_off_as_the_copy_as_signed(
    client: Any, personas: Personas, witnessed: ConsentSignature
) -> None:
    # As a signature witnessed before the copy as signed was kept (consent migration 0003).
    ConsentSignature.objects.filter(pk=witnessed.pk).update(is_pdf_as_signed=False)
    token = token_for(personas, personas.fran)
    response = get(client, f"consents/{witnessed.pk}/pdf", token)
    assert response.status_code == 404
    assert "was not kept" in assert_error_shape(response, "not_found")["error"]["message"]
    assert get(client, f"consents/{witnessed.pk}/pdf?copy=witnessed", token).status_code == 200
