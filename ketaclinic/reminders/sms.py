"""Sending text messages through a pluggable backend (`SMS_BACKEND`).

A backend is a class, made with no arguments, with one method:

    def send(self, *, to: str, body: str) -> None

`to` is the number as the clinic recorded it; `body` is plain text. Raise on failure (the job
retries later). The console backend (the default) writes each message to the log; the memory
backend keeps them in `outbox` for tests. A provider's backend (Twilio, Amazon SNS, …) is a few
lines calling its API, configured from the environment.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("ketaclinic.sms")


class SmsBackend(Protocol):
    def send(self, *, to: str, body: str) -> None: ...


@dataclass(frozen=True)
class SmsMessage:
    to: str
    body: str


class ConsoleSmsBackend:
    """Writes messages to standard output and the log instead of sending them."""

    def send(self, *, to: str, body: str) -> None:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n---\n")
        logger.info("SMS to %s (%d characters) written to the console", to, len(body))


class MemorySmsBackend:
    """Keeps messages in `MemorySmsBackend.outbox` (tests)."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, *, to: str, body: str) -> None:
        self.outbox.append(SmsMessage(to=to, body=body))


def sms_send(*, to: str, body: str) -> None:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    backend.send(to=to, body=body)
