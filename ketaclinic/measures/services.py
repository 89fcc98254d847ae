"""Writing the measurement schedule: planning a course's measures from its appointments and
sessions (idempotent), matching a questionnaire response to its due measure, sending the daily
reminder email (single-use link, no personal health information), and flagging misses.

All of these run without a signed-in user (the daily job, or right after a patient submits), so
they check no permission; the staff pages and API only read (selectors)."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.models import TreatmentSession
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import DomainError
from ketaclinic.courses.models import OPEN_STATUSES, CourseStatus, TreatmentCourse
from ketaclinic.measures.models import DueStatus, MeasureDue, MeasurePlan
from ketaclinic.medicine.measurement import (
    CoursePhase,
    CourseState,
    DueReason,
    Infusion,
    MeasurementRules,
    answers_window,
    is_missed,
    is_reminder_day,
    plan_measures,
)
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.selectors import instrument_is_sendable
from ketaclinic.outcomes.services import MAX_LINK_HOURS, questionnaire_link_issue
from ketaclinic.outcomes.wording import instruments_for_clinic
from ketaclinic.patients.models import Patient
from ketaclinic.scheduling.models import HOLDING_STATUSES, Appointment, AppointmentStatus

logger = logging.getLogger(__name__)

REMINDER_SUBJECT = "You have a questionnaire to complete"

_PHASES = {
    CourseStatus.PLANNED: CoursePhase.INDUCTION,
    CourseStatus.INDUCTION: CoursePhase.INDUCTION,
    CourseStatus.EXTENDED: CoursePhase.INDUCTION,
    CourseStatus.MAINTENANCE: CoursePhase.MAINTENANCE,
    CourseStatus.COMPLETED: CoursePhase.ENDED,
    CourseStatus.STOPPED: CoursePhase.ENDED,
}


# --- planning -------------------------------------------------------------------------------


def _infusions(course: TreatmentCourse) -> tuple[Infusion, ...]:
    """The course's treatments that hold a place (booked or given), on the clinic's dates."""
    given = TreatmentSession.objects.filter(appointment=OuterRef("pk"), started_at__isnull=False)
    rows = (
        Appointment.objects.filter(course=course, kind__in=[str(kind) for kind in TREATMENT_KINDS])
        .filter(status__in=HOLDING_STATUSES)
        .annotate(is_given=Exists(given))
        .only("starts_at", "status")
    )
    zone = course.clinic.zone
    return tuple(
        Infusion(
            on=row.starts_at.astimezone(zone).date(),
            is_done=row.status == AppointmentStatus.COMPLETED or bool(row.is_given),
        )
        for row in rows
    )


@transaction.atomic
def measures_plan_for_course(
    *, course: TreatmentCourse, today: datetime.date | None = None
) -> list[MeasureDue]:
    """Create the course's missing due measures and move open ones to their infusion's new date.

    Idempotent: planning twice creates nothing. An open measure whose infusion was cancelled is
    marked no longer needed; answered and missed measures are never changed. Returns the rows
    created now.
    """
    clinic = course.clinic
    today = today or clinic.local_today()
    rules = clinic_rules_get(clinic=clinic).measurement
    plan, _ = MeasurePlan.objects.select_for_update().get_or_create(
        course=course,
        defaults={"clinic": clinic, "patient_id": course.patient_id, "planned_on": today},
    )
    phase = _PHASES.get(CourseStatus(course.status), CoursePhase.ENDED)
    if phase == CoursePhase.MAINTENANCE and plan.maintenance_started_on is None:
        plan.maintenance_started_on = today
    state = CourseState(
        indication=course.indication,
        phase=phase,
        target_infusions=course.target_infusions,
        infusions=_infusions(course),
        maintenance_started_on=plan.maintenance_started_on,
    )
    planned = {
        (item.instrument, str(item.reason), item.sequence): item
        for item in plan_measures(state=state, rules=rules, today=today)
    }
    existing = {
        (row.instrument, row.reason, row.sequence): row
        for row in MeasureDue.objects.select_for_update().filter(course=course)
    }
    now = timezone.now()
    for key, row in existing.items():
        if row.status != DueStatus.DUE and not (
            row.status == DueStatus.CANCELLED and key in planned
        ):
            continue
        item = planned.get(key)
        if item is None:
            row.status = DueStatus.CANCELLED
            row.status_changed_at = now
            row.save(update_fields=["status", "status_changed_at", "updated_at"])
            continue
        changed = (row.due_on, row.opens_on, row.closes_on) != (
            item.due_on,
            item.opens_on,
            item.closes_on,
        )
        if changed or row.status == DueStatus.CANCELLED:
            row.due_on, row.opens_on, row.closes_on = item.due_on, item.opens_on, item.closes_on
            row.status = DueStatus.DUE
            row.save(update_fields=["due_on", "opens_on", "closes_on", "status", "updated_at"])
    created = MeasureDue.objects.bulk_create(
        [
            MeasureDue(
                clinic=clinic,
                plan=plan,
                course=course,
                patient_id=course.patient_id,
                instrument=item.instrument,
                reason=item.reason,
                sequence=item.sequence,
                due_on=item.due_on,
                opens_on=item.opens_on,
                closes_on=item.closes_on,
            )
            for key, item in planned.items()
            if key not in existing
        ]
    )
    plan.instruments = list(rules.instruments_for(course.indication))
    plan.planned_on = today
    plan.save(update_fields=["instruments", "planned_on", "maintenance_started_on", "updated_at"])
    return created


def measures_plan_for_appointment(*, appointment_id: int) -> list[MeasureDue]:
    """Replan the course of a treatment appointment that was just booked, moved, cancelled or
    missed (run after the booking commits, `measures.receivers`). Nothing for a visit that is
    not a course treatment. Returns the rows created now."""
    appointment = (
        Appointment.objects.filter(pk=appointment_id, course__isnull=False)
        .select_related("course__clinic")
        .only("kind", "course")
        .first()
    )
    if appointment is None or appointment.course is None:
        return []
    if appointment.kind not in {str(kind) for kind in TREATMENT_KINDS}:
        return []
    return measures_plan_for_course(course=appointment.course)


def _courses_to_plan(*, clinic: Clinic, rules: MeasurementRules) -> list[TreatmentCourse]:
    """Open courses, and ended ones recent enough to still have after-course measures."""
    horizon = max(rules.days_after_last_infusion) + rules.reminder_days + 1
    since = timezone.now() - datetime.timedelta(days=horizon)
    return list(
        TreatmentCourse.objects.filter(clinic=clinic)
        .filter(Q(status__in=OPEN_STATUSES) | Q(updated_at__gte=since))
        .select_related("clinic")
    )


# --- completing -----------------------------------------------------------------------------


@transaction.atomic
def measure_complete_from_response(*, response: QuestionnaireResponse) -> MeasureDue | None:
    """Mark the open due measure this response answers: same patient and instrument, answered
    within its window, the earliest such. Idempotent: a response completes at most one measure,
    and calling again returns the same one. None when nothing was due."""
    already = MeasureDue.objects.filter(completed_by_response=response).first()
    if already is not None:
        return already
    answered_on = timezone.localtime(response.completed_at, response.clinic.zone).date()
    due = (
        MeasureDue.objects.select_for_update()
        .filter(
            patient_id=response.patient_id,
            instrument=response.instrument,
            status=DueStatus.DUE,
            opens_on__lte=answered_on,
            closes_on__gte=answered_on,
        )
        .order_by("due_on", "pk")
        .first()
    )
    if due is None:
        return None
    due.status = DueStatus.COMPLETED
    due.completed_by_response = response
    due.status_changed_at = timezone.now()
    due.save(update_fields=["status", "completed_by_response", "status_changed_at", "updated_at"])
    audit_record(
        actor=None,
        action=AuditAction.MEASURE_COMPLETED,
        clinic_id=due.clinic_id,
        patient_id=due.patient_id,
        subject=due,
        detail={"instrument": due.instrument, "reason": due.reason, "response": response.pk},
    )
    return due


def measures_match_responses(*, clinic: Clinic, today: datetime.date) -> int:
    """Match responses recorded anywhere (staff, link, portal) to the open measures they answer;
    the daily job's catch-up, so that no app has to call in. Returns how many were completed."""
    open_rows = list(
        MeasureDue.objects.filter(clinic=clinic, status=DueStatus.DUE, opens_on__lte=today)
    )
    if not open_rows:
        return 0
    earliest = min(row.opens_on for row in open_rows)
    since = datetime.datetime.combine(earliest, datetime.time.min, tzinfo=clinic.zone)
    used = MeasureDue.objects.filter(completed_by_response=OuterRef("pk"))
    responses = (
        QuestionnaireResponse.objects.filter(
            clinic=clinic,
            patient_id__in={row.patient_id for row in open_rows},
            completed_at__gte=since,
        )
        .exclude(Exists(used))
        .select_related("clinic")
        .order_by("completed_at")
    )
    windows: dict[tuple[int, str], list[MeasureDue]] = defaultdict(list)
    for row in open_rows:
        windows[(row.patient_id, row.instrument)].append(row)
    completed = 0
    for response in responses:
        answered_on = timezone.localtime(response.completed_at, clinic.zone).date()
        if any(
            answers_window(opens_on=row.opens_on, closes_on=row.closes_on, answered_on=answered_on)
            for row in windows.get((response.patient_id, response.instrument), [])
        ) and measure_complete_from_response(response=response):
            completed += 1
    return completed


# --- misses ---------------------------------------------------------------------------------


@transaction.atomic
def measures_mark_missed(*, clinic: Clinic, today: datetime.date) -> int:
    """Flag every open measure whose window has closed; each miss audited. Returns the count."""
    rows = list(
        MeasureDue.objects.select_for_update().filter(
            clinic=clinic, status=DueStatus.DUE, closes_on__lt=today
        )
    )
    now = timezone.now()
    for row in rows:
        if not is_missed(closes_on=row.closes_on, today=today):  # pragma: no cover - filtered
            continue
        row.status = DueStatus.MISSED
        row.status_changed_at = now
        row.save(update_fields=["status", "status_changed_at", "updated_at"])
        audit_record(
            actor=None,
            action=AuditAction.MEASURE_MISSED,
            clinic=clinic,
            patient_id=row.patient_id,
            subject=row,
            detail={"instrument": row.instrument, "reason": row.reason, "due_on": str(row.due_on)},
        )
    return len(rows)


# --- reminders ------------------------------------------------------------------------------


def reminder_email_body(*, clinic_name: str, link_url: str, valid_until: datetime.date) -> str:
    """The reminder: a greeting, the link, its expiry. No name, instrument or diagnosis."""
    return (
        "Hello,\n\n"
        f"{clinic_name} would like you to complete a short questionnaire. It takes a few "
        "minutes and helps your care team follow how you are doing.\n\n"
        f"{link_url}\n\n"
        f"The link works once and until {valid_until:%d %B %Y}. If it has expired, please "
        "contact the clinic.\n"
    )


def measure_reminders_send(*, clinic: Clinic, today: datetime.date) -> int:
    """Email each patient with a measure open today one link for all of them, once a day.

    Clinician-rated scales (e.g. Y-BOCS) are not sent: they are recorded with the patient; nor
    is a licensed scale whose wording the clinic has not loaded. The link is issued in the name
    of the physician who signed the course. Returns the number of emails sent.
    """
    instruments = instruments_for_clinic(clinic=clinic)
    sendable = {code for code, item in instruments.items() if instrument_is_sendable(item)}
    rows = [
        row
        for row in MeasureDue.objects.filter(
            clinic=clinic, status=DueStatus.DUE, opens_on__lte=today, closes_on__gte=today
        ).select_related("patient", "course__signed_by")
        if is_reminder_day(
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            today=today,
            last_reminded_on=row.last_reminded_on,
        )
        and row.instrument in sendable
    ]
    by_patient: dict[int, list[MeasureDue]] = defaultdict(list)
    for row in rows:
        by_patient[row.patient_id].append(row)
    sent = 0
    for patient_rows in by_patient.values():
        patient: Patient = patient_rows[0].patient
        if not patient.email.strip():
            continue
        try:
            sent += _remind_patient(clinic=clinic, patient=patient, rows=patient_rows, today=today)
        except DomainError as error:
            logger.warning(
                "measure reminder for patient %s not sent: %s", patient.pk, error.message
            )
    return sent


@transaction.atomic
def _remind_patient(
    *, clinic: Clinic, patient: Patient, rows: list[MeasureDue], today: datetime.date
) -> int:
    locked = list(
        MeasureDue.objects.select_for_update()
        .filter(pk__in=[row.pk for row in rows], status=DueStatus.DUE)
        .exclude(last_reminded_on=today)
        .select_related("course__signed_by")
    )
    if not locked:
        return 0
    closes_on = min(row.closes_on for row in locked)
    valid_hours = min(MAX_LINK_HOURS, 24 * ((closes_on - today).days + 1))
    context = (
        ResponseContext.PRE_SESSION
        if any(row.reason == DueReason.BEFORE_INFUSION for row in locked)
        else ResponseContext.FOLLOW_UP
    )
    _, token = questionnaire_link_issue(
        acting_user=locked[0].course.signed_by,
        patient=patient,
        instrument_codes=sorted({row.instrument for row in locked}),
        context=context,
        valid_hours=valid_hours,
    )
    link_url = f"{settings.SITE_URL}{reverse('questionnaire_link', args=[token])}"
    body = reminder_email_body(clinic_name=clinic.name, link_url=link_url, valid_until=closes_on)
    for row in locked:
        row.reminders_sent += 1
        row.last_reminded_on = today
        row.save(update_fields=["reminders_sent", "last_reminded_on", "updated_at"])
    audit_record(
        actor=None,
        action=AuditAction.MEASURE_REMINDED,
        clinic=clinic,
        patient_id=patient.pk,
        detail={"measures": [row.pk for row in locked]},
    )
    email = EmailMessage(subject=REMINDER_SUBJECT, body=body, to=[patient.email.strip()])
    transaction.on_commit(email.send)
    return 1


# --- the daily round ------------------------------------------------------------------------


def measures_daily_round(*, clinic: Clinic, today: datetime.date | None = None) -> dict[str, int]:
    """Plan every course, match new responses, flag misses, then send today's reminders."""
    today = today or clinic.local_today()
    rules = clinic_rules_get(clinic=clinic).measurement
    planned = sum(
        len(measures_plan_for_course(course=course, today=today))
        for course in _courses_to_plan(clinic=clinic, rules=rules)
    )
    completed = measures_match_responses(clinic=clinic, today=today)
    missed = measures_mark_missed(clinic=clinic, today=today)
    reminded = measure_reminders_send(clinic=clinic, today=today)
    return {"planned": planned, "completed": completed, "missed": missed, "reminded": reminded}
