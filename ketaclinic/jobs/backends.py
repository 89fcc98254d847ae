"""Where jobs are kept. The database backend is the default (no server to run); another backend
(e.g. Redis, for very busy sites) implements `JobBackend` and is named in `JOBS_BACKEND`.

A backend's contract, whatever it stores jobs in:
- `enqueue` is idempotent by key: the same key twice is one job (a cancelled job is revived);
- `claim` hands each due job to one worker only, under a lease (`JOBS_LEASE_SECONDS`); a job
  whose lease runs out while running (its worker died) is due again;
- `complete` / `fail` are accepted only from the worker holding the lease; `fail` retries with
  backoff until `max_attempts`, then gives up and keeps the error.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from ketaclinic.jobs.models import Job, JobStatus

# The longest error kept on a job (the end of a traceback is what explains it).
ERROR_LIMIT = 4000
# Retry delays double from JOBS_RETRY_BASE_SECONDS and stop growing at one hour.
MAX_RETRY_DELAY = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class ClaimedJob:
    id: str
    name: str
    args: dict[str, Any]
    key: str
    attempt: int
    max_attempts: int


def retry_delay(attempt: int) -> datetime.timedelta:
    """How long to wait after failed attempt number `attempt` (1, 2, …): doubling, capped."""
    seconds = settings.JOBS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)
    return min(datetime.timedelta(seconds=seconds), MAX_RETRY_DELAY)


class JobBackend(Protocol):
    def enqueue(
        self,
        *,
        name: str,
        args: dict[str, Any],
        run_at: datetime.datetime,
        key: str,
        max_attempts: int,
    ) -> bool:
        """Add the job unless its key exists; True when added (or a cancelled one revived)."""

    def cancel_pending(self, *, key_prefix: str, keep_keys: Collection[str] = ()) -> int:
        """Cancel queued jobs whose key starts with the prefix, except `keep_keys`."""

    def claim(self, *, worker_id: str, limit: int) -> list[ClaimedJob]:
        """Due jobs, each handed to this worker only, under a lease."""

    def complete(self, job: ClaimedJob, *, worker_id: str) -> bool:
        """Mark done; False when the lease was lost (another worker has it now)."""

    def fail(self, job: ClaimedJob, *, worker_id: str, error: str, permanent: bool) -> bool:
        """Retry later with backoff, or give up when permanent or out of attempts."""


def _insert_unless_keyed(job: Job) -> bool:
    """Insert the job unless one with its key exists, in one statement (PostgreSQL and SQLite
    both have `ON CONFLICT … DO NOTHING`): no savepoint, so it costs a write that queues a job
    (an alarm's escalation) one statement inside its transaction. True when inserted."""
    meta = Job._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    values = [field.get_db_prep_save(field.pre_save(job, add=True), connection) for field in fields]
    # Names from the model's own metadata, quoted; the values are parameters.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(meta.get_field('key').column)}) DO NOTHING "
        f"RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchone() is not None


class DatabaseBackend:
    """Jobs as rows of `jobs_job`. PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED`, so any number
    of workers claim different jobs without waiting on each other. SQLite: each transaction
    takes the write lock at BEGIN (settings: IMMEDIATE), so claims simply run one at a time."""

    def enqueue(
        self,
        *,
        name: str,
        args: dict[str, Any],
        run_at: datetime.datetime,
        key: str,
        max_attempts: int,
    ) -> bool:
        fields = {"name": name, "args": args, "run_at": run_at, "max_attempts": max_attempts}
        if _insert_unless_keyed(Job(key=key, **fields)):
            return True
        job = Job.objects.get(key=key)
        if job.status != JobStatus.CANCELLED:
            return False
        revived = Job.objects.filter(pk=job.pk, status=JobStatus.CANCELLED).update(
            **fields,
            status=JobStatus.QUEUED,
            attempts=0,
            last_error="",
            finished_at=None,
            updated_at=timezone.now(),
        )
        return bool(revived)

    def cancel_pending(self, *, key_prefix: str, keep_keys: Collection[str] = ()) -> int:
        return (
            Job.objects.filter(key__startswith=key_prefix, status=JobStatus.QUEUED)
            .exclude(key__in=list(keep_keys))
            .update(
                status=JobStatus.CANCELLED, finished_at=timezone.now(), updated_at=timezone.now()
            )
        )

    def claim(self, *, worker_id: str, limit: int) -> list[ClaimedJob]:
        now = timezone.now()
        lease = datetime.timedelta(seconds=settings.JOBS_LEASE_SECONDS)
        with transaction.atomic():
            # A job whose worker died in its last allowed attempt is not run again.
            Job.objects.filter(
                status=JobStatus.RUNNING, locked_until__lt=now, attempts__gte=F("max_attempts")
            ).update(
                status=JobStatus.FAILED,
                last_error="The worker stopped during the last attempt (its lease ran out).",
                finished_at=now,
                locked_until=None,
                updated_at=now,
            )
            due = Q(status=JobStatus.QUEUED, run_at__lte=now) | Q(
                status=JobStatus.RUNNING, locked_until__lt=now
            )
            query = Job.objects.filter(due, attempts__lt=F("max_attempts")).order_by("run_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                query = query.select_for_update(skip_locked=True)
            jobs = list(query[:limit])
            if not jobs:
                return []
            Job.objects.filter(pk__in=[job.pk for job in jobs]).update(
                status=JobStatus.RUNNING,
                locked_by=worker_id,
                locked_until=now + lease,
                attempts=F("attempts") + 1,
                updated_at=now,
            )
        return [
            ClaimedJob(
                id=str(job.pk),
                name=job.name,
                args=dict(job.args),
                key=job.key,
                attempt=job.attempts + 1,
                max_attempts=job.max_attempts,
            )
            for job in jobs
        ]

    def _held(self, job: ClaimedJob, worker_id: str) -> Any:
        return Job.objects.filter(pk=job.id, status=JobStatus.RUNNING, locked_by=worker_id)

    def complete(self, job: ClaimedJob, *, worker_id: str) -> bool:
        now = timezone.now()
        return bool(
            self._held(job, worker_id).update(
                status=JobStatus.DONE,
                finished_at=now,
                locked_until=None,
                last_error="",
                updated_at=now,
            )
        )

    def fail(self, job: ClaimedJob, *, worker_id: str, error: str, permanent: bool) -> bool:
        now = timezone.now()
        gives_up = permanent or job.attempt >= job.max_attempts
        changes: dict[str, Any] = {
            "last_error": error[-ERROR_LIMIT:],
            "locked_until": None,
            "updated_at": now,
        }
        if gives_up:
            changes.update(status=JobStatus.FAILED, finished_at=now)
        else:
            changes.update(status=JobStatus.QUEUED, run_at=now + retry_delay(job.attempt))
        return bool(self._held(job, worker_id).update(**changes))


@cache
def _backend_for(path: str) -> JobBackend:
    backend: JobBackend = import_string(path)()
    return backend


def job_backend() -> JobBackend:
    return _backend_for(settings.JOBS_BACKEND)
