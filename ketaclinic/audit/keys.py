"""The audit key: what makes the chain's hashes impossible to recompute from the database alone.

`AUDIT_HMAC_KEY` (settings; from the environment, never stored in the database) is the current
key; `AUDIT_HMAC_OLD_KEYS` are earlier ones, kept so that events, links and checkpoints made with
them still verify after a rotation. From each key three sub-keys are derived (events, links,
checkpoints), so that a MAC made for one purpose can never stand in for another, and a key id:
a fingerprint that names the key in every row and checkpoint without revealing it.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    event: bytes = b""
    chain: bytes = b""
    checkpoint: bytes = b""


def _derive(material: str, purpose: str) -> bytes:
    return hmac.new(
        material.encode(), f"ketaclinic audit {purpose} v1".encode(), hashlib.sha256
    ).digest()


def audit_key_from(material: str) -> AuditKey:
    return AuditKey(
        key_id=_derive(material, "key id").hex()[:16],
        event=_derive(material, "event"),
        chain=_derive(material, "chain"),
        checkpoint=_derive(material, "checkpoint"),
    )


@dataclass(frozen=True)
class AuditKeyring:
    current: AuditKey
    by_id: Mapping[str, AuditKey]

    def get(self, key_id: str) -> AuditKey | None:
        return self.by_id.get(key_id)


@functools.lru_cache(maxsize=8)
def _keyring(current: str, old: tuple[str, ...]) -> AuditKeyring:
    keys = [audit_key_from(material) for material in (current, *old)]
    return AuditKeyring(current=keys[0], by_id={key.key_id: key for key in reversed(keys)})


def audit_keyring() -> AuditKeyring:
    """The configured keys (settings are read each call, so a changed setting takes effect)."""
    return _keyring(settings.AUDIT_HMAC_KEY, tuple(settings.AUDIT_HMAC_OLD_KEYS))
