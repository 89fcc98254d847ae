"""Job functions by name. An app registers them in its `tasks.py` (found at start-up):

    @job("reminders.send")
    def reminder_send(args: dict[str, Any]) -> None: ...

A job function takes the job's JSON arguments, runs outside any transaction (open your own for
writes) and must be idempotent: a job may run again after a worker dies mid-way or an error.
Raise `PermanentJobError` to give up at once (e.g. the arguments can never work).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JobFunction = Callable[[dict[str, Any]], None]

_REGISTRY: dict[str, JobFunction] = {}


class PermanentJobError(Exception):
    """A job that cannot succeed however often it is retried."""


def job(name: str) -> Callable[[JobFunction], JobFunction]:
    def register(function: JobFunction) -> JobFunction:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not function:
            raise ValueError(f"Two job functions are registered as {name!r}.")
        _REGISTRY[name] = function
        return function

    return register


def job_function_get(name: str) -> JobFunction | None:
    return _REGISTRY.get(name)


def job_names() -> list[str]:
    return sorted(_REGISTRY)
