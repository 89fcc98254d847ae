"""The reads that belong to the API itself: who is calling (their memberships and clinics, a
token seeing only its own clinic), the clinic's API tokens and the witness a body names. Every
other read is an app's own selector, called from that app's API (`<app>/api/`).
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.clinics.selectors import membership_list_for_user
from ketaclinic.core.errors import InvalidInput, NotFound

API_TOKEN_NOT_FOUND = "No such API token at this clinic."  # noqa: S105  (a message)


def membership_list_for_caller(*, user: User, token: ApiToken | None) -> QuerySet[StaffMembership]:
    """The caller's active memberships; a token sees only the one at its own clinic."""
    memberships = membership_list_for_user(user=user)
    if token is not None:
        memberships = memberships.filter(clinic_id=token.clinic_id)
    return memberships


def clinic_list_for_caller(*, user: User, token: ApiToken | None) -> QuerySet[Clinic]:
    """The caller's clinics with hours, rooms and chairs, in four queries however many rows."""
    clinics = Clinic.objects.filter(
        is_active=True, memberships__user=user, memberships__is_active=True
    )
    if token is not None:
        clinics = clinics.filter(pk=token.clinic_id)
    return clinics.order_by("name", "id").prefetch_related(
        "opening_hours",
        Prefetch(
            "rooms",
            queryset=Room.objects.order_by("name", "id").prefetch_related(
                Prefetch("chairs", queryset=Chair.objects.order_by("name", "id"))
            ),
        ),
    )


def api_token_list_for_clinic(*, acting_user: User, clinic: Clinic) -> QuerySet[ApiToken]:
    """Every token of the clinic, newest first, for the admin's token page."""
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    return (
        ApiToken.objects.filter(clinic=clinic)
        .select_related("user", "created_by", "revoked_by")
        .order_by("-created_at", "-id")
    )


def api_token_get_for_clinic(*, acting_user: User, clinic: Clinic, token_id: int) -> ApiToken:
    require_permission(user=acting_user, action=Action.API_TOKEN_MANAGE, clinic=clinic)
    token = ApiToken.objects.filter(clinic=clinic, pk=token_id).select_related("clinic").first()
    if token is None:
        raise NotFound(API_TOKEN_NOT_FOUND)
    return token


def witness_get(*, clinic: Clinic, user_id: int) -> User:
    """The witness a body names by `witness_id`: an active member of staff at this clinic, or the
    refusal on that field. (Whether they may witness this act is the service's question.)"""
    witness = (
        User.objects.filter(
            pk=user_id, is_active=True, memberships__clinic=clinic, memberships__is_active=True
        )
        .distinct()
        .first()
    )
    if witness is None:
        raise InvalidInput(
            "The witness must be a member of staff at this clinic.",
            fields={"witness_id": ["No member of staff at this clinic has this id."]},
        )
    return witness
