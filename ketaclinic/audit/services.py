"""Writing the audit trail: record an event, seal committed events into the chain, verify it."""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from ketaclinic.audit.chain import GENESIS_HASH, entry_hash
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome, AuditSeal
from ketaclinic.core.request_context import current_request_context

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.core.errors import DomainError

logger = logging.getLogger(__name__)

# Any constant: the key of PostgreSQL's advisory lock that only one sealer holds at a time.
_SEALER_LOCK_KEY = 7_326_001


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction,
    clinic: Clinic | None = None,
    clinic_id: int | None = None,
    patient_id: int | None = None,
    subject: Model | None = None,
    outcome: AuditOutcome = AuditOutcome.SUCCESS,
    actor_role: str = "",
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction; it is sealed into the chain after commit."""
    context = current_request_context()
    is_known_user = actor is not None and actor.is_authenticated
    if not actor_role and clinic is not None and is_known_user:
        actor_role = _role_at(actor, clinic)  # type: ignore[arg-type]
    event = AuditEvent.objects.create(
        occurred_at=timezone.now(),
        actor_id=actor.pk if is_known_user else None,  # type: ignore[union-attr]
        actor_label=actor_label or (getattr(actor, "email", "") if is_known_user else ""),
        actor_role=actor_role,
        clinic_id=clinic.pk if clinic is not None else clinic_id,
        patient_id=patient_id,
        action=action,
        object_type=subject._meta.label if subject is not None else "",
        object_id=str(subject.pk) if subject is not None else "",
        outcome=outcome,
        source_ip=context.source_ip if context else None,
        request_id=context.request_id if context else "",
        detail=detail or {},
    )
    if settings.AUDIT_SEAL_INLINE:
        transaction.on_commit(_seal_after_commit)
    return event


def _role_at(user: User, clinic: Clinic) -> str:
    from ketaclinic.accounts.permissions import membership_get

    membership = membership_get(user=user, clinic=clinic)
    return membership.role if membership is not None else ""


def audit_refusal(*, request: HttpRequest, error: DomainError) -> AuditEvent:
    """A refused action, recorded outside the refused transaction so it survives its rollback."""
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
        audit_seal_pending()
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


def audit_seal_pending(*, batch_size: int = 2000) -> int:
    """Link every committed, unsealed event into the chain, in id order. Returns how many."""
    sealed = 0
    while True:
        try:
            with transaction.atomic():
                if not _acquire_sealer_lock():
                    return sealed  # another process is sealing; it will take these rows too
                last = (
                    AuditSeal.objects.order_by("-sequence").only("sequence", "entry_hash").first()
                )
                sequence = last.sequence if last else 0
                previous_hash = last.entry_hash if last else GENESIS_HASH
                pending = list(
                    AuditEvent.objects.filter(seal__isnull=True).order_by("id")[:batch_size]
                )
                if not pending:
                    return sealed
                now = timezone.now()
                seals = []
                for event in pending:
                    sequence += 1
                    current_hash = entry_hash(event=event, previous_hash=previous_hash)
                    seals.append(
                        AuditSeal(
                            sequence=sequence,
                            event=event,
                            previous_hash=previous_hash,
                            entry_hash=current_hash,
                            sealed_at=now,
                        )
                    )
                    previous_hash = current_hash
                AuditSeal.objects.bulk_create(seals)
                sealed += len(seals)
        except IntegrityError:
            # Two sealers raced (possible only without the advisory lock); the other one won.
            return sealed
        if len(pending) < batch_size:
            return sealed


@dataclass(frozen=True)
class ChainReport:
    sealed_count: int
    unsealed_count: int
    oldest_unsealed_at: datetime.datetime | None
    first_broken_sequence: int | None
    problem: str

    @property
    def is_intact(self) -> bool:
        return self.first_broken_sequence is None

    @property
    def has_stale_unsealed(self) -> bool:
        if self.oldest_unsealed_at is None:
            return False
        limit = datetime.timedelta(seconds=settings.AUDIT_UNSEALED_ALERT_SECONDS)
        return timezone.now() - self.oldest_unsealed_at > limit


def audit_chain_status() -> ChainReport:
    """How far sealing has got, without walking the chain (cheap enough for every page view).

    It reports no broken link because it checks none; `ketaclinic audit verify` does that.
    """
    last = AuditSeal.objects.order_by("-sequence").values_list("sequence", flat=True).first()
    unsealed = AuditEvent.objects.filter(seal__isnull=True)
    return ChainReport(
        sealed_count=last or 0,
        unsealed_count=unsealed.count(),
        oldest_unsealed_at=unsealed.order_by("occurred_at")
        .values_list("occurred_at", flat=True)
        .first(),
        first_broken_sequence=None,
        problem="",
    )


def audit_chain_verify(*, chunk_size: int = 5000) -> ChainReport:
    """Recompute every link in sequence order; report the first one that does not hold."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    seals = AuditSeal.objects.select_related("event").order_by("sequence")
    problem = ""
    broken: int | None = None
    count = 0
    for seal in seals.iterator(chunk_size=chunk_size):
        count += 1
        if seal.sequence != expected_sequence:
            broken, problem = expected_sequence, f"link {expected_sequence} is missing"
            break
        if seal.previous_hash != previous_hash:
            broken, problem = seal.sequence, "it does not point at the link before it"
            break
        if entry_hash(event=seal.event, previous_hash=previous_hash) != seal.entry_hash:
            broken = seal.sequence
            problem = f"event {seal.event_id} no longer matches its hash (altered)"
            break
        previous_hash = seal.entry_hash
        expected_sequence += 1
    unsealed = AuditEvent.objects.filter(seal__isnull=True)
    oldest = unsealed.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    report = ChainReport(
        sealed_count=count,
        unsealed_count=unsealed.count(),
        oldest_unsealed_at=oldest,
        first_broken_sequence=broken,
        problem=problem,
    )
    if report.has_stale_unsealed:
        logger.error(
            "audit chain: %s events unsealed, oldest from %s (over %s s)",
            report.unsealed_count,
            report.oldest_unsealed_at,
            settings.AUDIT_UNSEALED_ALERT_SECONDS,
        )
    return report
