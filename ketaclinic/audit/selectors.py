"""Reads of the audit trail for the apps above it (the audit log page's are in `staff`)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from ketaclinic.audit.models import AuditAction, AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models import Model


def audit_event_exists_since(
    *, actor: AbstractBaseUser, action: AuditAction, clinic: Model, since: datetime.datetime
) -> bool:
    """Whether `actor` has an `action` event at `clinic` from `since` on (a page that refreshes
    itself records its look once in a while, not at every refresh)."""
    return AuditEvent.objects.filter(
        actor_id=actor.pk, action=action, clinic_id=clinic.pk, occurred_at__gte=since
    ).exists()
