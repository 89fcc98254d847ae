"""A booking is never refused because its reminders could not be planned: the planning runs
after the commit, and a failure there is logged (Django's robust on-commit hook)."""

from __future__ import annotations

import logging

import pytest

from ketaclinic.reminders import receivers
from ketaclinic.scheduling.signals import AppointmentChange


@pytest.mark.django_db(transaction=True)
def test_a_failure_to_plan_reminders_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(appointment_id: int) -> None:
        raise RuntimeError(f"no reminders for {appointment_id}")

    monkeypatch.setattr(receivers, "reminders_schedule_for_appointment", fail)
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        # Outside a transaction the hook runs at once, as after a booking's commit.
        receivers.reminders_plan_on_appointment_changed(
            object, appointment_id=41, change=next(iter(AppointmentChange))
        )
    assert "no reminders for 41" in caplog.text
