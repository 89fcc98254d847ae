"""Recording therapy notes and medication changes: who may, what is refused, what is audited."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.care.models import MedicationChangeKind, TherapyNote, TherapyNoteKind
from ketaclinic.care.services import medication_change_record, therapy_note_record
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def note(personas: Personas, user: User, **changes: Any) -> TherapyNote:
    fields: dict[str, Any] = {
        "acting_user": user,
        "patient": personas.pat,
        "kind": TherapyNoteKind.THERAPY,
        "session_date": personas.clinic.local_today(),
        "minutes": 50,
        "text": "Session.",
    }
    fields.update(changes)
    return therapy_note_record(**fields)


@pytest.mark.parametrize("role", list(Role))
def test_therapy_notes_by_role(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.THERAPY_NOTE_RECORD].roles:
        saved = note(personas, user)
        assert AuditEvent.objects.filter(
            action=AuditAction.THERAPY_NOTE_RECORDED, object_id=str(saved.pk)
        ).exists()
    else:
        with pytest.raises(PermissionRefused):
            note(personas, user)


@pytest.mark.parametrize("role", list(Role))
def test_medication_changes_by_role(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    record = {
        "acting_user": user,
        "patient": personas.pat,
        "medication_name": "Sertraline",
        "change": MedicationChangeKind.STARTED,
        "changed_on": personas.clinic.local_today(),
    }
    if role in {Role.PHYSICIAN, Role.MEDICAL_DIRECTOR, Role.NURSE}:
        assert medication_change_record(**record).recorded_by == user
    else:
        with pytest.raises(PermissionRefused):
            medication_change_record(**record)


def test_a_correction_is_a_new_note_naming_the_old_one(personas: Personas) -> None:
    first = note(personas, personas.theo, text="Fifty minutes.")
    second = note(personas, personas.theo, text="Forty minutes, not fifty.", corrects=first)
    first.refresh_from_db()
    assert first.text == "Fifty minutes."
    assert second.corrects == first
    other = note(personas, personas.theo, patient=personas.quinn)
    with pytest.raises(InvalidInput, match="same patient"):
        note(personas, personas.theo, corrects=other)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"text": "  "}, "Write what happened"),
        ({"minutes": 0}, "1 to 600"),
        ({"session_date": datetime.date(2999, 1, 1)}, "future"),
    ],
)
def test_therapy_note_refusals(personas: Personas, changes: dict, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        note(personas, personas.theo, **changes)


def test_medication_change_refusals(personas: Personas) -> None:
    base = {
        "acting_user": personas.nina,
        "patient": personas.pat,
        "change": MedicationChangeKind.STOPPED,
        "changed_on": personas.clinic.local_today(),
    }
    with pytest.raises(InvalidInput, match="Name the medication"):
        medication_change_record(medication_name=" ", **base)
    with pytest.raises(InvalidInput, match="future"):
        medication_change_record(
            medication_name="Sertraline", **{**base, "changed_on": datetime.date(2999, 1, 1)}
        )
