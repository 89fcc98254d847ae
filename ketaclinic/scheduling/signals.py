"""What scheduling tells the apps above it when an appointment changes.

Reminders sit above scheduling (they read appointments), so the booking services may not import
them; they send `appointment_changed` instead, and whoever must react connects a receiver.

Receivers today:
- `ketaclinic.reminders.receivers.reminders_plan_on_appointment_changed`, connected in
  `RemindersConfig.ready()`: (re)plans the confirmation and reminders of the appointment once the
  transaction commits (`transaction.on_commit(..., robust=True)`: a failure to plan is logged,
  never turned into a refused booking), and cancels a cancelled or missed visit's pending ones.
- `ketaclinic.measures.receivers.measures_plan_on_appointment_changed`, connected in
  `MeasuresConfig.ready()`: replans a course treatment's questionnaires (before each infusion,
  after the last) once the change commits, robust likewise.

The signal is sent inside the service's transaction, after the change and its audit event are
written, so a receiver may defer work to `transaction.on_commit` and it runs only if the change
commits. A receiver must not refuse the change: an exception raised by one propagates to the
service and rolls the change back.
"""

from __future__ import annotations

import enum

from django.dispatch import Signal


class AppointmentChange(enum.StrEnum):
    BOOKED = "booked"
    MOVED = "moved"  # rescheduled: a new time or chair
    CANCELLED = "cancelled"
    MARKED_NO_SHOW = "marked_no_show"


# Sent with keyword arguments `appointment_id: int` and `change: AppointmentChange`; the sender is
# the `Appointment` class.
appointment_changed = Signal()
