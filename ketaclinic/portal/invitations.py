"""Portal invitations: staff invite a registered patient to the portal, send a new link or
withdraw it; the patient opens the emailed link and chooses a password, which makes their portal
account. Each act is audited in the transaction that makes it; the email goes after commit.

The link is single use and expires (settings.PORTAL_INVITATION_VALID_HOURS); a new link kills the
old one. Signing in afterwards is the ordinary two-step sign-in (portal/signin.py): password, then
a one-time code emailed to the same address.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction, AuditOutcome
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PortalInvitation

INVITATION_SUBJECT = "Set up your patient portal account"
NO_EMAIL = "Add the patient's email address to their details first: the invitation is emailed."
HAS_ACCOUNT = "This patient already has a portal account; they sign in with it."
EMAIL_TAKEN = (
    "The address {email} already belongs to an account here (a staff member or another "
    "patient). Check the patient's email address: each portal account needs its own."
)
STILL_WAITING = (
    "An invitation sent on {sent} is still waiting (its link works until {expires}). If the "
    "patient cannot find it, send a new link."
)
JUST_SENT = "An invitation was sent to this patient a moment ago; reload the chart to see it."
NOTHING_TO_WITHDRAW = "There is no invitation waiting to withdraw."


class LinkProblem(StrEnum):
    """Why an invitation link does not open; each has its own sentence for the patient."""

    UNKNOWN = "unknown"  # never issued, or mistyped
    WITHDRAWN = "withdrawn"  # staff withdrew it or sent a newer link
    EXPIRED = "expired"
    USED = "used"
    HAS_ACCOUNT = "has_account"


class InvitationLinkRefused(NotFound):
    """The link cannot be used; `problem` says why, `clinic` whose link it was (None if unknown)."""

    def __init__(self, problem: LinkProblem, clinic: Clinic | None) -> None:
        self.problem = problem
        self.clinic = clinic
        super().__init__(_link_problem_text(problem, clinic))


def _link_problem_text(problem: LinkProblem, clinic: Clinic | None) -> str:
    ask = (
        f"Please call {clinic.name} on {clinic.phone} and ask for a new invitation."
        if clinic is not None and clinic.phone
        else "Please contact the clinic and ask for a new invitation."
    )
    if problem in (LinkProblem.USED, LinkProblem.HAS_ACCOUNT):
        return (
            "Your portal account is already set up. Sign in with your email address and "
            "password; if you have forgotten the password, use “Forgot your password?” "
            "on the sign-in page."
        )
    if problem == LinkProblem.EXPIRED:
        return f"This invitation link has expired. {ask}"
    if problem == LinkProblem.WITHDRAWN:
        return (
            "This invitation link is no longer valid: the clinic has withdrawn it or sent you a "
            f"newer one. Use the link in the newest email, or {ask[0].lower()}{ask[1:]}"
        )
    return f"This invitation link is not valid. Check that the whole link was opened. {ask}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _valid_for() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.PORTAL_INVITATION_VALID_HOURS)


def _local(moment: datetime.datetime, clinic: Clinic) -> str:
    return f"{timezone.localtime(moment, clinic.zone):%a %d %b %Y, %H:%M %Z}"


def _open_invitation(*, patient: Patient) -> PortalInvitation | None:
    """The patient's open invitation (neither used nor withdrawn, expired or not), locked."""
    return (
        PortalInvitation.objects.select_for_update()
        .filter(patient=patient, used_at__isnull=True, revoked_at__isnull=True)
        .first()
    )


def _check_can_invite(*, patient: Patient) -> str:
    """The address to invite, or the refusal a receptionist can act on."""
    if patient.portal_user_id is not None:
        raise Conflict(HAS_ACCOUNT)
    address = patient.email.strip()
    if not address:
        raise PreconditionFailed(NO_EMAIL, fields={"email": [NO_EMAIL]})
    if User.objects.filter(email__iexact=address).exists():
        raise Conflict(EMAIL_TAKEN.format(email=address))
    return address


def _issue(
    *, acting_user: User, patient: Patient, address: str, action: AuditAction, replaced: list[int]
) -> PortalInvitation:
    token = secrets.token_urlsafe(32)
    try:
        with transaction.atomic():  # a savepoint: the clash below is answered, not a 500
            invitation = PortalInvitation.objects.create(
                clinic=patient.clinic,
                patient=patient,
                email=address,
                token_hash=_hash(token),
                invited_by=acting_user,
                expires_at=timezone.now() + _valid_for(),
            )
    except IntegrityError as error:  # a colleague's click on the same chart got there first
        raise Conflict(JUST_SENT) from error
    audit_record(
        actor=acting_user,
        action=action,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=invitation,
        detail={
            "valid_hours": settings.PORTAL_INVITATION_VALID_HOURS,
            "replaced_invitations": replaced,
        },
    )
    email = _invitation_email(invitation=invitation, token=token)
    transaction.on_commit(email.send)
    return invitation


def _invitation_email(*, invitation: PortalInvitation, token: str) -> EmailMessage:
    """No clinical word and no name: the address may be shared, and the email may be forwarded."""
    clinic = invitation.clinic
    link = f"{settings.SITE_URL}{reverse('portal:invitation', args=[token])}"
    body = (
        f"{clinic.name} has invited you to its patient portal, where you can fill in your "
        "questionnaires, send messages to the clinic and see your upcoming visits.\n\n"
        f"Choose your password here (the link works once, until "
        f"{_local(invitation.expires_at, clinic)}):\n{link}\n\n"
        "Then sign in with this email address and your password. Each time you sign in we "
        "will also email you a one-time code to type in, so that only you can open your "
        "portal.\n\n"
        f"If you did not expect this email, call us on {clinic.phone}.\n"
    )
    return EmailMessage(subject=INVITATION_SUBJECT, body=body, to=[invitation.email])


@transaction.atomic
def portal_invitation_send(*, acting_user: User, patient: Patient) -> PortalInvitation:
    """Invite the patient: an email with a single-use link to choose a password. Refused while
    an earlier invitation is still waiting (send a new link instead)."""
    require_permission(user=acting_user, action=Action.PORTAL_INVITE, clinic=patient.clinic)
    address = _check_can_invite(patient=patient)
    replaced = []
    waiting = _open_invitation(patient=patient)
    if waiting is not None:
        if waiting.expires_at > timezone.now():
            raise Conflict(
                STILL_WAITING.format(
                    sent=_local(waiting.created_at, patient.clinic),
                    expires=_local(waiting.expires_at, patient.clinic),
                )
            )
        _close(waiting, by=acting_user)  # expired: closed, so that one link stays open
        replaced.append(waiting.pk)
    return _issue(
        acting_user=acting_user,
        patient=patient,
        address=address,
        action=AuditAction.PORTAL_INVITATION_SENT,
        replaced=replaced,
    )


@transaction.atomic
def portal_invitation_resend(*, acting_user: User, patient: Patient) -> PortalInvitation:
    """A new link to the patient's current address; the old link no longer opens."""
    require_permission(user=acting_user, action=Action.PORTAL_INVITE, clinic=patient.clinic)
    address = _check_can_invite(patient=patient)
    replaced = []
    waiting = _open_invitation(patient=patient)
    if waiting is not None:
        _close(waiting, by=acting_user)
        replaced.append(waiting.pk)
    return _issue(
        acting_user=acting_user,
        patient=patient,
        address=address,
        action=AuditAction.PORTAL_INVITATION_RESENT,
        replaced=replaced,
    )


@transaction.atomic
def portal_invitation_revoke(*, acting_user: User, patient: Patient) -> PortalInvitation:
    """Withdraw the waiting invitation: its link no longer opens (e.g. it went to a wrong
    address)."""
    require_permission(user=acting_user, action=Action.PORTAL_INVITE, clinic=patient.clinic)
    waiting = _open_invitation(patient=patient)
    if waiting is None:
        raise Conflict(NOTHING_TO_WITHDRAW)
    _close(waiting, by=acting_user)
    audit_record(
        actor=acting_user,
        action=AuditAction.PORTAL_INVITATION_REVOKED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=waiting,
        detail={"was_expired": waiting.expires_at <= timezone.now()},
    )
    return waiting


def _close(invitation: PortalInvitation, *, by: User) -> None:
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = by
    invitation.save(update_fields=["revoked_at", "revoked_by", "updated_at"])


def _problem(invitation: PortalInvitation | None) -> LinkProblem | None:
    if invitation is None:
        return LinkProblem.UNKNOWN
    if invitation.used_at is not None:
        return LinkProblem.USED
    if invitation.revoked_at is not None:
        return LinkProblem.WITHDRAWN
    if invitation.patient.portal_user_id is not None:
        return LinkProblem.HAS_ACCOUNT
    if invitation.expires_at <= timezone.now():
        return LinkProblem.EXPIRED
    return None


def portal_invitation_open(*, token: str) -> PortalInvitation:
    """The invitation a link opens, or InvitationLinkRefused saying why (recorded as a refused
    link, in its own transaction, so that the record survives the refusal)."""
    invitation = (
        PortalInvitation.objects.select_related("clinic", "patient")
        .filter(token_hash=_hash(token))
        .first()
    )
    problem = _problem(invitation)
    if problem is not None:
        audit_record(
            actor=None,
            action=AuditAction.PORTAL_INVITATION_REFUSED,
            outcome=AuditOutcome.REFUSED,
            clinic_id=invitation.clinic_id if invitation else None,
            patient_id=invitation.patient_id if invitation else None,
            detail={"problem": problem.value},
        )
        raise InvitationLinkRefused(problem, invitation.clinic if invitation else None)
    assert invitation is not None  # no problem means a known invitation
    return invitation


def portal_account_create(*, token: str, password: str) -> User:
    """The patient chose a password on their invitation link: their portal account is made with
    the invited address and linked to their record, and the link is used up. A password Django's
    validators refuse leaves the link open to try again."""
    invitation = portal_invitation_open(token=token)
    patient = invitation.patient
    candidate = User(email=invitation.email, full_name=_full_name(patient))
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as error:
        raise InvalidInput(
            "Please choose another password.", fields={"password": list(error.messages)}
        ) from error
    with transaction.atomic():
        locked = (
            PortalInvitation.objects.select_for_update()
            .select_related("clinic", "patient")
            .get(pk=invitation.pk)
        )
        problem = _problem(locked)
        if problem is not None:  # used or withdrawn since the page was opened
            raise InvitationLinkRefused(problem, locked.clinic)
        if User.objects.filter(email__iexact=locked.email).exists():
            raise Conflict(
                "This email address already has an account here. Please call "
                f"{locked.clinic.name} on {locked.clinic.phone}; we will sort it out with you."
            )
        user = User.objects.create_user(locked.email, password, full_name=candidate.full_name)
        linked = Patient.objects.filter(pk=locked.patient_id, portal_user__isnull=True).update(
            portal_user=user, updated_at=timezone.now()
        )
        if linked != 1:
            raise InvitationLinkRefused(LinkProblem.HAS_ACCOUNT, locked.clinic)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at", "updated_at"])
        audit_record(
            actor=user,
            action=AuditAction.PORTAL_ACCOUNT_CREATED,
            clinic=locked.clinic,
            patient_id=locked.patient_id,
            subject=locked,
            actor_role="patient",
        )
    return user


def _full_name(patient: Patient) -> str:
    return f"{patient.legal_first_name} {patient.legal_last_name}"
