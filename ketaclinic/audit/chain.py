"""The hash of one audit event, given the hash before it. Pure: the same inputs, the same hash."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ketaclinic.audit.models import AuditEvent

GENESIS_HASH = "0" * 64


def event_payload(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "occurred_at": event.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "actor_role": event.actor_role,
        "clinic_id": event.clinic_id,
        "patient_id": event.patient_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "outcome": event.outcome,
        "source_ip": event.source_ip,
        "request_id": event.request_id,
        "detail": event.detail,
    }


def entry_hash(*, event: AuditEvent, previous_hash: str) -> str:
    canonical = json.dumps(
        event_payload(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
    )
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()
