"""The day board: today's treatments by chair with their live state, in a fixed number of
queries, and the notes waiting for a signature.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from ketaclinic.charting.models import (
    PumpEvent,
    SessionAlarm,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.charting.selectors.recovery import observation_ends_at
from ketaclinic.charting.selectors.session import vitals_due_at
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.medicine.session import (
    PumpEventKind,
)
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.reminders.selectors import escort_statuses_for_appointments
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.selectors import day_bounds


class BoardStatus:
    EXPECTED = "expected"
    ARRIVED = "arrived"
    CHECKLIST = "checklist"
    INFUSING = "infusing"
    RECOVERY = "recovery"
    READY_FOR_DISCHARGE = "ready_for_discharge"
    DISCHARGED = "discharged"
    NOT_GIVEN = "not_given"
    NO_SHOW = "no_show"

    LABELS = {
        "expected": "Expected",
        "arrived": "Arrived",
        "checklist": "Checklist",
        "infusing": "Infusing",
        "recovery": "Recovery",
        "ready_for_discharge": "Ready for discharge",
        "discharged": "Discharged",
        "not_given": "Not given",
        "no_show": "No-show",
    }


@dataclass
class BoardRow:
    appointment: Appointment
    session: TreatmentSession | None
    status: str
    status_label: str
    since: datetime.datetime | None  # when the current state began (elapsed time counts from it)
    open_alarms: list[SessionAlarm] = field(default_factory=list)
    escort_confirmed: bool = True
    vitals_due_at: datetime.datetime | None = None
    is_paused: bool = False
    observation_ends_at: datetime.datetime | None = None

    @property
    def vitals_overdue(self) -> bool:
        return self.vitals_due_at is not None and self.vitals_due_at <= timezone.now()

    @property
    def overdue_alarms(self) -> list[SessionAlarm]:
        now = timezone.now()
        return [alarm for alarm in self.open_alarms if alarm.acknowledge_by <= now]


@dataclass
class BoardChair:
    name: str
    rows: list[BoardRow]


def day_board(
    *, clinic: Clinic, day: datetime.date, now: datetime.datetime | None = None
) -> list[BoardChair]:
    """Today's treatments by chair with their live state, in a fixed number of queries."""
    now = now or timezone.now()
    start, end = day_bounds(clinic=clinic, day=day)
    appointments = list(
        Appointment.objects.filter(
            clinic=clinic,
            starts_at__gte=start,
            starts_at__lt=end,
            kind__in=[kind.value for kind in TREATMENT_KINDS],
            status__in=[
                AppointmentStatus.BOOKED,
                AppointmentStatus.COMPLETED,
                AppointmentStatus.NO_SHOW,
            ],
        )
        .select_related("patient", "chair")
        .order_by("starts_at")
    )
    sessions = {
        session.appointment_id: session
        for session in TreatmentSession.objects.filter(
            appointment__in=[a.pk for a in appointments]
        ).prefetch_related(
            Prefetch(
                "alarms",
                queryset=SessionAlarm.objects.filter(acknowledged_at__isnull=True).order_by(
                    "-level", "-raised_at", "-id"
                ),
                to_attr="open_alarm_list",
            ),
            Prefetch(
                "pump_events",
                queryset=PumpEvent.objects.order_by("occurred_at", "id"),
                to_attr="event_list",
            ),
        )
    }
    for open_session in sessions.values():
        open_session.clinic = clinic  # the same clinic: no query per row for its rules
    last_readings: dict[int, datetime.datetime] = {}
    for session_id, measured_at in (
        VitalSignReading.objects.filter(session__in=list(sessions.values()))
        .order_by("session_id", "measured_at")
        .values_list("session_id", "measured_at")
    ):
        last_readings[session_id] = measured_at
    recovery_readiness = {
        session.pk
        for session in sessions.values()
        if session.status == SessionStatus.RECOVERY
        and observation_ends_at(session) is not None
        and observation_ends_at(session) <= now  # type: ignore[operator]
    }
    escorts = escort_statuses_for_appointments(appointments)
    chairs: dict[str, BoardChair] = {
        chair.name: BoardChair(chair.name, [])
        for chair in Chair.objects.filter(clinic=clinic, is_active=True).order_by("name")
    }
    for appointment in appointments:
        found = sessions.get(appointment.pk)
        row = _board_row(appointment, found, now, last_readings, recovery_readiness)
        escort = escorts[appointment.pk]
        row.escort_confirmed = escort.is_confirmed or bool(
            found and found.escort_name and found.escort_phone
        )
        name = appointment.chair.name if appointment.chair else "No chair"
        chairs.setdefault(name, BoardChair(name, [])).rows.append(row)
    return list(chairs.values())


def _board_row(
    appointment: Appointment,
    session: TreatmentSession | None,
    now: datetime.datetime,
    last_readings: dict[int, datetime.datetime],
    ready_candidates: set[int],
) -> BoardRow:
    if session is None:
        status = (
            BoardStatus.NO_SHOW
            if appointment.status == AppointmentStatus.NO_SHOW
            else BoardStatus.EXPECTED
        )
        return BoardRow(
            appointment, None, status, BoardStatus.LABELS[status], appointment.starts_at
        )
    events: list[PumpEvent] = getattr(session, "event_list", [])
    since: datetime.datetime | None = session.checked_in_at
    paused = bool(events) and events[-1].kind == PumpEventKind.PAUSE
    if session.status == SessionStatus.ARRIVED:
        status = (
            BoardStatus.CHECKLIST
            if session.weight_kg or last_readings.get(session.pk)
            else (BoardStatus.ARRIVED)
        )
    elif session.status == SessionStatus.READY:
        status = BoardStatus.CHECKLIST
    elif session.status == SessionStatus.INFUSING:
        status, since = BoardStatus.INFUSING, session.started_at
    elif session.status == SessionStatus.RECOVERY:
        status = (
            BoardStatus.READY_FOR_DISCHARGE
            if session.pk in ready_candidates
            else BoardStatus.RECOVERY
        )
        since = session.stopped_at
    elif session.status == SessionStatus.DISCHARGED:
        status, since = BoardStatus.DISCHARGED, session.discharged_at
    else:
        status = BoardStatus.NOT_GIVEN
    label = BoardStatus.LABELS[status]
    if session.status == SessionStatus.READY:
        label = "Checklist passed"
    if paused:
        label = "Infusion paused"
    return BoardRow(
        appointment=appointment,
        session=session,
        status=status,
        status_label=label,
        since=since,
        open_alarms=list(getattr(session, "open_alarm_list", [])),
        vitals_due_at=vitals_due_at(session=session, last_reading_at=last_readings.get(session.pk)),
        is_paused=paused,
        observation_ends_at=observation_ends_at(session),
    )


def notes_to_sign(*, clinic: Clinic, limit: int = 20) -> dict[str, list[TreatmentSession]]:
    """Finished sessions whose note the nurse has not signed, and signed notes awaiting a
    physician's co-signature: the board's to-do list (oldest first)."""
    finished = [SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN]
    unsigned = list(
        TreatmentSession.objects.filter(clinic=clinic, status__in=finished, note__isnull=True)
        .select_related("patient")
        .order_by("checked_in_at")[:limit]
    )
    awaiting = list(
        TreatmentSession.objects.filter(
            clinic=clinic, note__isnull=False, note__physician_signed_at__isnull=True
        )
        .select_related("patient", "note")
        .order_by("checked_in_at")[:limit]
    )
    return {"unsigned": unsigned, "awaiting_cosignature": awaiting}
