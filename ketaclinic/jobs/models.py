"""The job queue in the database: one row per job, claimed by a worker under a row lock."""

from __future__ import annotations

from django.db import models

from ketaclinic.core.models import TimeStampedModel


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed (gave up)"
    CANCELLED = "cancelled", "Cancelled"


class Job(TimeStampedModel):
    """A call of a registered job function with JSON arguments, due at `run_at`.

    `key` makes enqueueing idempotent: the same key twice is one job. A worker that claims the
    job sets `locked_by` and `locked_until` (its lease); a job whose lease ran out while it was
    running (its worker died) is claimed again, so job functions must be idempotent.
    """

    name = models.CharField(max_length=100)
    args = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=200, unique=True)
    run_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=5)
    last_error = models.TextField(blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_at", "id"]
        indexes = [models.Index(fields=["status", "run_at"], name="job_status_run_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_attempts__gte=1), name="job_max_attempts_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.key}] {self.status}"
