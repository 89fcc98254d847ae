"""Job functions of the reminders app (found by ketaclinic.jobs at start-up)."""

from __future__ import annotations

from typing import Any

from ketaclinic.jobs.registry import PermanentJobError, job
from ketaclinic.reminders.services import SEND_JOB, reminder_send


@job(SEND_JOB)
def reminder_send_job(args: dict[str, Any]) -> None:
    try:
        appointment_id = int(args["appointment_id"])
        purpose = str(args["purpose"])
        starts_at = str(args["starts_at"])
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentJobError(f"Bad reminder arguments: {args!r}") from error
    reminder_send(appointment_id=appointment_id, purpose=purpose, starts_at=starts_at)
