"""The real URLs plus one view that is refused half-way through a transaction (test only)."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from ketaclinic.accounts.http import acting_user
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.clinics.http import acting_clinic

REFUSED_IN_TRANSACTION = "/test-only/refused-in-transaction/"


def refused_in_transaction(request: HttpRequest) -> HttpResponse:
    """What a service does: writes (with its audit event), then meets a refusal and rolls back."""
    with transaction.atomic():
        audit_record(
            actor=acting_user(request),
            action=AuditAction.CLINIC_UPDATED,
            clinic=acting_clinic(request),
            detail={"undone": True},
        )
        require_permission(
            user=acting_user(request), action=Action.CLINIC_MANAGE, clinic=acting_clinic(request)
        )
    return HttpResponse("not reached for a refused user")


urlpatterns: list[URLPattern | URLResolver] = [
    path(REFUSED_IN_TRANSACTION.strip("/") + "/", refused_in_transaction),
    # By name, not by import: config sits above the apps (the import-linter layers contract).
    path("", include("ketaclinic.config.urls")),
]
