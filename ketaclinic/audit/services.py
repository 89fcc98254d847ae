"""Writing the audit trail: record an event, seal committed events into the chain, verify it.

The link-by-link recomputation that verifying delegates to is `audit.verification`.
"""

from __future__ import annotations

import datetime
import enum
import ipaddress
import json
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Min, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from ketaclinic.audit.chain import (
    GENESIS_HASH,
    event_mac,
    event_mac_matches,
    link_hash,
)
from ketaclinic.audit.hooks import actor_role_at
from ketaclinic.audit.keys import AuditKeyring, audit_keyring
from ketaclinic.audit.models import (
    AuditAction,
    AuditEvent,
    AuditEventOrigin,
    AuditHashAlgorithm,
    AuditOutcome,
    AuditSeal,
)
from ketaclinic.audit.verification import ChainWalk, chain_walk
from ketaclinic.core.request_context import current_request_context
from ketaclinic.core.sql import insert_row

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from ketaclinic.core.errors import DomainError

logger = logging.getLogger(__name__)

# Any constant: the key of PostgreSQL's advisory lock that only one sealer holds at a time.
_SEALER_LOCK_KEY = 7_326_001

# An event waits unsealed only while its own transaction is open, so it is never far behind the
# newest sealed event. Inline sealing, the sealer loop's periodic sweep and the page look this
# many event ids back from the newest link (each round of the loop only above the highest sealed
# id), which keeps their search small however long the trail grows. (Only a transaction left
# open while this many audit rows were written elsewhere would fall outside it; `verify` would
# then alert, and `ketaclinic audit seal`, which searches the whole trail, links it.)
SEAL_LOOKBACK_IDS = 10_000

# The audit page recomputes this many of the newest links on every view; `verify` does them all.
PAGE_CHECK_LINKS = 500

# A report's sentence names at most this many forged events (it keeps and counts them all).
FORGED_EVENTS_NAMED = 20


def _max_length(name: str) -> int:
    field = AuditEvent._meta.get_field(name)
    assert isinstance(field, models.CharField)
    return field.max_length or 0


class UnknownAuditAction(ValueError):
    """An action that is not an `AuditAction` value: a mistake in the code, refused at once.

    The column keeps no list of choices (a new action needs no migration), so this check is what
    keeps the trail to the actions the audit page, the export and a reviewer can name.
    """

    def __init__(self, action: object) -> None:
        super().__init__(
            f"{action!r} is not an audit action: add it to AuditAction "
            "(ketaclinic/audit/models.py) before recording it."
        )
        self.action = action


_KNOWN_ACTIONS = frozenset(AuditAction.values)

_TEXT_LIMITS = {
    name: _max_length(name)
    for name in ("actor_label", "actor_role", "object_type", "object_id", "request_id")
}


def audit_record(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: AuditAction,
    clinic: Model | None = None,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    subject: Model | None = None,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    actor_role: str = "",
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it is sealed into the chain after commit:
    right after it (AUDIT_SEAL_INLINE) or by the sealer loop (`ketaclinic audit seal --every`,
    which `ketaclinic serve` runs beside gunicorn), never in the request's transaction.

    Whatever a caller passes (an attacker's typed sign-in name, a URL, a proxy's address), the
    event is stored: text is cut to its column and NUL removed, detail made plain JSON, and an
    address that is not one kept in detail instead. Recording must never be what fails a request.
    The event carries a MAC made with the audit key before the insert (chain.event_mac), which
    is how the sealer tells it from a row inserted into the table by anyone else.
    """
    if action not in _KNOWN_ACTIONS:
        raise UnknownAuditAction(action)
    context = current_request_context()
    is_known_user = actor is not None and actor.is_authenticated
    if not actor_role and clinic is not None and is_known_user:
        # Authenticated, so a User (mypy cannot narrow the union by is_authenticated).
        actor_role = actor_role_at(user=actor, clinic=clinic)  # type: ignore[arg-type]
    detail = _plain_json(detail or {})
    source_ip = _ip_or_none(context.source_ip if context else None)
    if context and context.source_ip and source_ip is None:
        detail["unparsed_source_ip"] = _text(context.source_ip, 100)
    key = audit_keyring().current
    event = AuditEvent(
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_known_user else None,  # type: ignore[union-attr]  # not None here
        actor_label=_text(
            actor_label or (getattr(actor, "email", "") if is_known_user else ""), "actor_label"
        ),
        actor_role=_text(actor_role, "actor_role"),
        clinic_id=clinic.pk if clinic is not None else clinic_id,
        patient_id=patient_id,
        action=action,
        object_type=_text(subject._meta.label if subject is not None else "", "object_type"),
        object_id=_text(str(subject.pk) if subject is not None else "", "object_id"),
        outcome=outcome,
        source_ip=source_ip,
        request_id=_text(context.request_id if context else "", "request_id"),
        detail=detail,
        nonce=secrets.token_hex(16),
        key_id=key.key_id,
    )
    event.mac = event_mac(event, key=key)
    # Every request stores one: by a statement written once, not compiled per call (issue 15).
    insert_row(event)
    if settings.AUDIT_SEAL_INLINE:
        transaction.on_commit(_seal_after_commit)
    return event


def _text(value: str, limit: str | int) -> str:
    length = limit if isinstance(limit, int) else _TEXT_LIMITS[limit]
    return str(value).replace("\x00", "")[: length or None]


def _plain_json(detail: dict[str, Any]) -> dict[str, Any]:
    # JSONField refuses dates and Decimals, and PostgreSQL's jsonb refuses NUL in strings; the
    # chain hashes what comes back from the database, so store exactly plain JSON.
    # (NaN and Infinity, which jsonb refuses too, are kept as their names.)
    text = json.dumps(detail, default=str)
    plain: dict[str, Any] = _without_nul(json.loads(text, parse_constant=str))
    return plain


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    return value


def _ip_or_none(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def audit_refusal(*, request: HttpRequest, error: DomainError) -> AuditEvent:
    """A refused action. Call it once the refused transaction has been rolled back (as the
    error middleware does), so the record survives the rollback of what was refused."""
    clinic = getattr(request, "clinic", None)
    return audit_record(
        actor=getattr(request, "user", None),
        action=AuditAction.PERMISSION_REFUSED,
        clinic=clinic,
        outcome=AuditOutcome.REFUSED,
        detail={"path": request.path[:200], "method": request.method, "reason": error.message},
    )


def _seal_after_commit() -> None:
    try:
        # Writers commit out of id order (a transaction open longer commits a lower id after a
        # higher one was sealed), and with inline sealing no sweeper runs: search the window.
        audit_seal_recent()
    except Exception:  # the request already succeeded; an unsealed row is caught by the alert
        logger.exception("audit sealing failed; rows stay unsealed until the next run")


def _acquire_sealer_lock() -> bool:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_SEALER_LOCK_KEY])
            row = cursor.fetchone()
            return bool(row and row[0])
    # SQLite runs every transaction BEGIN IMMEDIATE (settings): writers are already serialized.
    return True


class SealSearch(enum.Enum):
    """Where a sealer looks for committed, unsealed events: cheapest first."""

    # Events after the newest sealed one: an index range scan on the primary key, no anti-join,
    # however long the trail. What each round of `ketaclinic audit seal --every` runs.
    NEWER = "newer"
    # The newest SEAL_LOOKBACK_IDS ids, unsealed ones picked out by an anti-join with the seals
    # (about 10 ms on PostgreSQL): also finds an event that committed after a higher id was
    # sealed. Inline sealing runs it after each commit; the loop every AUDIT_SEAL_SWEEP_SECONDS.
    RECENT = "recent"
    # Every event: the one-shot `ketaclinic audit seal`, and the loop's first round.
    WHOLE_TRAIL = "whole_trail"


def _newest_sealed_event_id() -> Subquery:
    # The highest id sealed (not the newest link's event: a late event is linked after higher
    # ids). The seal's unique index on event_id answers it from its last entry.
    return Subquery(AuditSeal.objects.order_by("-event_id").values("event_id")[:1])


def _unsealed(*, newest_sealed_event_id: int | None, whole_trail: bool) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(seal__isnull=True)
    if newest_sealed_event_id is not None and not whole_trail:
        events = events.filter(id__gt=newest_sealed_event_id - SEAL_LOOKBACK_IDS)
    return events


def _unsealed_newer() -> QuerySet[AuditEvent]:
    """Events above the highest sealed id: none of them can have a seal yet, so no anti-join."""
    return AuditEvent.objects.filter(id__gt=Coalesce(_newest_sealed_event_id(), Value(0)))


def _pending(*, search: SealSearch, newest_sealed_event_id: int | None) -> QuerySet[AuditEvent]:
    if search is SealSearch.NEWER:
        return _unsealed_newer()
    return _unsealed(
        newest_sealed_event_id=newest_sealed_event_id,
        whole_trail=search is SealSearch.WHOLE_TRAIL,
    )


def _newest_seal() -> AuditSeal | None:
    return (
        AuditSeal.objects.order_by("-sequence").only("sequence", "entry_hash", "event_id").first()
    )


def _seal_batch(*, batch_size: int, search: SealSearch) -> tuple[int, int | None] | None:
    """Seal up to batch_size events in one transaction: how many, and the newest link's event.

    None when another sealer holds the lock.
    """
    with transaction.atomic():
        if not _acquire_sealer_lock():
            return None
        last = _newest_seal()
        sequence = last.sequence if last else 0
        previous_hash = last.entry_hash if last else GENESIS_HASH
        pending = list(
            _pending(
                search=search, newest_sealed_event_id=last.event_id if last else None
            ).order_by("id")[:batch_size]
        )
        now = timezone.now()
        keyring = audit_keyring()
        key = keyring.current
        seals = []
        for event in pending:
            sequence += 1
            origin = _origin(event, keyring=keyring, sequence=sequence)
            current_hash = link_hash(
                sequence=sequence,
                previous_hash=previous_hash,
                event_origin=origin,
                event=event,
                key=key,
            )
            seals.append(
                AuditSeal(
                    sequence=sequence,
                    event=event,
                    previous_hash=previous_hash,
                    entry_hash=current_hash,
                    sealed_at=now,
                    algorithm=AuditHashAlgorithm.HMAC_SHA256,
                    key_id=key.key_id,
                    event_origin=origin,
                )
            )
            previous_hash = current_hash
        AuditSeal.objects.bulk_create(seals)
        newest_event_id = seals[-1].event_id if seals else (last.event_id if last else None)
        return len(seals), newest_event_id


def _origin(event: AuditEvent, *, keyring: AuditKeyring, sequence: int) -> AuditEventOrigin:
    """Genuine, or forged: a forged row is sealed all the same (marked, and kept as evidence),
    so that the chain goes on for everyone else and the row can never be quietly removed."""
    if event_mac_matches(event, keyring=keyring):
        return AuditEventOrigin.APPLICATION
    logger.error(
        "audit event %s was not written by the application (%s); sealed at link %s as forged",
        event.pk,
        _why_forged(event, keyring=keyring),
        sequence,
    )
    return AuditEventOrigin.FORGED


def _why_forged(event: AuditEvent, *, keyring: AuditKeyring) -> str:
    if not event.mac:
        return "it has no MAC"
    if keyring.get(event.key_id) is None:
        return f"its MAC names audit key {event.key_id!r}, which this server does not have"
    return "its MAC does not match its content"


def audit_seal_pending(
    *, batch_size: int = 2000, whole_trail: bool = False, max_batches: int = 100
) -> int:
    """Link committed events after the newest sealed one (or, `whole_trail`, every unsealed
    event) into the chain, in id order. Returns how many.

    Without `whole_trail` this is the cheap search (SealSearch.NEWER) each round of the sealer
    loop runs: it does not see an event that committed after a higher id was sealed;
    `audit_seal_recent` (the loop's periodic sweep) and `whole_trail` do.
    """
    search = SealSearch.WHOLE_TRAIL if whole_trail else SealSearch.NEWER
    return _seal_pending(search=search, batch_size=batch_size, max_batches=max_batches)


def audit_seal_recent(*, batch_size: int = 2000, max_batches: int = 100) -> int:
    """Link committed, unsealed events among the newest SEAL_LOOKBACK_IDS ids, in id order,
    including events that committed after a higher id was sealed. Returns how many."""
    return _seal_pending(search=SealSearch.RECENT, batch_size=batch_size, max_batches=max_batches)


def _seal_pending(*, search: SealSearch, batch_size: int, max_batches: int) -> int:
    """Seal in batches of `batch_size`, each in its own transaction, until nothing is pending.

    One sealer at a time holds the lock; a caller that finds it taken returns at once. So that
    its events are not left behind, the holder looks again after letting go of the lock, and
    seals on while anything is pending: an event committed before a refused caller tried the lock
    is committed before the holder looks again, so one of the two always takes it.
    """
    sealed = 0
    for _ in range(max_batches):
        try:
            batch = _seal_batch(batch_size=batch_size, search=search)
        except IntegrityError:
            # Two sealers raced (possible only without the advisory lock); the other one won.
            return sealed
        if batch is None:
            return sealed  # the sealer holding the lock looks again once it lets go
        count, newest_id = batch
        sealed += count
        if count < batch_size and not (
            _pending(search=search, newest_sealed_event_id=newest_id).exists()
        ):
            return sealed
    return sealed


@dataclass(frozen=True)
class SealBacklog:
    """Events above the highest sealed id, as /healthz reports them (one indexed query).

    An event that committed late, below that id, is not counted here: the sealer's sweep links
    it within AUDIT_SEAL_SWEEP_SECONDS, and the audit page and `verify` count it.
    """

    unsealed_count: int
    oldest_unsealed_at: datetime.datetime | None
    is_count_capped: bool

    @property
    def oldest_unsealed_seconds(self) -> int:
        if self.oldest_unsealed_at is None:
            return 0
        return max(0, int((timezone.now() - self.oldest_unsealed_at).total_seconds()))

    @property
    def is_sealer_behind(self) -> bool:
        """Whether events have waited longer than AUDIT_UNSEALED_ALERT_SECONDS."""
        return self.oldest_unsealed_seconds > settings.AUDIT_UNSEALED_ALERT_SECONDS


# /healthz counts at most this many waiting events, so a sealer stopped for hours does not make
# every health check scan the whole backlog. (The oldest is among the lowest ids, all counted.)
BACKLOG_COUNT_CAP = 10_000


def audit_seal_backlog() -> SealBacklog:
    """How many events wait above the highest sealed id, and since when: one query, two index
    range scans (the seals' event_id and the events' primary key), capped at BACKLOG_COUNT_CAP."""
    waiting = (
        _unsealed_newer()
        .order_by("id")
        .values("id", "occurred_at")[: BACKLOG_COUNT_CAP + 1]
        .aggregate(count=Count("id"), oldest=Min("occurred_at"))
    )
    return SealBacklog(
        unsealed_count=min(waiting["count"], BACKLOG_COUNT_CAP),
        oldest_unsealed_at=waiting["oldest"],
        is_count_capped=waiting["count"] > BACKLOG_COUNT_CAP,
    )


@dataclass(frozen=True)
class ChainReport:
    """What a check of the chain found. `checked_from_sequence` 1 means the whole chain.

    A forged event (one the application did not write) does not break the links: it was sealed
    marked as such, and is reported on its own (`forged_count`, and every id: they are rare).
    """

    last_sequence: int
    head_hash: str
    checked_links: int
    checked_from_sequence: int
    unsealed_count: int
    oldest_unsealed_at: datetime.datetime | None
    first_broken_sequence: int | None = None
    first_broken_event_id: int | None = None
    problem: str = ""
    forged_count: int = 0
    forged_event_ids: tuple[int, ...] = ()
    head_algorithm: str = AuditHashAlgorithm.HMAC_SHA256

    @property
    def is_intact(self) -> bool:
        return self.first_broken_sequence is None

    @property
    def is_whole_chain(self) -> bool:
        return self.checked_from_sequence <= 1

    @property
    def has_stale_unsealed(self) -> bool:
        if self.oldest_unsealed_at is None:
            return False
        limit = datetime.timedelta(seconds=settings.AUDIT_UNSEALED_ALERT_SECONDS)
        return timezone.now() - self.oldest_unsealed_at > limit

    @property
    def forged_problem(self) -> str:
        """A sentence naming the forged events, or "" when there are none."""
        if not self.forged_count:
            return ""
        shown = self.forged_event_ids[:FORGED_EVENTS_NAMED]
        named = ", ".join(str(event_id) for event_id in shown)
        more = self.forged_count - len(shown)
        if self.forged_count == 1:
            subject = f"event {named} was"
        else:
            subject = f"events {named}{f' and {more:,} more' if more else ''} were"
        return (
            f"{subject} not written by the application: without a valid MAC made with the "
            "audit key, it was inserted straight into the database (or by a server with another "
            "AUDIT_HMAC_KEY). It is sealed marked as forged and kept as evidence"
        )


def _report(
    walk: ChainWalk,
    *,
    checked_from: int,
    head: AuditSeal | None,
    unsealed: QuerySet[AuditEvent],
) -> ChainReport:
    waiting = unsealed.aggregate(count=Count("id"), oldest=Min("occurred_at"))
    return ChainReport(
        last_sequence=head.sequence if head else 0,
        head_hash=head.entry_hash if head else GENESIS_HASH,
        head_algorithm=head.algorithm if head else AuditHashAlgorithm.HMAC_SHA256,
        checked_links=walk.checked,
        checked_from_sequence=checked_from,
        unsealed_count=waiting["count"],
        oldest_unsealed_at=waiting["oldest"],
        first_broken_sequence=walk.broken_sequence,
        first_broken_event_id=walk.broken_event_id,
        problem=walk.problem,
        forged_count=walk.forged_count,
        forged_event_ids=walk.forged_event_ids,
    )


def _log_alarms(report: ChainReport) -> None:
    if not report.is_intact:
        logger.error(
            "audit chain broken at link %s: %s", report.first_broken_sequence, report.problem
        )
    if report.forged_count:
        logger.error("audit chain: %s", report.forged_problem)
    if report.has_stale_unsealed:
        logger.error(
            "audit chain: %s events unsealed, oldest from %s (over %s s)",
            report.unsealed_count,
            report.oldest_unsealed_at,
            settings.AUDIT_UNSEALED_ALERT_SECONDS,
        )


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Recompute every link from the genesis; report the first one that does not hold, and
    every event sealed as forged.

    Unsealed events are counted over the whole trail (not just the sealer's recent window).
    """
    report, _last_sequence, _last_hash = audit_chain_verify_after(
        anchor=None, chunk_size=chunk_size
    )
    return report


def audit_chain_verify_after(
    *, anchor: AuditSeal | None, chunk_size: int = 5000
) -> tuple[ChainReport, int, str]:
    """Recompute the links after a trusted one (a checkpoint's; None: from the genesis).

    Returns the report and the last link that holds (its sequence and hash): the head a
    checkpoint may record.
    """
    seals = AuditSeal.objects.select_related("event").order_by("sequence")
    if anchor is not None:
        seals = seals.filter(sequence__gt=anchor.sequence)
    walk = chain_walk(
        seals.iterator(chunk_size=chunk_size),
        after_sequence=anchor.sequence if anchor else 0,
        after_hash=anchor.entry_hash if anchor else GENESIS_HASH,
        after_keyed=anchor is not None and anchor.algorithm == AuditHashAlgorithm.HMAC_SHA256,
        keyring=audit_keyring(),
    )
    report = _report(
        walk,
        checked_from=(anchor.sequence if anchor else 0) + 1,
        head=_newest_seal(),
        unsealed=_unsealed(newest_sealed_event_id=None, whole_trail=True),
    )
    _log_alarms(report)
    return report, walk.last_sequence, walk.last_hash


def audit_chain_check_newest(*, links: int = PAGE_CHECK_LINKS) -> ChainReport:
    """Recompute the newest `links` links, in two queries: cheap enough for every page view.

    The link just before them is the trusted starting point, so a change further back is found
    only by `audit_chain_verify`. Unsealed events are counted in the sealer's recent window.
    """
    newest = list(AuditSeal.objects.select_related("event").order_by("-sequence")[: links + 1])
    newest.reverse()
    if not newest or newest[0].sequence == 1:  # a short chain: check it all, from the genesis
        anchor_sequence, anchor_hash, anchor_keyed, to_check = 0, GENESIS_HASH, False, newest
    else:
        anchor, to_check = newest[0], newest[1:]
        anchor_sequence, anchor_hash = anchor.sequence, anchor.entry_hash
        anchor_keyed = anchor.algorithm == AuditHashAlgorithm.HMAC_SHA256
    walk = chain_walk(
        to_check,
        after_sequence=anchor_sequence,
        after_hash=anchor_hash,
        after_keyed=anchor_keyed,
        keyring=audit_keyring(),
    )
    head = newest[-1] if newest else None
    return _report(
        walk,
        checked_from=anchor_sequence + 1,
        head=head,
        unsealed=_unsealed(
            newest_sealed_event_id=head.event_id if head else None, whole_trail=False
        ),
    )
