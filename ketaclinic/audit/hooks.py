"""What the audit trail asks of the apps above it, filled in by them at start-up.

An event records the actor's role at the clinic where it happened. Roles and memberships belong to
`accounts`, which sits above `audit` (accounts records its sign-ins in the trail), so audit may not
import it: accounts' AppConfig.ready() registers its lookup here instead
(`ketaclinic.accounts.apps`). A hook, not a setting or a string path: the dependency stays
visible in the code and checked by mypy, and import-linter keeps the floors one-way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    # Django's own types: the user model and the clinic are defined above audit.
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models import Model


class RoleLookup(Protocol):
    def __call__(self, *, user: AbstractBaseUser, clinic: Model) -> str:
        """The user's role at the clinic (a `Role` value), or "" when they hold none there."""
        ...


_role_lookup: RoleLookup | None = None


def role_lookup_register(lookup: RoleLookup) -> None:
    """Called once, from accounts' AppConfig.ready(); a second call replaces the first."""
    global _role_lookup
    _role_lookup = lookup


def actor_role_at(*, user: AbstractBaseUser, clinic: Model) -> str:
    """The role audit_record stores for an event at `clinic`.

    Without a registered lookup every event would silently lose its role, so that is refused.
    """
    if _role_lookup is None:
        raise RuntimeError(
            "No role lookup is registered for the audit trail: ketaclinic.accounts must be in "
            "INSTALLED_APPS (its AppConfig.ready() registers it)."
        )
    return _role_lookup(user=user, clinic=clinic)
