"""Job functions of the messaging app (found by ketaclinic.jobs at start-up)."""

from __future__ import annotations

from typing import Any

from ketaclinic.jobs.registry import PermanentJobError, job
from ketaclinic.messaging.services import NOTIFY_JOB, message_notify_patient


@job(NOTIFY_JOB)
def message_notify_patient_job(args: dict[str, Any]) -> None:
    try:
        message_id = int(args["message_id"])
    except (KeyError, TypeError, ValueError) as error:
        raise PermanentJobError(f"Bad message arguments: {args!r}") from error
    message_notify_patient(message_id=message_id)
