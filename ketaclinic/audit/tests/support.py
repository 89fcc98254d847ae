"""Helpers for the audit tests: record events, and tamper with rows as an intruder would."""

from __future__ import annotations

import io
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from ketaclinic.audit.chain import event_mac
from ketaclinic.audit.guards import AUDIT_TABLES
from ketaclinic.audit.keys import audit_keyring
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.append_only import append_only_suspended


def record_events(count: int, **fields: Any) -> list[AuditEvent]:
    """`count` failed sign-ins (no actor, no clinic), numbered in their detail."""
    from ketaclinic.audit.services import audit_record

    return [
        audit_record(actor=None, action=AuditAction.SIGN_IN_FAILED, detail={"n": n}, **fields)
        for n in range(count)
    ]


def record_event_with_id(pk: int) -> AuditEvent:
    """A genuine event (MAC and all, as audit_record makes it) that took the id `pk`."""
    key = audit_keyring().current
    event = AuditEvent(
        pk=pk,
        occurred_at=timezone.now(),
        action=AuditAction.SIGN_IN_FAILED,
        nonce=secrets.token_hex(16),
        key_id=key.key_id,
    )
    event.mac = event_mac(event, key=key)
    event.save(force_insert=True)
    return event


@contextmanager
def tampering() -> Iterator[Any]:
    """A raw cursor that can change audit rows, as someone with a SQL prompt could.

    That takes switching the append-only triggers off first (PostgreSQL: only the tables' owner
    can; the application's role in production cannot). The switch is part of the test's
    transaction, so it is undone with it.
    """
    with append_only_suspended(connection, [AUDIT_TABLES]), connection.cursor() as cursor:
        yield cursor


def insert_forged_event(
    *, action: str = AuditAction.PATIENT_CHART_VIEWED, actor_label: str = "ada@clinic.test"
) -> int:
    """An event INSERTed straight into the table, as anyone with the database role could."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (occurred_at, actor_id, actor_label, actor_role, "
            "clinic_id, patient_id, action, object_type, object_id, outcome, source_ip, "
            "request_id, detail) VALUES (%s, NULL, %s, '', NULL, NULL, %s, '', '', 'success', "
            "NULL, '', '{}') RETURNING id",
            [timezone.now(), actor_label, str(action)],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def run_audit_command(*args: str) -> str:
    """`ketaclinic audit ...`, returning what it printed (a failure raises CommandError)."""
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=out)
    return out.getvalue()
