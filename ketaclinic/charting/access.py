"""The doors to a treatment session and its REMS monitoring form (CONVENTIONS.md §4).

Each door checks the permission, scopes to the acting clinic with one NotFound for "missing"
and "not yours", and writes the read's `session.viewed` event (the patient's chart in one read,
`patient_chart_get_for_staff`, one `patient.chart_viewed`). The staff pages and the API call
these; they never record a read themselves. The day board and arrivals have their own doors in
`charting.board`. A write (a step on the session page, a POST to the API) reaches the session
without a read's event, through `session_in_clinic`: its service records what it wrote.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.models import RemsMonitoringForm, TreatmentSession
from ketaclinic.charting.selectors import (
    CHART_SESSIONS_DEFAULT,
    PatientChart,
    patient_chart_get,
    session_get,
)
from ketaclinic.core.errors import NotFound
from ketaclinic.patients.access import PATIENT_NOT_FOUND, patient_in_clinic

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ketaclinic.accounts.models import User
    from ketaclinic.clinics.models import Clinic

SESSION_NOT_FOUND = "No such session at this clinic."
REMS_FORM_NOT_FOUND = "No REMS monitoring form for this session."


def session_in_clinic(*, clinic: Clinic, session_id: int) -> TreatmentSession:
    """The session at `clinic`, its read not recorded: for a write (a step on the page, a POST to
    the API), whose service records what it wrote. The caller has checked its own action first."""
    try:
        return session_get(clinic=clinic, session_id=session_id)
    except TreatmentSession.DoesNotExist:
        raise NotFound(SESSION_NOT_FOUND) from None


def session_get_for_staff(
    *,
    user: User | AnonymousUser,
    clinic: Clinic,
    session_id: int,
    api_part: str | None = None,
) -> TreatmentSession:
    """The session, its read recorded as `session.viewed`.

    `api_part` names what an API call read (`session`, `vitals`, `events`); its event says so
    with `via: api`. The page's event carries no detail, as it always has: the page is the whole
    session, and the audit page's filters and the tests read it that way.
    """
    require_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    session = session_in_clinic(clinic=clinic, session_id=session_id)
    detail = None
    if api_part is not None:
        detail = {"session": session.pk, "part": api_part, "via": "api"}
    audit_record(
        actor=user,
        action=AuditAction.SESSION_VIEWED,
        # session.clinic (not `clinic`): the same row, loaded here as it always was, so the
        # pinned query counts of the pages and endpoints stay where they are.
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=session,
        detail=detail,
    )
    return session


def rems_form_get_for_staff(
    *,
    user: User | AnonymousUser,
    clinic: Clinic,
    session_id: int,
) -> RemsMonitoringForm:
    """The session's REMS patient monitoring form, for its PDF; recorded as a `session.viewed`
    export of the form (`export: rems_pdf`)."""
    require_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    session = session_in_clinic(clinic=clinic, session_id=session_id)
    try:
        rems = RemsMonitoringForm.objects.get(session=session)
    except RemsMonitoringForm.DoesNotExist:
        raise NotFound(REMS_FORM_NOT_FOUND) from None
    audit_record(
        actor=user,
        action=AuditAction.SESSION_VIEWED,
        clinic=session.clinic,
        patient_id=session.patient_id,
        subject=rems,
        detail={"export": "rems_pdf"},
    )
    return rems


def patient_chart_get_for_staff(
    *,
    user: User | AnonymousUser,
    clinic: Clinic,
    patient_id: int,
    session_count: int = CHART_SESSIONS_DEFAULT,
) -> PatientChart:
    """A patient's chart in one read (`GET /patients/{id}/chart`): the patient, the current
    course and the `session_count` newest sessions with their readings and alarms.

    One `patient.chart_viewed` event for the whole read, naming the sessions it showed (the
    trail still says whose vitals were seen), where the patient and each session's vitals read
    apart record one event each. The same NotFound as `patients.access` for a patient
    missing or of another clinic; the permission is checked before anything is read.
    """
    require_permission(user=user, action=Action.PATIENT_CHART_VIEW, clinic=clinic)
    patient = patient_in_clinic(clinic=clinic, patient_id=patient_id)
    if patient is None:
        raise NotFound(PATIENT_NOT_FOUND)
    chart = patient_chart_get(clinic=clinic, patient=patient, session_count=session_count)
    audit_record(
        actor=user,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=clinic,
        patient_id=patient.pk,
        subject=patient,
        detail={
            "via": "api",
            "part": "chart",
            "sessions": [session.id for session in chart.sessions],
        },
    )
    return chart
