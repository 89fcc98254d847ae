"""Checking the chain link by link: recompute each link's hash from its event and the link before.

The services (`audit_chain_verify`, `audit_chain_verify_after`, `audit_chain_check_newest`)
choose which links to walk and from which trusted link, and turn the walk into a `ChainReport`.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.audit.chain import legacy_entry_hash, link_hash
from ketaclinic.audit.keys import AuditKeyring
from ketaclinic.audit.models import AuditEventOrigin, AuditHashAlgorithm, AuditSeal


@dataclass(frozen=True)
class ChainWalk:
    """Where a walk along the chain stopped: the last link that holds, the first that does not
    (if any), and the events it found sealed as forged."""

    checked: int
    last_sequence: int
    last_hash: str
    broken_sequence: int | None = None
    broken_event_id: int | None = None
    problem: str = ""
    forged_count: int = 0
    forged_event_ids: tuple[int, ...] = ()


def chain_walk(
    seals: Iterable[AuditSeal],
    *,
    after_sequence: int,
    after_hash: str,
    after_keyed: bool,
    keyring: AuditKeyring,
) -> ChainWalk:
    """Recompute links in sequence order, starting after a trusted link (or the genesis)."""
    expected, previous_hash, checked, keyed = after_sequence + 1, after_hash, 0, after_keyed
    forged_count, forged_ids = 0, list[int]()
    before = f"link {after_sequence}" if after_sequence else "the start of the chain"

    def broken(sequence: int, event_id: int | None, problem: str) -> ChainWalk:
        return ChainWalk(
            checked=checked,
            last_sequence=expected - 1,
            last_hash=previous_hash,
            broken_sequence=sequence,
            broken_event_id=event_id,
            problem=problem,
            forged_count=forged_count,
            forged_event_ids=tuple(forged_ids),
        )

    for seal in seals:
        if seal.sequence != expected:
            return broken(
                expected,
                None,
                f"link {expected} is missing: {before} is followed by link "
                f"{seal.sequence} (event {seal.event_id}); a seal row was deleted",
            )
        if seal.previous_hash != previous_hash:
            return broken(
                seal.sequence,
                seal.event_id,
                f"link {seal.sequence} (event {seal.event_id}) does not point at "
                f"{before}; a seal row was replaced",
            )
        problem = _link_problem(
            seal, previous_hash=previous_hash, keyed_before=keyed, keyring=keyring
        )
        if problem:
            return broken(seal.sequence, seal.event_id, problem)
        keyed = keyed or seal.algorithm == AuditHashAlgorithm.HMAC_SHA256
        if seal.event_origin == AuditEventOrigin.FORGED:
            forged_count += 1
            forged_ids.append(seal.event_id)
        checked += 1
        previous_hash = seal.entry_hash
        before = f"link {seal.sequence} (event {seal.event_id})"
        expected += 1
    return ChainWalk(
        checked=checked,
        last_sequence=expected - 1,
        last_hash=previous_hash,
        forged_count=forged_count,
        forged_event_ids=tuple(forged_ids),
    )


def _link_problem(
    seal: AuditSeal, *, previous_hash: str, keyed_before: bool, keyring: AuditKeyring
) -> str:
    """Why this link does not hold, or "" when it does."""
    where = f"link {seal.sequence} (event {seal.event_id})"
    if seal.algorithm == AuditHashAlgorithm.SHA256:
        # Unkeyed links were sealed before the upgrade to keyed hashes, so only at the start.
        if keyed_before or seal.event_origin != AuditEventOrigin.LEGACY:
            return (
                f"{where} is an unkeyed SHA-256 link after keyed ones; only links sealed before "
                "the upgrade to keyed hashes are unkeyed, so it was added from outside ketaclinic"
            )
        expected = legacy_entry_hash(event=seal.event, previous_hash=previous_hash)
    elif seal.algorithm == AuditHashAlgorithm.HMAC_SHA256:
        key = keyring.get(seal.key_id)
        if key is None:
            return (
                f"{where} was sealed with audit key {seal.key_id}, which this server does not "
                "have: add that key to AUDIT_HMAC_OLD_KEYS (or the link was not made by "
                "ketaclinic)"
            )
        expected = link_hash(
            sequence=seal.sequence,
            previous_hash=previous_hash,
            event_origin=seal.event_origin,
            event=seal.event,
            key=key,
        )
    else:
        return f"{where} names no hash algorithm ketaclinic knows ({seal.algorithm!r})"
    if not hmac.compare_digest(expected, seal.entry_hash):
        return (
            f"event {seal.event_id} no longer matches the hash sealed at link {seal.sequence}; "
            "it (or its link) was altered after it was sealed"
        )
    return ""
