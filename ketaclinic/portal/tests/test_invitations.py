"""Portal invitations (issue 16): staff invite a registered patient, send a new link or withdraw
it; the emailed link is single use and expires; the patient's password makes their account."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.core.errors import Conflict, InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.patients.models import Patient
from ketaclinic.portal.invitations import (
    INVITATION_SUBJECT,
    InvitationLinkRefused,
    LinkProblem,
    portal_account_create,
    portal_invitation_open,
    portal_invitation_resend,
    portal_invitation_revoke,
    portal_invitation_send,
)
from ketaclinic.portal.models import PortalInvitation
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

Capture = Callable[..., Any]
NEW_PASSWORD = "quiet-harbour-lantern-42"
START = datetime.datetime(2026, 12, 7, 17, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def sent(django_capture_on_commit_callbacks: Capture) -> Callable[..., str]:
    """Invite (or resend) as `user` and return the token from the email, as the patient gets it."""

    def send(personas: Personas, *, user: User | None = None, resend: bool = False) -> str:
        mail.outbox.clear()
        act = portal_invitation_resend if resend else portal_invitation_send
        with django_capture_on_commit_callbacks(execute=True):
            act(acting_user=user or personas.fran, patient=personas.quinn)
        assert len(mail.outbox) == 1
        return _token(mail.outbox[0].body)

    return send


def _token(body: str) -> str:
    return re.findall(r"/portal/welcome/([^/\s]+)/", body)[0]


def test_an_invitation_emails_the_patient_a_link_and_stores_only_its_hash(
    personas: Personas, sent: Callable[..., str], clock: Any
) -> None:
    token = sent(personas)
    email = mail.outbox[0]
    assert email.subject == INVITATION_SUBJECT
    assert email.to == [personas.quinn.email]
    assert personas.quinn.legal_last_name not in email.body  # no name, nothing clinical
    assert personas.clinic.phone in email.body
    invitation = PortalInvitation.objects.get(patient=personas.quinn)
    assert invitation.invited_by == personas.fran
    assert invitation.token_hash != token
    assert token not in invitation.token_hash
    hours = settings.PORTAL_INVITATION_VALID_HOURS
    assert invitation.expires_at == START + datetime.timedelta(hours=hours)
    event = AuditEvent.objects.get(action=AuditAction.PORTAL_INVITATION_SENT)
    assert (event.actor_id, event.patient_id) == (personas.fran.pk, personas.quinn.pk)
    assert token not in str(event.detail)


def test_a_new_link_kills_the_old_one(personas: Personas, sent: Callable[..., str]) -> None:
    old = sent(personas)
    new = sent(personas, user=personas.nina, resend=True)
    with pytest.raises(InvitationLinkRefused) as refusal:
        portal_invitation_open(token=old)
    assert refusal.value.problem == LinkProblem.WITHDRAWN
    assert portal_invitation_open(token=new).invited_by == personas.nina
    assert AuditEvent.objects.filter(action=AuditAction.PORTAL_INVITATION_RESENT).count() == 1


def test_a_second_invitation_while_one_waits_is_refused(
    personas: Personas, sent: Callable[..., str]
) -> None:
    sent(personas)
    with pytest.raises(Conflict, match="still waiting"):
        portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)


def test_withdrawing_kills_the_link_and_is_audited(
    personas: Personas, sent: Callable[..., str]
) -> None:
    token = sent(personas)
    portal_invitation_revoke(acting_user=personas.ada, patient=personas.quinn)
    with pytest.raises(InvitationLinkRefused, match="withdrawn") as refusal:
        portal_account_create(token=token, password=NEW_PASSWORD)
    assert refusal.value.clinic == personas.clinic
    event = AuditEvent.objects.get(action=AuditAction.PORTAL_INVITATION_REVOKED)
    assert event.actor_id == personas.ada.pk
    with pytest.raises(Conflict, match="no invitation waiting"):
        portal_invitation_revoke(acting_user=personas.ada, patient=personas.quinn)


def test_the_link_expires_after_the_configured_hours(
    personas: Personas, sent: Callable[..., str], clock: Any
) -> None:
    token = sent(personas)
    hours = settings.PORTAL_INVITATION_VALID_HOURS
    clock.shift(datetime.timedelta(hours=hours) - datetime.timedelta(minutes=1))
    assert portal_invitation_open(token=token).patient == personas.quinn
    clock.shift(datetime.timedelta(minutes=1))
    with pytest.raises(InvitationLinkRefused, match="expired") as refusal:
        portal_account_create(token=token, password=NEW_PASSWORD)
    assert refusal.value.problem == LinkProblem.EXPIRED
    assert personas.clinic.phone in refusal.value.message  # whom to ask for a new one
    refused = AuditEvent.objects.get(action=AuditAction.PORTAL_INVITATION_REFUSED)
    assert refused.outcome == AuditOutcome.REFUSED
    assert refused.detail == {"problem": "expired"}
    # An expired invitation does not block a new one.
    fresh = sent(personas)
    assert portal_invitation_open(token=fresh).patient == personas.quinn


def test_the_password_makes_the_account_once(personas: Personas, sent: Callable[..., str]) -> None:
    token = sent(personas)
    user = portal_account_create(token=token, password=NEW_PASSWORD)
    personas.quinn.refresh_from_db()
    assert personas.quinn.portal_user == user
    assert user.email == personas.quinn.email.lower()
    assert user.check_password(NEW_PASSWORD)
    assert user.full_name == f"{personas.quinn.legal_first_name} {personas.quinn.legal_last_name}"
    assert PortalInvitation.objects.get(patient=personas.quinn).used_at is not None
    created = AuditEvent.objects.get(action=AuditAction.PORTAL_ACCOUNT_CREATED)
    assert (created.actor_id, created.actor_role) == (user.pk, "patient")
    with pytest.raises(InvitationLinkRefused, match="already set up") as refusal:
        portal_account_create(token=token, password="another-long-phrase-77")
    assert refusal.value.problem == LinkProblem.USED
    assert User.objects.filter(email=user.email).count() == 1


def test_a_weak_password_is_refused_and_the_link_stays_open(
    personas: Personas, sent: Callable[..., str]
) -> None:
    token = sent(personas)
    with pytest.raises(InvalidInput) as refusal:
        portal_account_create(token=token, password="12345")
    assert any("too short" in message for message in refusal.value.fields["password"])
    assert portal_invitation_open(token=token).used_at is None
    personas.quinn.refresh_from_db()
    assert personas.quinn.portal_user is None


def test_an_unknown_link_is_refused_without_naming_a_clinic(personas: Personas) -> None:
    with pytest.raises(InvitationLinkRefused, match="not valid") as refusal:
        portal_invitation_open(token="not-a-real-token")
    assert refusal.value.clinic is None


def test_no_email_on_file_is_refused(personas: Personas) -> None:
    Patient.objects.filter(pk=personas.quinn.pk).update(email="")
    personas.quinn.refresh_from_db()
    with pytest.raises(PreconditionFailed, match="email address"):
        portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)
    assert not PortalInvitation.objects.exists()


def test_a_patient_with_an_account_is_not_invited(personas: Personas) -> None:
    for act in (portal_invitation_send, portal_invitation_resend):
        with pytest.raises(Conflict, match="already has a portal account"):
            act(acting_user=personas.fran, patient=personas.pat)


def test_an_address_that_already_has_an_account_is_refused(personas: Personas) -> None:
    Patient.objects.filter(pk=personas.quinn.pk).update(email=personas.nina.email.upper())
    personas.quinn.refresh_from_db()
    with pytest.raises(Conflict, match="already belongs to an account"):
        portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)


def test_one_open_invitation_per_patient_is_a_database_rule(
    personas: Personas, sent: Callable[..., str]
) -> None:
    sent(personas)
    with pytest.raises(IntegrityError), transaction.atomic():
        PortalInvitation.objects.create(
            clinic=personas.clinic,
            patient=personas.quinn,
            email=personas.quinn.email,
            token_hash="0" * 64,
            invited_by=personas.fran,
            expires_at=timezone.now(),
        )


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    "act", [portal_invitation_send, portal_invitation_resend, portal_invitation_revoke]
)
def test_only_the_roles_in_the_matrix_may_invite(
    personas: Personas, role: Role, act: Callable[..., PortalInvitation]
) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.PORTAL_INVITE].roles:
        if act is portal_invitation_revoke:
            portal_invitation_send(acting_user=user, patient=personas.quinn)
        act(acting_user=user, patient=personas.quinn)
        return
    with pytest.raises(PermissionRefused):
        act(acting_user=user, patient=personas.quinn)
    assert not PortalInvitation.objects.exists()


def test_staff_of_another_clinic_cannot_invite(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        portal_invitation_send(acting_user=personas.charlie, patient=personas.quinn)


def test_the_patient_signs_in_with_the_password_and_an_emailed_code(
    personas: Personas, sent: Callable[..., str], client: Any
) -> None:
    """The new account is a patient's: the second step is the code emailed to them."""
    token = sent(personas)
    user = portal_account_create(token=token, password=NEW_PASSWORD)
    mail.outbox.clear()
    response = client.post("/accounts/login/", {"login": user.email, "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"].endswith("/accounts/login/code/confirm/")
    assert mail.outbox[0].to == [user.email]


def test_two_invitations_at_once_answer_the_second_click_plainly(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two staff clicking at the same moment: the database keeps one link, the second is told."""
    portal_invitation_send(acting_user=personas.fran, patient=personas.quinn)
    monkeypatch.setattr("ketaclinic.portal.invitations._open_invitation", lambda **_: None)
    with pytest.raises(Conflict, match="a moment ago"):
        portal_invitation_send(acting_user=personas.nina, patient=personas.quinn)
    assert PortalInvitation.objects.count() == 1
