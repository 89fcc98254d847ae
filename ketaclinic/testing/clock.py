"""A clock for a whole test run: `KETACLINIC_TEST_CLOCK` (an ISO 8601 instant with its offset)
starts every test at that moment, the clock ticking on from there (conftest.py's autouse fixture).

It makes the clinic's day and the server's day differ on purpose: at 00:05 UTC a clinic in
America/Denver is still on the day before, and any code or test that takes the server's date
(`timezone.localdate()`, `date.today()`, `now().date()`, a `__date` lookup) for the clinic's
shows it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine

TEST_CLOCK_VARIABLE = "KETACLINIC_TEST_CLOCK"


def run_clock_start(value: str) -> datetime.datetime | None:
    """The instant to start each test at, or None for real time. Refuses a time without its
    offset, which could be read in more than one zone."""
    if not value.strip():
        return None
    try:
        start = datetime.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ValueError(
            f"{TEST_CLOCK_VARIABLE} is not an ISO 8601 instant: {value!r} "
            "(e.g. 2026-12-08T00:05:00+00:00)"
        ) from error
    if start.tzinfo is None:
        raise ValueError(f"{TEST_CLOCK_VARIABLE} needs its UTC offset: {value!r}")
    return start


@contextmanager
def travelling_from(start: datetime.datetime) -> Iterator[None]:
    """The clock starts at `start` and ticks on (so durations and timeouts still pass)."""
    with time_machine.travel(start, tick=True):
        yield
