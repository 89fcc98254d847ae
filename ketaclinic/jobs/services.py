"""Putting work on the queue and running what is due (the worker command calls `jobs_run_due`)."""

from __future__ import annotations

import datetime
import logging
import os
import socket
import traceback
import uuid
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.utils import timezone

from ketaclinic.jobs.backends import job_backend
from ketaclinic.jobs.registry import PermanentJobError, job_function_get

logger = logging.getLogger(__name__)


def enqueue(
    name: str,
    args: dict[str, Any],
    run_at: datetime.datetime | None = None,
    *,
    key: str | None = None,
    max_attempts: int | None = None,
) -> bool:
    """Queue job `name` with JSON `args` at `run_at` (now when None).

    With a `key`, enqueueing is idempotent: the same key again is a no-op (returns False). Without
    one the job is always new. Jobs run at least once, so make the job function idempotent too.
    """
    if job_function_get(name) is None:
        raise ValueError(f"No job function is registered as {name!r}.")
    attempts = settings.JOBS_MAX_ATTEMPTS if max_attempts is None else max_attempts
    if attempts < 1:
        raise ValueError("A job needs at least one attempt.")
    return job_backend().enqueue(
        name=name,
        args=args,
        run_at=run_at or timezone.now(),
        key=key or f"{name}:{uuid.uuid4()}",
        max_attempts=attempts,
    )


def jobs_cancel_pending(*, key_prefix: str, keep_keys: Collection[str] = ()) -> int:
    """Cancel jobs not yet started whose key starts with `key_prefix` (but not `keep_keys`)."""
    return job_backend().cancel_pending(key_prefix=key_prefix, keep_keys=keep_keys)


def worker_id_new() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def jobs_run_due(*, worker_id: str, batch: int = 10) -> int:
    """Claim up to `batch` due jobs, run each, record the outcome; returns how many were run."""
    backend = job_backend()
    claimed = backend.claim(worker_id=worker_id, limit=batch)
    for job in claimed:
        function = job_function_get(job.name)
        if function is None:
            message = f"No job function is registered as {job.name!r}."
            logger.error("job %s (%s): %s", job.id, job.key, message)
            backend.fail(job, worker_id=worker_id, error=message, permanent=True)
            continue
        try:
            function(dict(job.args))
        except PermanentJobError as error:
            logger.error("job %s (%s) gave up: %s", job.id, job.key, error)
            backend.fail(job, worker_id=worker_id, error=str(error), permanent=True)
        except Exception:  # any failure of a job is recorded and retried
            logger.exception("job %s (%s) failed, attempt %s", job.id, job.key, job.attempt)
            backend.fail(job, worker_id=worker_id, error=traceback.format_exc(), permanent=False)
        else:
            if not backend.complete(job, worker_id=worker_id):
                logger.warning("job %s (%s) finished after its lease ran out", job.id, job.key)
    return len(claimed)
