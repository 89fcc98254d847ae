"""Reminders' answers to scheduling's hooks (`ketaclinic.scheduling.signals`), connected in
`RemindersConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ketaclinic.reminders.services import reminders_schedule_for_appointment
from ketaclinic.scheduling.signals import AppointmentChange


def reminders_plan_on_appointment_changed(
    sender: type[Any], *, appointment_id: int, change: AppointmentChange, **kwargs: Any
) -> None:
    """Confirmation and reminders are (re)planned once the booking commits; a failure to plan
    is logged, never turned into a refused booking (robust). Every kind of change replans:
    `reminders_schedule_for_appointment` reads the appointment as committed (a move gets a new
    set, a cancelled or missed visit loses its pending ones)."""

    def plan_reminders() -> None:
        # A function of its own, not a `functools.partial`: a robust hook that fails is logged
        # by its `__qualname__`, which a partial lacks (the log line itself would then raise).
        reminders_schedule_for_appointment(appointment_id)

    transaction.on_commit(plan_reminders, robust=True)
