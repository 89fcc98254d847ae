"""The invitation on the chart (its state and buttons, by role) and the patient's page behind the
emailed link (choose a password; a dead link gets a clear page, never an error)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.portal.invitations import portal_invitation_revoke, portal_invitation_send
from ketaclinic.portal.models import PortalInvitation
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
ClientFor = Callable[[User], Client]
NEW_PASSWORD = "quiet-harbour-lantern-42"


def _chart(client: Client, personas: Personas) -> str:
    return client.get(reverse("patients:detail", args=[personas.quinn.pk])).content.decode()


def _invite(personas: Personas, capture: Capture) -> str:
    """The token from the emailed link."""
    mail.outbox.clear()
    with capture(execute=True):
        portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)
    return re.findall(r"/portal/welcome/([^/\s]+)/", mail.outbox[0].body)[0]


def _link(token: str) -> str:
    return reverse("portal:invitation", args=[token])


@pytest.mark.parametrize("role", sorted(PERMISSIONS[Action.PATIENT_LIST].roles))
def test_the_chart_offers_the_invitation_to_the_roles_that_may_send_it(
    client_for: ClientFor, personas: Personas, role: Role
) -> None:
    page = _chart(client_for(personas.staff_by_role()[role]), personas)
    assert "Not invited" in page
    may = role in PERMISSIONS[Action.PORTAL_INVITE].roles
    assert ("Invite to the portal" in page) is may


def test_front_desk_invites_from_the_chart_and_sees_the_state(
    client_for: ClientFor, personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    client = client_for(personas.fran)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("patients:portal_invite", args=[personas.quinn.pk]))
    assert response.status_code == 302
    assert mail.outbox[0].to == [personas.quinn.email]
    page = client.get(response["Location"]).content.decode()
    assert f"Invitation emailed to {personas.quinn.email}" in page
    assert "Invited</span> on" in page
    assert "Send a new link" in page
    assert "Withdraw the invitation" in page
    client.post(reverse("patients:portal_revoke", args=[personas.quinn.pk]))
    page = _chart(client, personas)
    assert "was withdrawn" in page
    assert "Invite to the portal" in page


def test_a_refusal_is_said_on_the_chart(client_for: ClientFor, personas: Personas) -> None:
    client = client_for(personas.fran)
    response = client.post(reverse("patients:portal_invite", args=[personas.pat.pk]), follow=True)
    assert response.status_code == 200
    assert "already has a portal account" in response.content.decode()


def test_a_role_that_may_not_invite_is_refused_without_an_error_page(
    client_for: ClientFor, personas: Personas
) -> None:
    response = client_for(personas.theo).post(
        reverse("patients:portal_invite", args=[personas.quinn.pk])
    )
    assert response.status_code == 403
    assert not PortalInvitation.objects.exists()


def test_the_chart_shows_an_active_account_and_an_expired_invitation(
    client_for: ClientFor, personas: Personas
) -> None:
    client = client_for(personas.nina)
    page = client.get(reverse("patients:detail", args=[personas.pat.pk])).content.decode()
    assert "Active</span> since" in page
    assert "Invite to the portal" not in page
    portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)
    PortalInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    page = _chart(client, personas)
    assert "Invitation expired" in page
    assert "Send a new link" in page
    assert "Withdraw the invitation" not in page


def test_the_patient_chooses_a_password_and_is_sent_to_sign_in(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    token = _invite(personas, django_capture_on_commit_callbacks)
    page = client.get(_link(token))
    assert page.status_code == 200
    assert page["Cache-Control"].startswith("max-age=0")
    assert personas.quinn.email in page.content.decode()
    response = client.post(
        _link(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert "we will then email you a one-time code" in response.content.decode()
    personas.quinn.refresh_from_db()
    assert personas.quinn.portal_user is not None


def test_the_password_page_says_what_is_wrong(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    token = _invite(personas, django_capture_on_commit_callbacks)
    mismatch = client.post(
        _link(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}
    )
    assert "The two passwords are not the same." in mismatch.content.decode()
    weak = client.post(_link(token), {"password": "password123", "password_again": "password123"})
    assert weak.status_code == 200
    assert "too common" in weak.content.decode()
    assert "too short" in weak.content.decode()  # every refusal is said, not only the first
    personas.quinn.refresh_from_db()
    assert personas.quinn.portal_user is None


def test_a_used_link_offers_sign_in(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    token = _invite(personas, django_capture_on_commit_callbacks)
    client.post(_link(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    again = client.get(_link(token))
    assert again.status_code == 404
    assert "already set up" in again.content.decode()
    assert reverse("account_login") in again.content.decode()


@pytest.mark.parametrize("problem", ["withdrawn", "expired"])
def test_a_dead_link_offers_to_ask_the_clinic_for_a_new_one(
    client: Client, personas: Personas, django_capture_on_commit_callbacks: Capture, problem: str
) -> None:
    token = _invite(personas, django_capture_on_commit_callbacks)
    if problem == "withdrawn":
        portal_invitation_revoke(acting_user=personas.fran, patient=personas.quinn)
    else:
        PortalInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    for response in (
        client.get(_link(token)),
        client.post(_link(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    ):
        assert response.status_code == 404
        page = response.content.decode()
        assert problem in page
        assert "ask for a new invitation" in page
        assert personas.clinic.phone in page
    personas.quinn.refresh_from_db()
    assert personas.quinn.portal_user is None


def test_an_unknown_link_is_a_clear_page(client: Client, personas: Personas) -> None:
    response = client.get(_link("nothing-like-a-token"))
    assert response.status_code == 404
    assert "This link can't be used" in response.content.decode()


def test_someone_signed_in_is_asked_to_sign_out_first(
    client_for: ClientFor, personas: Personas, django_capture_on_commit_callbacks: Capture
) -> None:
    token = _invite(personas, django_capture_on_commit_callbacks)
    client = client_for(personas.pat_user)
    page = client.get(_link(token)).content.decode()
    assert "Please sign out first" in page
    client.post(_link(token), {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert PortalInvitation.objects.get().used_at is None
