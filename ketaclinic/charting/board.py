"""Who sees the session day, and the audit of each look at it.

Two views of the same day: the clinical board (`session_board.view`: physicians, the medical
director and nurses; names, stage, alarms, vitals due) and the front desk's arrivals list
(`arrivals.view`: front desk and clinic admin; time, patient, chair, arrived or not, escort
confirmed, and no clinical detail beyond "in treatment" or "ready to go home").

Each is a door in the sense of CONVENTIONS.md §4: it checks the permission and writes the read's
audit event (`session_board.viewed`, `arrivals.viewed`). Opening the page (and every API call)
is one event. The page then refreshes its body every 15 seconds; a refresh is recorded only when
the same person has no event for the same view at the same clinic in the last
REFRESH_AUDIT_MINUTES, so a board left open all day leaves one event per quarter hour (enough
to show who had it open, and when) instead of one every 15 seconds.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.selectors import audit_event_exists_since
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.selectors import BoardChair, BoardStatus, day_board
from ketaclinic.clinics.models import Clinic

REFRESH_AUDIT_MINUTES = 15


class ArrivalStatus:
    EXPECTED = "expected"
    ARRIVED = "arrived"
    IN_TREATMENT = "in_treatment"
    READY_TO_GO_HOME = "ready_to_go_home"
    VISIT_OVER = "visit_over"
    NO_SHOW = "no_show"

    LABELS = {
        "expected": "Expected",
        "arrived": "Arrived",
        "in_treatment": "In treatment",
        "ready_to_go_home": "Ready to go home",
        "visit_over": "Visit over",
        "no_show": "No-show",
    }
    # The board's stages as the front desk sees them: whether the patient is here, in
    # treatment, or ready for their escort; never which step, alarm or dose.
    FROM_BOARD = {
        BoardStatus.EXPECTED: EXPECTED,
        BoardStatus.ARRIVED: ARRIVED,
        BoardStatus.CHECKLIST: ARRIVED,
        BoardStatus.INFUSING: IN_TREATMENT,
        BoardStatus.RECOVERY: IN_TREATMENT,
        BoardStatus.READY_FOR_DISCHARGE: READY_TO_GO_HOME,
        BoardStatus.DISCHARGED: VISIT_OVER,
        BoardStatus.NOT_GIVEN: VISIT_OVER,
        BoardStatus.NO_SHOW: NO_SHOW,
    }


@dataclass(frozen=True)
class ArrivalRow:
    appointment_id: int
    starts_at: datetime.datetime
    patient_id: int
    patient_name: str
    chair: str | None
    status: str
    status_label: str
    arrived_at: datetime.datetime | None
    escort_confirmed: bool

    @property
    def can_check_in(self) -> bool:
        return self.status == ArrivalStatus.EXPECTED


def _audit_view(
    *, user: User, clinic: Clinic, action: AuditAction, day: datetime.date, via: str, refresh: bool
) -> None:
    if refresh:
        since = timezone.now() - datetime.timedelta(minutes=REFRESH_AUDIT_MINUTES)
        if audit_event_exists_since(actor=user, action=action, clinic=clinic, since=since):
            return
    audit_record(
        actor=user,
        action=action,
        clinic=clinic,
        detail={"day": day.isoformat(), "via": via, **({"refresh": True} if refresh else {})},
    )


def session_board_for_user(
    *, user: User, clinic: Clinic, day: datetime.date, via: str = "web", refresh: bool = False
) -> list[BoardChair]:
    """The clinical board of the day, for the clinicians who run the chairs."""
    require_permission(user=user, action=Action.SESSION_BOARD_VIEW, clinic=clinic)
    chairs = day_board(clinic=clinic, day=day)
    _audit_view(
        user=user,
        clinic=clinic,
        action=AuditAction.SESSION_BOARD_VIEWED,
        day=day,
        via=via,
        refresh=refresh,
    )
    return chairs


def arrivals_for_user(
    *, user: User, clinic: Clinic, day: datetime.date, via: str = "web", refresh: bool = False
) -> list[ArrivalRow]:
    """The day's treatment visits in time order, as the front desk needs them."""
    require_permission(user=user, action=Action.ARRIVALS_VIEW, clinic=clinic)
    rows = arrivals_for_day(clinic=clinic, day=day)
    _audit_view(
        user=user,
        clinic=clinic,
        action=AuditAction.ARRIVALS_VIEWED,
        day=day,
        via=via,
        refresh=refresh,
    )
    return rows


def arrivals_for_day(*, clinic: Clinic, day: datetime.date) -> list[ArrivalRow]:
    """The day board's rows without their clinical detail, in time order (its fixed number of
    queries)."""
    rows = []
    for chair in day_board(clinic=clinic, day=day):
        for row in chair.rows:
            appointment = row.appointment
            status = ArrivalStatus.FROM_BOARD[row.status]
            rows.append(
                ArrivalRow(
                    appointment_id=appointment.pk,
                    starts_at=appointment.starts_at,
                    patient_id=appointment.patient_id,
                    patient_name=appointment.patient.display_name,
                    chair=appointment.chair.name if appointment.chair else None,
                    status=status,
                    status_label=ArrivalStatus.LABELS[status],
                    arrived_at=row.session.checked_in_at if row.session else None,
                    escort_confirmed=row.escort_confirmed,
                )
            )
    rows.sort(key=lambda row: (row.starts_at, row.appointment_id))
    return rows
