"""Counting wrong secrets, and pausing after too many: per purpose, per account and address.

Used where a secret is checked outside django-axes' password lockout: the second step of sign-in
(authenticator, recovery and emailed codes), a witness's signature, and the per-address ceiling
on failed passwords. Axes keeps its own records in the database for the sign-in password itself.

Each guarded check first takes one of `failure_limit` numbered slots in the cache (`cache.add`,
which is atomic on the database cache, Redis and local memory), then compares the secret; a wrong
one keeps its slot for the cool-off, a right one frees them. So a burst of simultaneous guesses
gets at most `failure_limit` comparisons, and the failure after which every slot is held starts
the pause. A slot left by an attempt that was never finished expires with the cool-off.

If the cache cannot be reached, the check goes ahead uncounted (and the error is logged): the
secret is still checked, and a signature at the chair must not wait for a cache server.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ketaclinic.core.request_context import address_bucket, client_ip

logger = logging.getLogger(__name__)

_KEY_PREFIX = "ketaclinic:attempts"


@dataclass(frozen=True)
class AttemptLimit:
    """`failure_limit` wrong secrets within `cool_off` pause the checks for `cool_off`."""

    purpose: str
    failure_limit: int
    cool_off: timedelta

    @property
    def minutes(self) -> int:
        return max(1, int(self.cool_off.total_seconds() // 60))


@dataclass(frozen=True)
class Attempt:
    """One check in progress, holding slot `slot` (None when the cache could not count it)."""

    limit: AttemptLimit
    key: str
    slot: int | None


def second_step_limit() -> AttemptLimit:
    return AttemptLimit(
        "second-step", settings.SECOND_STEP_FAILURE_LIMIT, settings.SECOND_STEP_COOLOFF_TIME
    )


def witness_signature_limit() -> AttemptLimit:
    return AttemptLimit(
        "witness-signature",
        settings.WITNESS_SIGNATURE_FAILURE_LIMIT,
        settings.WITNESS_SIGNATURE_COOLOFF_TIME,
    )


def sign_in_address_limit() -> AttemptLimit:
    return AttemptLimit(
        "sign-in-address", settings.SIGN_IN_ADDRESS_FAILURE_LIMIT, settings.AXES_COOLOFF_TIME
    )


def client_network(request: HttpRequest | None) -> str | None:
    """The client's address as the limits count it: an IPv4 address, or an IPv6 /64 (by its
    first address); None when the request has none that parses.

    One IPv6 household or phone holds a whole /64, so changing addresses inside it must not
    escape a limit. (Behind a proxy, TRUSTED_PROXY_COUNT says which forwarded address to trust.)
    """
    raw = (
        client_ip(request, trusted_proxy_count=settings.AXES_IPWARE_PROXY_COUNT)
        if request is not None
        else None
    )
    return address_bucket(raw)


def subject_at(request: HttpRequest | None, *parts: object) -> str:
    """The subject of a limit: its parts (an account id) and the client's network."""
    return "|".join([*(str(part) for part in parts), client_network(request) or "unknown"])


def _key(limit: AttemptLimit, subject: str) -> str:
    digest = hashlib.sha256(subject.encode()).hexdigest()
    return f"{_KEY_PREFIX}:{limit.purpose}:{digest}"


def _slot_keys(key: str, limit: AttemptLimit) -> list[str]:
    return [f"{key}:{index}" for index in range(limit.failure_limit)]


def attempt_begin(limit: AttemptLimit, *, subject: str) -> Attempt | None:
    """Take a slot for one check of a secret, or None while the checks are paused."""
    key = _key(limit, subject)
    seconds = limit.cool_off.total_seconds()
    slot_keys = _slot_keys(key, limit)
    try:
        held = cache.get_many([f"{key}:paused", *slot_keys])
        if f"{key}:paused" in held:
            return None
        for index, slot_key in enumerate(slot_keys):
            # Only the free ones are tried (one read, not one write per failure on record).
            if slot_key not in held and cache.add(slot_key, True, timeout=seconds):
                return Attempt(limit=limit, key=key, slot=index)
        # Every slot is held by a recent failure (or a simultaneous attempt): pause.
        cache.add(f"{key}:paused", True, timeout=seconds)
    except Exception:
        logger.exception("attempt limit %s unavailable; this check is not counted", limit.purpose)
        return Attempt(limit=limit, key=key, slot=None)
    return None


def attempt_failed(attempt: Attempt) -> bool:
    """The secret was wrong: keep the slot. True when this failure starts the pause."""
    if attempt.slot is None:
        return False
    slot_keys = _slot_keys(attempt.key, attempt.limit)
    try:
        if len(cache.get_many(slot_keys)) < attempt.limit.failure_limit:
            return False
        cache.set(f"{attempt.key}:paused", True, timeout=attempt.limit.cool_off.total_seconds())
        # The pause is the penalty; the count starts afresh when it lifts.
        cache.delete_many(slot_keys)
    except Exception:
        logger.exception("attempt limit %s could not start a pause", attempt.limit.purpose)
        return False
    return True


def attempt_succeeded(attempt: Attempt) -> None:
    """The secret was right: the earlier failures of this account at this address are forgiven."""
    if attempt.slot is None:
        return
    try:
        cache.delete_many(_slot_keys(attempt.key, attempt.limit))
    except Exception:
        logger.exception("attempt limit %s could not be cleared", attempt.limit.purpose)


def attempt_abandoned(attempt: Attempt) -> None:
    """The secret was not compared (or was right, for a limit shared by many accounts): free
    only this attempt's slot, leaving the failures of others counted."""
    if attempt.slot is None:
        return
    try:
        cache.delete(f"{attempt.key}:{attempt.slot}")
    except Exception:
        logger.exception("attempt limit %s could not free a slot", attempt.limit.purpose)
