"""What the chart shows staff about a patient's portal access: no account yet (never invited, or
the last invitation withdrawn), invited (until when), the invitation run out, or the account
active since when. Reads only; the patient comes from the chart's door, which recorded the look."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from django.utils import timezone

from ketaclinic.patients.models import Patient
from ketaclinic.portal.models import PortalInvitation


class PortalAccessState(StrEnum):
    NOT_INVITED = "not_invited"
    INVITED = "invited"
    EXPIRED = "expired"
    ACTIVE = "active"


@dataclass(frozen=True)
class PortalAccess:
    state: PortalAccessState
    # The newest invitation, whatever became of it (None: never invited).
    invitation: PortalInvitation | None
    account_since: datetime.datetime | None
    has_email: bool

    @property
    def is_withdrawn(self) -> bool:
        return (
            self.state == PortalAccessState.NOT_INVITED
            and self.invitation is not None
            and self.invitation.revoked_at is not None
        )


def portal_access_for_patient(*, patient: Patient) -> PortalAccess:
    """One query for the newest invitation (and its sender); the account is the patient's own."""
    invitation = (
        PortalInvitation.objects.filter(patient=patient)
        .select_related("invited_by", "revoked_by")
        .first()
    )
    has_email = bool(patient.email.strip())
    if patient.portal_user is not None:
        return PortalAccess(
            state=PortalAccessState.ACTIVE,
            invitation=invitation,
            account_since=patient.portal_user.date_joined,
            has_email=has_email,
        )
    if invitation is None or invitation.revoked_at is not None or invitation.used_at is not None:
        state = PortalAccessState.NOT_INVITED
    elif invitation.expires_at <= timezone.now():
        state = PortalAccessState.EXPIRED
    else:
        state = PortalAccessState.INVITED
    return PortalAccess(state=state, invitation=invitation, account_since=None, has_email=has_email)
