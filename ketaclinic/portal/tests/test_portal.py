"""The patient portal shows a patient their own record and nobody else's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.consent.services import consent_sign_in_portal
from ketaclinic.consent.tests.support import publish_iv_consent
from ketaclinic.patients.models import JourneyStage
from ketaclinic.testing.clinical import approve, drawn_signature
from ketaclinic.testing.factories import UserFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

# The home page of a patient with an intake, questionnaire links, a consent to sign and signed
# consents: session, user and memberships (3), patient (1), intake (1), links (1), eligibility
# decision (1), latest consent version (2: once more inside consent_current), current consent
# (1), awaiting witness (1), signed consents (1), the session's last-seen time (3), upcoming
# visits (1; their medications only when there is one), measures due (1), score history (1) and
# unread messages (1).
QUERIES = 19


def test_a_patient_sees_their_own_record_and_next_step(client_for, personas: Personas) -> None:
    personas.pat.journey_stage = JourneyStage.APPROVED
    personas.pat.save()
    response = client_for(personas.pat_user).get(reverse("portal:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Hello, Pat" in page
    assert "someone must drive you home" in page
    assert personas.clinic.phone in page
    assert personas.quinn.legal_first_name not in page
    assert "988" in page
    assert response["Cache-Control"] == "no-store"


def test_an_account_without_a_patient_record_gets_a_clear_refusal(client_for, db: None) -> None:
    response = client_for(UserFactory()).get(reverse("portal:home"))
    assert response.status_code == 404
    assert "not linked to a patient record" in response.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_staff_opening_the_portal_go_to_their_own_home(
    client_for, personas: Personas, role: Role
) -> None:
    response = client_for(personas.staff_by_role()[role]).get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_portal_needs_a_signed_in_patient(client, db: None) -> None:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _open_link(personas: Personas) -> None:
    from ketaclinic.outcomes.models import ResponseContext
    from ketaclinic.outcomes.services import questionnaire_link_issue

    questionnaire_link_issue(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_codes=["phq9", "gad7"],
        context=ResponseContext.SCREENING,
    )


def test_a_new_patient_is_asked_for_their_intake(client_for, personas: Personas) -> None:
    page = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert reverse("portal:intake") in page
    assert "Fill in your health questions" in page
    assert "Read and sign" not in page


def test_the_home_lists_questionnaires_consent_and_signed_consents(
    client_for, personas: Personas
) -> None:
    approve(personas, personas.pat)
    publish_iv_consent(personas)
    _open_link(personas)
    client = client_for(personas.pat_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "Your intake was sent to the clinic" in page  # staff submitted it
    assert "PHQ-9" in page
    assert "GAD-7" in page
    assert reverse("portal:consent_sign", args=["iv_ketamine"]) in page
    client.post(
        reverse("portal:consent_sign", args=["iv_ketamine"]),
        {"has_read": "on", "typed_name": "Pat Example", "drawn_signature": drawn_signature()},
    )
    page = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:consent_sign", args=["iv_ketamine"]) not in page
    assert "awaiting confirmation by staff" in page
    assert "Download PDF" in page


def test_the_home_page_query_count_is_pinned(
    client_for, personas: Personas, django_assert_num_queries
) -> None:
    approve(personas, personas.pat)
    document = publish_iv_consent(personas)
    _open_link(personas)
    _open_link(personas)
    consent_sign_in_portal(
        patient_user=personas.pat_user,
        patient=personas.pat,
        document=document,
        typed_name="Pat Example",
        drawn_signature_data_url=drawn_signature(),
    )
    client = client_for(personas.pat_user)
    client.get(reverse("portal:home"))  # warm the session
    with django_assert_num_queries(QUERIES):
        response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    # More links and signatures do not add queries (no query per row).
    _open_link(personas)
    publish_iv_consent(personas, title="Consent to IV ketamine, revised")
    with django_assert_num_queries(QUERIES):
        client.get(reverse("portal:home"))


@pytest.mark.parametrize(
    "url",
    [
        reverse("portal:intake"),
        reverse("portal:consent_sign", args=["iv_ketamine"]),
        reverse("portal:consent_pdf", args=[1]),
    ],
)
def test_every_portal_page_needs_a_signed_in_patient(client, db: None, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_times_show_in_the_clinics_time_zone(client_for, personas: Personas) -> None:
    _open_link(personas)
    personas.clinic.timezone = "Pacific/Kiritimati"  # UTC+14: the date and hour both differ
    personas.clinic.save()
    link_expiry = personas.pat.questionnaire_links.get().expires_at
    local = link_expiry.astimezone(personas.clinic.zone)
    page = client_for(personas.pat_user).get(reverse("portal:home")).content.decode()
    assert f"before {local:%-d %b}, {local:%-I}:{local:%M}" in page
