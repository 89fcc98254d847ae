"""The chart's portal buttons: invite the patient to the portal, send a new link, withdraw the
invitation. Each is a POST through the chart's door (which checks `portal.invite`), one service
from portal/invitations.py, then back to the chart with what happened."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Action
from ketaclinic.clinics.http import acting_clinic
from ketaclinic.core.errors import DomainError
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient
from ketaclinic.portal.invitations import (
    portal_invitation_resend,
    portal_invitation_revoke,
    portal_invitation_send,
)
from ketaclinic.portal.models import PortalInvitation

InvitationAct = Callable[..., PortalInvitation]


def _act(request: HttpRequest, patient_id: int, act: InvitationAct, done: str) -> HttpResponse:
    clinic = acting_clinic(request)
    user: User = acting_user(request)
    patient: Patient = patient_get_for_staff(
        user=user, clinic=clinic, patient_id=patient_id, action=Action.PORTAL_INVITE
    )
    try:
        invitation = act(acting_user=user, patient=patient)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            done.format(email=invitation.email, hours=settings.PORTAL_INVITATION_VALID_HOURS),
        )
    return redirect("patients:detail", patient_id=patient.pk)


@login_required
@require_POST
def patient_portal_invite(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _act(
        request,
        patient_id,
        portal_invitation_send,
        "Invitation emailed to {email}. Its link works once, for {hours} hours.",
    )


@login_required
@require_POST
def patient_portal_resend(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _act(
        request,
        patient_id,
        portal_invitation_resend,
        "A new link was emailed to {email} (it works for {hours} hours); the earlier link no "
        "longer opens.",
    )


@login_required
@require_POST
def patient_portal_revoke(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _act(
        request,
        patient_id,
        portal_invitation_revoke,
        "Invitation withdrawn: the link sent to {email} no longer opens.",
    )
