"""Saving an intake as a draft, or submitting it for eligibility review (staff), or sending the
patient's part to the clinic (portal).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.intake.models import Intake, IntakeStatus, IntakeVersion, IntakeVersionKind
from ketaclinic.intake.services.checks import (
    _already_submitted,
    _check_field_group,
    _keep_staff_only_answers,
    _problems,
)
from ketaclinic.intake.services.entries import (
    IntakeChanges,
    IntakeEntry,
    _entry_with,
    _locked,
    _write,
)
from ketaclinic.intake.versions import intake_content
from ketaclinic.patients.models import Patient

INTAKE_SENT_TO_CLINIC = (
    "Your intake has been sent to the clinic and can no longer be changed here. "
    "Please contact the clinic to change it."
)


@transaction.atomic
def intake_save(
    *,
    acting_user: User,
    patient: Patient,
    entry: IntakeEntry | None = None,
    changes: IntakeChanges | None = None,
    submit: bool,
    as_patient: bool = False,
) -> Intake:
    """Save the intake as a draft, or submit it for eligibility review. Nothing is half-saved:
    a refusal names every field and leaves the stored intake as it was. A submitted intake is
    refused here (never saved over, never a draft again): it changes by `intake_amend`.

    Give the whole `entry`, or only the `changes` (see `IntakeChanges`), which are laid over
    the intake as stored once it is locked.

    Staff with `intake.record` write every field; staff with only
    `intake.measurements_record` (front desk) write only that action's fields, on a draft,
    and do not submit.

    With `as_patient`, the acting user is the patient themselves in the portal (not a staff
    role: a patient may fill in only their own intake, while it is open to them). They save
    their part as a draft or send it to the clinic (`submit`), which makes it read-only to them
    but leaves the intake a draft for staff, who add the baseline vitals and submit it for
    eligibility review. Staff-only fields are kept as stored whatever the entry says."""
    if as_patient:
        if patient.portal_user_id is None or patient.portal_user_id != acting_user.pk:
            raise PermissionRefused("You can only fill in your own intake.")
    else:
        require_permission(
            user=acting_user, action=Action.INTAKE_MEASUREMENTS_RECORD, clinic=patient.clinic
        )
    stored = _locked(patient)
    entry = _entry_with(stored, entry=entry, changes=changes)
    if as_patient:
        if stored is not None and not stored.is_open_to_patient:
            raise PreconditionFailed(INTAKE_SENT_TO_CLINIC)
        entry = _keep_staff_only_answers(entry, stored=stored)
    elif stored is not None and stored.status == IntakeStatus.SUBMITTED:
        raise PreconditionFailed(_already_submitted(stored))
    else:
        _check_field_group(
            acting_user=acting_user, patient=patient, entry=entry, stored=stored, submit=submit
        )
    problems = _problems(entry, patient=patient, submitting=submit, as_patient=as_patient)
    if problems:
        message = (
            "Some answers need attention; nothing has been sent yet."
            if as_patient
            else "Some intake entries need attention."
        )
        raise InvalidInput(message, fields=problems)
    intake = (
        stored
        or Intake.objects.get_or_create(
            patient=patient, defaults={"clinic": patient.clinic, "updated_by": acting_user}
        )[0]
    )
    if submit and as_patient:
        intake.patient_submitted_at = timezone.now()
    elif submit:
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = timezone.now()
        intake.submitted_by = acting_user
        intake.version += 1
    intake = _write(intake, entry=entry, acting_user=acting_user)
    if intake.status == IntakeStatus.SUBMITTED:
        IntakeVersion.objects.create(
            clinic=patient.clinic,
            intake=intake,
            number=intake.version,
            kind=IntakeVersionKind.SUBMITTED,
            content=intake_content(intake),
            created_by=acting_user,
        )
    audit_record(
        actor=acting_user,
        action=AuditAction.INTAKE_SUBMITTED if submit else AuditAction.INTAKE_SAVED,
        clinic=patient.clinic,
        actor_role="patient" if as_patient else "",
        patient_id=patient.pk,
        subject=intake,
        detail={
            "diagnoses": list(entry.diagnoses),
            "trials": len(entry.trials),
            "medications": len(entry.medications),
            "by": "patient" if as_patient else "staff",
            "channel": "portal" if as_patient else "staff",
            **({"part": "patient"} if as_patient and submit else {}),
            **({"version": intake.version} if intake.status == IntakeStatus.SUBMITTED else {}),
        },
    )
    return intake
