from __future__ import annotations

from collections.abc import Iterator

import pytest

from ketaclinic.reminders.sms import MemorySmsBackend
from ketaclinic.reminders.tests.support import SMS_SETTING


@pytest.fixture(autouse=True)
def _memory_sms(settings) -> Iterator[None]:
    settings.SMS_BACKEND = SMS_SETTING
    settings.SITE_URL = "https://clinic.example.org"
    settings.REMINDER_HOURS_BEFORE = [48, 24]
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()
