"""The demo's tests run at a fixed moment: a Wednesday, 13:30 at the clinic, so "today", "earlier
today" and the board's states do not depend on when the suite runs."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
import time_machine

NOW = datetime.datetime(2026, 12, 2, 13, 30, tzinfo=ZoneInfo("America/Denver"))


@pytest.fixture(autouse=True)
def clinic_afternoon() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield
