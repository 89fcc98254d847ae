"""Measures' answer to scheduling's hook (`ketaclinic.scheduling.signals`), connected in
`MeasuresConfig.ready()`: a course's questionnaires are planned the moment its treatments are
booked, moved or cancelled, whichever path booked them (the series, a single booking, the
waitlist, a rebooking, the API), instead of waiting for the next daily round."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ketaclinic.measures.services import measures_plan_for_appointment
from ketaclinic.scheduling.signals import AppointmentChange


def measures_plan_on_appointment_changed(
    sender: type[Any], *, appointment_id: int, change: AppointmentChange, **kwargs: Any
) -> None:
    """Replan the appointment's course once the change commits. Robust: a failure to plan is
    logged and left to the daily round, never turned into a refused booking. Planning is
    idempotent, so the six bookings of a series replanning six times create each measure once."""

    # A named function, not functools.partial: Django logs a robust callback's failure by its
    # __qualname__, which a partial lacks (the log call itself would raise).
    def plan_after_commit() -> None:
        measures_plan_for_appointment(appointment_id=appointment_id)

    transaction.on_commit(plan_after_commit, robust=True)
