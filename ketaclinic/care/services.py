"""Recording combined care: therapy and integration notes, and medication changes. Each write
checks its permission, saves one immutable row and its audit event in one transaction."""

from __future__ import annotations

import datetime

from django.db import transaction

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.care.models import (
    MedicationChange,
    MedicationChangeKind,
    TherapyNote,
    TherapyNoteKind,
)
from ketaclinic.core.errors import InvalidInput
from ketaclinic.patients.models import Patient

MAX_SESSION_MINUTES = 600


def _not_in_future(*, day: datetime.date, today: datetime.date, field: str, what: str) -> None:
    if day > today:
        raise InvalidInput(
            f"The {what} cannot be in the future ({day:%d %b %Y}).",
            fields={field: ["Cannot be in the future."]},
        )


@transaction.atomic
def therapy_note_record(
    *,
    acting_user: User,
    patient: Patient,
    kind: TherapyNoteKind,
    session_date: datetime.date,
    minutes: int,
    text: str,
    corrects: TherapyNote | None = None,
) -> TherapyNote:
    """A therapy, integration or psychiatry follow-up note. Saved once; to correct one, record a
    new note with `corrects` naming it (the original stays as it was)."""
    require_permission(user=acting_user, action=Action.THERAPY_NOTE_RECORD, clinic=patient.clinic)
    text = text.strip()
    if not text:
        raise InvalidInput("Write what happened in the session.", fields={"text": ["Required."]})
    if not 1 <= minutes <= MAX_SESSION_MINUTES:
        raise InvalidInput(
            f"A session lasts 1 to {MAX_SESSION_MINUTES} minutes.",
            fields={"minutes": [f"1 to {MAX_SESSION_MINUTES}."]},
        )
    _not_in_future(
        day=session_date,
        today=patient.clinic.local_today(),
        field="session_date",
        what="session date",
    )
    if corrects is not None and corrects.patient_id != patient.pk:
        raise InvalidInput(
            "A correction must be about the same patient as the note it corrects.",
            fields={"corrects": ["Another patient's note."]},
        )
    note = TherapyNote.objects.create(
        clinic=patient.clinic,
        patient=patient,
        kind=kind,
        session_date=session_date,
        minutes=minutes,
        text=text,
        author=acting_user,
        corrects=corrects,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.THERAPY_NOTE_RECORDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=note,
        detail={"kind": kind, "corrects": corrects.pk if corrects else None},
    )
    return note


@transaction.atomic
def medication_change_record(
    *,
    acting_user: User,
    patient: Patient,
    medication_name: str,
    change: MedicationChangeKind,
    changed_on: datetime.date,
    dose_text: str = "",
    reason: str = "",
) -> MedicationChange:
    """A medication started, stopped, changed in dose, or held for an infusion day."""
    require_permission(
        user=acting_user, action=Action.MEDICATION_CHANGE_RECORD, clinic=patient.clinic
    )
    medication_name = medication_name.strip()
    if not medication_name:
        raise InvalidInput("Name the medication.", fields={"medication_name": ["Required."]})
    if change == MedicationChangeKind.DOSE_CHANGED and not dose_text.strip():
        raise InvalidInput(
            "A dose change needs the new dose (e.g. '100 mg daily').",
            fields={"dose_text": ["Required for a dose change."]},
        )
    _not_in_future(
        day=changed_on, today=patient.clinic.local_today(), field="changed_on", what="change date"
    )
    row = MedicationChange.objects.create(
        clinic=patient.clinic,
        patient=patient,
        medication_name=medication_name,
        change=change,
        dose_text=dose_text.strip(),
        changed_on=changed_on,
        reason=reason.strip(),
        recorded_by=acting_user,
    )
    audit_record(
        actor=acting_user,
        action=AuditAction.MEDICATION_CHANGE_RECORDED,
        clinic=patient.clinic,
        patient_id=patient.pk,
        subject=row,
        detail={"medication": medication_name, "change": change},
    )
    return row
