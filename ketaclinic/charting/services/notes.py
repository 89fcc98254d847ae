"""The signed note: the nurse signs the generated summary (freezing it), a different physician
co-signs, and what comes later is an addendum, never a change in place.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    SessionAddendum,
    SessionNote,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors import (
    session_note_text,
)
from ketaclinic.charting.services.common import (
    _audit,
    _lock,
)
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed


@transaction.atomic
def session_note_sign(*, acting_user: User, session: TreatmentSession) -> SessionNote:
    """The nurse signs the generated summary (which freezes it); a physician then co-signs."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    locked = _lock(session.pk)
    if locked.status not in (SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN):
        raise PreconditionFailed("The note is signed after discharge.")
    now = timezone.now()
    note = SessionNote.objects.filter(session=locked).select_for_update().first()
    if note is None:
        note = SessionNote.objects.create(
            clinic=locked.clinic,
            session=locked,
            body=session_note_text(session=locked),
            nurse_signed_by=acting_user,
            nurse_signed_at=now,
        )
        signature = "first"
    else:
        if note.physician_signed_at is not None:
            raise Conflict("The note is already signed by a nurse and a physician.")
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        if acting_user.pk == note.nurse_signed_by_id:
            raise PreconditionFailed("The co-signature is a different physician's.")
        note.physician_signed_by = acting_user
        note.physician_signed_at = now
        note.save(update_fields=["physician_signed_by", "physician_signed_at", "updated_at"])
        signature = "physician"
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_NOTE_SIGNED,
        session=locked,
        subject=note,
        detail={"signature": signature},
    )
    return note


@transaction.atomic
def session_addendum_add(*, acting_user: User, note: SessionNote, text: str) -> SessionAddendum:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=note.clinic)
    text = text.strip()
    if len(text) < 3:
        raise InvalidInput("Write the addendum.", fields={"text": ["Required."]})
    addendum = SessionAddendum.objects.create(
        clinic=note.clinic, note=note, text=text, author=acting_user, written_at=timezone.now()
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_NOTE_ADDENDUM,
        session=note.session,
        subject=addendum,
    )
    return addendum
