"""How events and links are hashed. Pure: the same inputs and key, the same hash.

- An event's MAC (`event_mac`) is made by audit_record before the row is inserted, so it covers
  everything the row says except its id (not known yet) and the MAC itself, plus a random nonce.
  Someone who INSERTs a row with the database role alone cannot make one that verifies.
- A link's hash (`link_hash`) is an HMAC over the link before it, the link's sequence and verdict
  on its event, and the whole event, id and MAC included.
- Links sealed before keyed hashes existed were plain SHA-256 over the event as JSON
  (`legacy_entry_hash`); they verify as they were made, and only at the start of the chain.

Both keyed digests hash `canonical()`, an unambiguous encoding whose form does not change when
the database gives a value back in another form (PostgreSQL's jsonb returns the float 1e100 as
the integer 10**100; an IPv6 address comes back in its own spelling): the MAC is computed before
the insert and checked on what is read back, so the two must agree.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ketaclinic.audit.keys import AuditKey, AuditKeyring
from ketaclinic.audit.models import AuditEvent

GENESIS_HASH = "0" * 64

# What an event says, in the order of its columns (its id, nonce, key id and MAC aside).
EVENT_FIELDS = (
    "occurred_at",
    "actor_id",
    "actor_label",
    "actor_role",
    "clinic_id",
    "patient_id",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "source_ip",
    "request_id",
    "detail",
)
_ID_FIELDS = frozenset({"actor_id", "clinic_id", "patient_id"})


def canonical(value: Any) -> bytes:
    parts: list[str] = []
    _encode(value, parts)
    return "".join(parts).encode("utf-8", "surrogatepass")


def _encode(value: Any, parts: list[str]) -> None:
    if value is None:
        parts.append("z")
    elif value is True or value is False:
        parts.append("T" if value else "F")
    elif isinstance(value, int | float | Decimal):
        parts.append(f"n{_number(value)};")
    elif isinstance(value, str):
        text = str(value)  # an enum member's value
        parts.append(f"s{len(text)}:{text}")
    elif isinstance(value, datetime.datetime):
        moment = value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
        parts.append(f"t{moment};")
    elif isinstance(value, list | tuple):
        parts.append("l")
        for item in value:
            _encode(item, parts)
        parts.append("e")
    elif isinstance(value, Mapping):
        parts.append("d")
        for key in sorted(value, key=str):
            _encode(str(key), parts)
            _encode(value[key], parts)
        parts.append("e")
    else:
        _encode(str(value), parts)


def _number(value: int | float | Decimal) -> str:
    # A whole float is the integer it stands for (jsonb gives 1e100 back as 10**100 and -0.0
    # as 0); any other float is its shortest repr, which jsonb's exact decimal gives back.
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return str(int(Decimal(repr(value))))
        return repr(value)
    return str(value)


def _field(event: AuditEvent, name: str) -> Any:
    value = getattr(event, name)
    if value is None:
        return None
    if name in _ID_FIELDS:
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    if name == "source_ip":
        try:
            return str(ipaddress.ip_address(str(value)))
        except ValueError:
            return value
    return value


def event_content(event: AuditEvent) -> dict[str, Any]:
    content = {name: _field(event, name) for name in EVENT_FIELDS}
    content.update(version=1, nonce=event.nonce, key_id=event.key_id)
    return content


def event_mac(event: AuditEvent, *, key: AuditKey) -> str:
    return hmac.new(key.event, canonical(event_content(event)), hashlib.sha256).hexdigest()


def event_mac_matches(event: AuditEvent, *, keyring: AuditKeyring) -> bool:
    """Whether the application wrote this event: its MAC verifies under the key it names."""
    key = keyring.get(event.key_id)
    if key is None or not event.nonce or not event.mac:
        return False
    return hmac.compare_digest(event_mac(event, key=key), event.mac)


def link_hash(
    *, sequence: int, previous_hash: str, event_origin: str, event: AuditEvent, key: AuditKey
) -> str:
    content = {
        "version": 1,
        "sequence": sequence,
        "previous_hash": previous_hash,
        "key_id": key.key_id,
        "event_origin": event_origin,
        "event_id": event.pk,
        "event": event_content(event),
        "event_mac": event.mac,
    }
    return hmac.new(key.chain, canonical(content), hashlib.sha256).hexdigest()


def event_payload(event: AuditEvent) -> dict[str, Any]:
    """The event as the unkeyed (legacy) links hashed it."""
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


def legacy_entry_hash(*, event: AuditEvent, previous_hash: str) -> str:
    """A link as sealed before keyed hashes: SHA-256, which anyone can recompute."""
    text = json.dumps(
        event_payload(event), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str
    )
    return hashlib.sha256(f"{previous_hash}\n{text}".encode()).hexdigest()
