from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from ketaclinic.accounts.permissions import allowed_actions
from ketaclinic.accounts.roles import Action


def active_clinic(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    return {
        "active_clinic": getattr(request, "clinic", None),
        "active_membership": membership,
        "user_memberships": getattr(request, "user_memberships", []),
        "can": {action.name: action in allowed_actions(membership=membership) for action in Action},
    }
