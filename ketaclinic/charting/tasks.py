"""Job functions of the charting app (found by ketaclinic.jobs at start-up)."""

from __future__ import annotations

from typing import Any

from ketaclinic.charting.services import ESCALATION_JOB, alarms_escalate_overdue
from ketaclinic.jobs.registry import PermanentJobError, job


@job(ESCALATION_JOB)
def alarm_escalate_job(args: dict[str, Any]) -> None:
    """At an alarm's acknowledgement deadline: whatever is still unacknowledged goes to the
    physician (idempotent: an alarm is escalated once)."""
    try:
        session_id = int(args["session_id"])
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentJobError(f"Bad escalation arguments: {args!r}") from error
    alarms_escalate_overdue(session_id=session_id)
