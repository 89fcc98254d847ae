"""Amending a submitted intake: a new version with its reason, every earlier version kept whole."""

from __future__ import annotations

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.intake.models import Intake, IntakeStatus, IntakeVersion, IntakeVersionKind
from ketaclinic.intake.services.checks import _problems
from ketaclinic.intake.services.entries import (
    IntakeChanges,
    IntakeEntry,
    _entry_with,
    _locked,
    _write,
)
from ketaclinic.intake.versions import content_changes, intake_content
from ketaclinic.patients.models import Patient

AMENDMENT_REASON_NEEDED = "Say why the submitted intake is amended."


@transaction.atomic
def intake_amend(
    *,
    acting_user: User,
    patient: Patient,
    entry: IntakeEntry | None = None,
    changes: IntakeChanges | None = None,
    reason: str,
) -> Intake:
    """Amend a submitted intake: the entry (or the `changes` laid over the locked stored
    intake, as in `intake_save`) becomes a new version (it must still be complete),
    with the reason; every earlier version is kept whole. Audited as `intake.amended` with the
    fields that changed and the version numbers. A decision signed on an earlier version then
    shows that the intake was amended after it, until a physician reviews it."""
    require_permission(user=acting_user, action=Action.INTAKE_RECORD, clinic=patient.clinic)
    stored = _locked(patient)
    if stored is None or stored.status != IntakeStatus.SUBMITTED:
        raise PreconditionFailed(
            "Only a submitted intake is amended; this one is still a draft: save or submit it."
        )
    entry = _entry_with(stored, entry=entry, changes=changes)
    problems = _problems(entry, patient=patient, submitting=True)
    reason = reason.strip()
    if not reason:
        problems.setdefault("reason", []).append(AMENDMENT_REASON_NEEDED)
    if problems:
        raise InvalidInput(
            "Some intake entries need attention; the submitted intake is unchanged.",
            fields=problems,
        )
    before = intake_content(stored)
    stored.version += 1
    intake = _write(stored, entry=entry, acting_user=acting_user)
    after = intake_content(intake)
    changes = content_changes(before, after)
    if not changes:  # raising rolls the write back
        raise InvalidInput(
            f"The amendment changes nothing; the intake stays at version {intake.version - 1}.",
            fields={"reason": ["Nothing differs from the submitted intake."]},
        )
    version = IntakeVersion.objects.create(
        clinic=patient.clinic,
        intake=intake,
        number=intake.version,
        kind=IntakeVersionKind.AMENDED,
        content=after,
        changes=changes,
        reason=reason,
        created_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.INTAKE_AMENDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=version,
        detail={
            "from_version": intake.version - 1,
            "to_version": intake.version,
            "changes": changes,
            "reason": reason[:500],
        },
    )
    return intake
