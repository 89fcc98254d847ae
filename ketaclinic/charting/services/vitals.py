"""Vital signs and their alarms: each reading judged by `medicine/` (go / review / hold before
the start, alarms after it), an alarm acknowledged with what was done, and the escalation of
an alarm nobody acknowledged in time (run by the job queue).
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action, Role
from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.models import (
    SessionAlarm,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.charting.services.checklist import _after_checklist_change
from ketaclinic.charting.services.common import (
    _audit,
    _given,
    _is_signed,
    _key,
    _lock,
    _lock_in_clinic,
    _require_open,
    _require_unsigned,
    _sent_once,
    charted_time,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.core.errors import Conflict, InvalidInput
from ketaclinic.core.sql import column, insert_row, instant_parameter, table
from ketaclinic.jobs.services import enqueue
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.session import (
    acknowledge_within_min,
)
from ketaclinic.medicine.vital_signs import (
    Alarm,
    AlarmLevel,
    VitalSigns,
    check_vital_signs,
    evaluate_vital_signs,
    pre_infusion_decision,
)
from ketaclinic.outcomes.models import ClinicalTask, TaskPriority

ESCALATION_JOB = "charting.alarm_escalate"


def _phase(session: TreatmentSession) -> VitalsPhase:
    if session.started_at is None:
        return VitalsPhase.BASELINE
    if session.stopped_at is None:
        return VitalsPhase.INFUSION
    return VitalsPhase.RECOVERY


def _signs(reading: VitalSignReading, origin: datetime.datetime) -> VitalSigns:
    return VitalSigns(
        systolic_mmhg=reading.systolic_mmhg,
        diastolic_mmhg=reading.diastolic_mmhg,
        heart_rate_bpm=reading.heart_rate_bpm,
        spo2_percent=reading.spo2_percent,
        respiratory_rate_per_min=reading.respiratory_rate_per_min,
        moaa_s=reading.moaa_s,
        temperature_c=float(reading.temperature_c) if reading.temperature_c is not None else None,
        minute=(reading.measured_at - origin).total_seconds() / 60,
    )


@functools.cache
def _near_or_keyed_statement(vendor: str, keyed: bool) -> str:
    """The session's readings in a time window, and the one stored under a key when there is
    one, in time order: written once per process (`core.sql`), as every reading runs it."""
    del vendor  # the cache key: the text is the database's own
    reading = VitalSignReading
    measured_at = column(reading, "measured_at")
    or_keyed = f" OR {column(reading, 'idempotency_key')} = %s" if keyed else ""
    return (
        f"SELECT * FROM {table(reading)} WHERE {column(reading, 'session')} = %s "  # noqa: S608  (model names only)
        f"AND (({measured_at} >= %s AND {measured_at} < %s){or_keyed}) "
        f"ORDER BY {measured_at}, {column(reading, 'id')}"
    )


@transaction.atomic
def vitals_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    heart_rate_bpm: int,
    spo2_percent: int,
    respiratory_rate_per_min: int | None = None,
    moaa_s: int | None = None,
    temperature_c: Decimal | None = None,
    rhythm: str = "",
    has_symptoms: bool = False,
    measured_at: datetime.datetime | None = None,
    idempotency_key: str = "",
) -> VitalSignReading:
    """One reading: refused if no patient could have it; otherwise stored and judged by
    `medicine/` — the go / review / hold decision before the start, alarms after it.

    A fixed number of statements whatever the session's length (pinned in a test): the
    session read once under its lock (`session` may be a `session_reference`), one read of
    the key and of the repeat window's earlier readings, the reading, its alarms and their
    escalation job, and the audit event. The same key again returns the stored reading
    (`_sent_once`). A new reading comes back with its alarms (`reading.alarms.all()`).
    """
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    values = {
        "systolic_mmhg": systolic_mmhg,
        "diastolic_mmhg": diastolic_mmhg,
        "heart_rate_bpm": heart_rate_bpm,
        "spo2_percent": spo2_percent,
        "respiratory_rate_per_min": respiratory_rate_per_min,
        "moaa_s": moaa_s,
    }
    temperature = float(temperature_c) if temperature_c is not None else None
    signs = VitalSigns(**values, temperature_c=temperature)  # type: ignore[arg-type]
    try:
        check_vital_signs(signs)
    except ClinicalRuleError as error:
        raise InvalidInput(error.message, fields={"__all__": [error.message]}) from error
    locked = _lock_in_clinic(session)
    key = _key(idempotency_key)
    rhythm = rhythm.strip()[:64]
    rules = clinic_rules_get(clinic=locked.clinic)
    # One read for both questions: was this key stored already, and which readings fall in the
    # alarm rules' repeat window before this one (the history `medicine/` judges it with).
    aware = measured_at is not None and timezone.is_aware(measured_at)
    provisional_when = measured_at if aware and measured_at else timezone.now()
    window = datetime.timedelta(minutes=rules.alarms.repeat_window_min[1] + 1)
    params = [
        locked.pk,
        instant_parameter(provisional_when - window),
        instant_parameter(provisional_when),
        *([key] if key else []),
    ]
    near_or_keyed = list(
        VitalSignReading.objects.raw(_near_or_keyed_statement(connection.vendor, bool(key)), params)
    )
    existing = next((row for row in near_or_keyed if key and row.idempotency_key == key), None)

    def same(reading: VitalSignReading) -> bool:
        return (
            all(getattr(reading, name) == value for name, value in values.items())
            and reading.temperature_c == temperature_c
            and reading.has_symptoms == has_symptoms
            and reading.rhythm == rhythm
            and _given(measured_at, reading.measured_at)
        )

    def write() -> VitalSignReading:
        _require_open(locked)
        when = charted_time(locked, measured_at, field="measured_at")
        phase = _phase(locked)
        if phase != VitalsPhase.BASELINE and locked.started_at and when < locked.started_at:
            phase = VitalsPhase.BASELINE
        origin = locked.checked_in_at
        signs = VitalSigns(
            **values,  # type: ignore[arg-type]
            temperature_c=temperature,
            minute=(when - origin).total_seconds() / 60,
        )
        decision = ""
        assessment: list[dict[str, str]] = []
        alarms: tuple[Alarm, ...] = ()
        if phase == VitalsPhase.BASELINE:
            result = pre_infusion_decision(signs, limits=rules.pre_infusion)
            decision = result.decision.value
            assessment = [{"message": reason} for reason in result.reasons]
            level = AlarmLevel.NONE
        else:
            history = tuple(
                _signs(reading, origin)
                for reading in near_or_keyed
                if when - window <= reading.measured_at < when
            )
            evaluated = evaluate_vital_signs(
                signs, history=history, has_symptoms=has_symptoms, limits=rules.alarms
            )
            level = evaluated.level
            alarms = evaluated.alarms
            assessment = [
                {
                    "level": alarm.level.name.lower(),
                    "message": alarm.message,
                    "action": alarm.suggested_action,
                }
                for alarm in alarms
            ]
        reading = VitalSignReading(
            clinic=locked.clinic,
            session=locked,
            measured_at=when,
            phase=phase,
            **values,
            temperature_c=temperature_c,
            rhythm=rhythm,
            has_symptoms=has_symptoms,
            alarm_level=int(level),
            pre_infusion_decision=decision,
            assessment=assessment,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        # Every reading stores one: by a statement written once, not compiled per call.
        insert_row(reading)
        raised = []
        for alarm in alarms:
            if alarm.level == AlarmLevel.NONE:  # pragma: no cover  (evaluate gives real ones)
                continue
            raised.append(
                SessionAlarm(
                    clinic=locked.clinic,
                    session=locked,
                    reading=reading,
                    level=int(alarm.level),
                    parameter=alarm.parameter,
                    message=alarm.message[:300],
                    suggested_action=alarm.suggested_action[:300],
                    raised_at=when,
                    acknowledge_by=when
                    + datetime.timedelta(
                        minutes=acknowledge_within_min(alarm.level, rules.monitoring)
                    ),
                )
            )
        if raised:
            SessionAlarm.objects.bulk_create(raised)
            # In the same transaction as the alarm: an alarm is never stored without the job
            # that escalates it should nobody acknowledge it in time.
            _schedule_escalation(locked.pk, max(alarm.acknowledge_by for alarm in raised))
        # The answer shows the alarms this reading raised, the most serious first: from
        # memory, not read back.
        # (As Django's own prefetch leaves it: a query set already evaluated.)
        answered = reading.alarms.all()
        answered._result_cache = sorted(raised, key=lambda alarm: (-alarm.level, alarm.pk or 0))
        answered._prefetch_done = True  # type: ignore[attr-defined]
        reading._prefetched_objects_cache = {"alarms": answered}  # type: ignore[attr-defined]
        if phase == VitalsPhase.BASELINE:
            _after_checklist_change(locked)
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_VITALS_RECORDED,
            session=locked,
            subject=reading,
            detail={
                "phase": phase.value,
                "bp": f"{systolic_mmhg}/{diastolic_mmhg}",
                "hr": heart_rate_bpm,
                "spo2": spo2_percent,
                "alarm_level": int(level),
                "decision": decision,
            },
        )
        return reading

    return _sent_once(
        VitalSignReading, session=locked, key=key, same=same, write=write, existing=existing
    )


def _schedule_escalation(session_id: int, deadline: datetime.datetime) -> None:
    enqueue(
        ESCALATION_JOB,
        {"session_id": session_id},
        run_at=deadline,
        key=f"alarm-escalate:{session_id}:{deadline.isoformat()}",
    )


@transaction.atomic
def alarm_acknowledge(*, acting_user: User, alarm: SessionAlarm, action_taken: str) -> SessionAlarm:
    """A nurse acknowledges an alarm and says what was done. Late is allowed (the time is
    when it was acknowledged) until the note is signed; after that, an addendum."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=alarm.clinic)
    action_taken = action_taken.strip()
    if not action_taken:
        raise InvalidInput(
            "Say what was done (e.g. 'repeat BP 150/90, rate halved, physician told').",
            fields={"action_taken": ["Required."]},
        )
    session = _lock(alarm.session_id)
    locked = SessionAlarm.objects.select_for_update().select_related("session").get(pk=alarm.pk)
    if locked.acknowledged_at is not None:
        raise Conflict("This alarm was already acknowledged.")
    _require_unsigned(session, what="the alarm's acknowledgement")
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = acting_user
    locked.action_taken = action_taken[:500]
    locked.save(update_fields=["acknowledged_at", "acknowledged_by", "action_taken", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_ALARM_ACKNOWLEDGED,
        session=locked.session,
        subject=locked,
        detail={"alarm": locked.message, "action": locked.action_taken},
    )
    return locked


@transaction.atomic
def alarms_escalate_overdue(*, session_id: int, now: datetime.datetime | None = None) -> int:
    """Alarms not acknowledged in time go to the physician: an urgent task, once per alarm.
    Run by the job queue at each deadline (idempotent); returns how many were escalated."""
    now = now or timezone.now()
    # Under the session's lock, as the signature is: an alarm on a signed note stays as signed
    # (the note says it was not acknowledged).
    TreatmentSession.objects.select_for_update().filter(pk=session_id).first()
    if _is_signed(session_id):
        return 0
    overdue = list(
        SessionAlarm.objects.select_for_update()
        .filter(
            session_id=session_id,
            acknowledged_at__isnull=True,
            escalated_at__isnull=True,
            acknowledge_by__lte=now,
        )
        .select_related("session", "session__patient")
    )
    for alarm in overdue:
        session = alarm.session
        alarm.escalated_at = now
        alarm.save(update_fields=["escalated_at", "updated_at"])
        chair = session.appointment.chair
        ClinicalTask.objects.create(
            clinic=session.clinic,
            patient=session.patient,
            priority=TaskPriority.URGENT,
            for_role=Role.PHYSICIAN,
            title=f"Unacknowledged {alarm.level_label} alarm: {alarm.message}"[:200],
            detail=(
                f"{session.patient.display_name}"
                f"{f', {chair.name}' if chair else ''}: {alarm.message} Suggested: "
                f"{alarm.suggested_action} Not acknowledged by "
                f"{timezone.localtime(alarm.acknowledge_by, session.clinic.zone):%H:%M}; go to the "
                "chair."
            ),
        )
        audit_record(
            actor=None,
            action=AuditAction.SESSION_ALARM_ESCALATED,
            clinic=session.clinic,
            patient_id=session.patient_id,
            subject=alarm,
            actor_label="alarm escalation job",
            detail={"session": session.pk, "alarm": alarm.message},
        )
    return len(overdue)
