"""Job functions of the outcomes app (found by ketaclinic.jobs at start-up): the suicide-safety
escalation at a task's acknowledgement deadline, and the no-PHI email that someone must act."""

from __future__ import annotations

from typing import Any

from ketaclinic.jobs.registry import PermanentJobError, job
from ketaclinic.outcomes.services import (
    ESCALATE_JOB,
    NOTIFY_JOB,
    clinical_task_escalate_if_missed,
    safety_task_notify,
)

_STAGES = frozenset({"raised", "escalated"})


def _task_id(args: dict[str, Any]) -> int:
    try:
        return int(args["task_id"])
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentJobError(f"Bad safety-task arguments: {args!r}") from error


@job(ESCALATE_JOB)
def escalate_safety_task(args: dict[str, Any]) -> None:
    """At the deadline: still unacknowledged → the medical director (once; idempotent)."""
    clinical_task_escalate_if_missed(task_id=_task_id(args))


@job(NOTIFY_JOB)
def notify_safety_task(args: dict[str, Any]) -> None:
    """Email the assignee or the medical director that they have an urgent task (no PHI)."""
    stage = args.get("stage")
    if stage not in _STAGES:
        raise PermanentJobError(f"Bad safety-task arguments: {args!r}")
    safety_task_notify(task_id=_task_id(args), stage=str(stage))
