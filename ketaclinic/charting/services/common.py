"""What every seam of the session day's writes shares: the session's row lock, the checks that
it is still open (or its note unsigned), a charted time (never in the future, never before
check-in), the one retry path of a row a tablet may send twice (`_sent_once`), and the audit
event with the session's clinic and patient.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, connection, models
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.access import SESSION_NOT_FOUND
from ketaclinic.charting.models import (
    SentOnce,
    SessionNote,
    TreatmentSession,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound, PreconditionFailed
from ketaclinic.core.sql import column, for_update, table
from ketaclinic.medicine.errors import ClinicalRuleError

# A tablet's clock may run a little ahead of the server's; beyond this a time is "in the future".
CLOCK_SKEW = datetime.timedelta(minutes=1)

RowT = TypeVar("RowT", bound=SentOnce)
KEY_REUSED = "This entry was already sent with different values; reload the session."
SENT_TWICE_AT_ONCE = (
    "This entry arrived twice at the same moment; send it again with the same key and the one "
    "stored is returned."
)
# Every (session, idempotency key) constraint's name ends so (charting/models.py).
_SENT_ONCE_SUFFIX = "_sent_once"
# `_sent_once` looks the key up itself unless the caller already did.
_LOOK_UP = object()


def _lock(session_id: int) -> TreatmentSession:
    """The session, locked: by id, so a row's `.session` is not loaded only to be read again."""
    return TreatmentSession.objects.select_for_update().get(pk=session_id)


def session_reference(*, clinic: Clinic, session_id: int) -> TreatmentSession:
    """A session named by an address, not yet read: its id and the acting clinic only.

    An endpoint that writes hands this to a service that reads the row once, under its lock
    and within the clinic (`_lock_in_clinic`): one statement where a read and a lock were two
    (issue 15). Nothing but `pk` and `clinic` may be read from it.
    """
    return TreatmentSession(pk=session_id, clinic=clinic)


@functools.cache
def _lock_statement(vendor: str) -> str:
    """The session's row by id within a clinic, locked (written once: `core.sql`)."""
    del vendor  # the cache key: the text is the database's own
    session = TreatmentSession
    return (
        f"SELECT * FROM {table(session)} WHERE {column(session, 'id')} = %s "  # noqa: S608  (model names only)
        f"AND {column(session, 'clinic')} = %s{for_update()}"
    )


def _lock_in_clinic(session: TreatmentSession) -> TreatmentSession:
    """The session's row, locked, read once, within its clinic (a NotFound for another
    clinic's). The clinic already loaded with `session` (the caller's acting clinic, the same
    row) is kept rather than read again. Every write of the session day starts here, so the
    statement is written once per process rather than compiled on every call (issue 15)."""
    if not connection.in_atomic_block:
        # As `select_for_update()` refuses: a lock outside a transaction ends at once.
        raise TransactionManagementError("The session's row is locked inside a transaction.")
    rows = TreatmentSession.objects.raw(
        _lock_statement(connection.vendor), [session.pk, session.clinic_id]
    )
    locked = next(iter(rows), None)
    if locked is None:
        raise NotFound(SESSION_NOT_FOUND)
    if TreatmentSession.clinic.is_cached(session):
        locked.clinic = session.clinic
    return locked


def _is_signed(session_id: int) -> bool:
    return SessionNote.objects.filter(session_id=session_id).exists()


def _require_open(session: TreatmentSession) -> None:
    if not session.is_open:
        then = (
            "Add an addendum to its note instead."
            if _is_signed(session.pk)
            else "Sign its note, then add what happened as an addendum."
        )
        raise PreconditionFailed(
            f"This session is {session.get_status_display().lower()}; it can no longer be "
            f"charted. {then}"
        )


def _require_unsigned(session: TreatmentSession, *, what: str) -> None:
    """Once the nurse has signed the note, it and the rows it summarises are the signed record:
    what comes later is an addendum, never a change in place (issue 13 item 2)."""
    if _is_signed(session.pk):
        raise PreconditionFailed(
            f"The note for this session is signed, so {what} can no longer be charted on it; "
            "write it in an addendum to the signed note."
        )


def charted_time(
    session: TreatmentSession, when: datetime.datetime | None, *, field: str = "occurred_at"
) -> datetime.datetime:
    """Now, or the time given for a late entry: never in the future or before check-in."""
    now = timezone.now()
    if when is None:
        return now
    if timezone.is_naive(when):
        raise InvalidInput("Give the time with its time zone.", fields={field: ["No time zone."]})
    if when > now + CLOCK_SKEW:
        raise InvalidInput(
            "That time is in the future; chart what has happened.",
            fields={field: ["In the future."]},
        )
    if when < session.checked_in_at:
        local = timezone.localtime(session.checked_in_at, session.clinic.zone)
        raise InvalidInput(
            f"That time is before the patient checked in ({local:%H:%M}).",
            fields={field: ["Before check-in."]},
        )
    return when


def _clinical(error: ClinicalRuleError, field: str | None = None) -> InvalidInput:
    return InvalidInput(error.message, fields={field: [error.message]} if field else None)


def _key(idempotency_key: str) -> str:
    return idempotency_key.strip()[:64]


def _sent_once(
    model: type[RowT],
    *,
    session: TreatmentSession,
    key: str,
    same: Callable[[RowT], bool],
    write: Callable[[], RowT],
    existing: RowT | object | None = _LOOK_UP,
) -> RowT:
    """The one retry path of every row a tablet may send twice.

    With a key: the row already stored under it is returned (`is_retry`) when its values are
    `same`, and refused (Conflict) otherwise — before any precondition, so a retry that arrives
    after the session moved on (a stop resent from recovery) still finds its row. When none is
    stored, `write` checks the preconditions and stores the row and its consequences (ledger,
    alarms, audit). Callers hold the session's row lock, so retries racing each other queue on
    it and each looks the key up after the one before committed (READ COMMITTED reads afresh
    per statement; SQLite runs one writer at a time): the lookup ends the race, with no
    savepoint. The unique constraint on (session, key) is the guard behind it. `existing` is
    the row already looked up by a caller that read it with others in one query (vitals).
    """

    def stored(row: RowT) -> RowT:
        if not same(row):
            raise Conflict(KEY_REUSED)
        row.is_retry = True
        return row

    if not key:
        return write()
    if existing is _LOOK_UP:
        existing = model._default_manager.filter(session=session, idempotency_key=key).first()
    if existing is not None:
        assert isinstance(existing, model)
        return stored(existing)
    try:
        return write()
    except IntegrityError as error:
        if _SENT_ONCE_SUFFIX not in str(error) and "idempotency_key" not in str(error):
            raise  # another constraint: not a retry
        # Only a writer not holding the session's lock could have stored the key meanwhile;
        # the transaction is spoiled (PostgreSQL), so the device is asked to send it again,
        # when the stored entry is what it gets back.
        raise Conflict(SENT_TWICE_AT_ONCE) from error


def _given(when: datetime.datetime | None, stored: datetime.datetime) -> bool:
    """A time sent with a retry matches the stored one; a time left out matches any."""
    return when is None or when == stored


def _audit(
    *,
    acting_user: User,
    action: AuditAction,
    session: TreatmentSession,
    subject: models.Model | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit_record(
        actor=acting_user,
        action=action,
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=subject or session,
        detail={"session": session.pk, **(detail or {})},
    )


def session_minute(session: TreatmentSession, moment: datetime.datetime) -> float:
    """Minutes on the session clock (0 = pump start or first device; negative before)."""
    origin = session.started_at or session.checked_in_at
    return (moment - origin).total_seconds() / 60
