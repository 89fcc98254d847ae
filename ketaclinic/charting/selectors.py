"""The session day's reads: the checklist as it stands, discharge readiness, the timeline, the
live chart's data, the day board and the generated note. Each in a fixed number of queries."""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ketaclinic.charting.chart import (
    ChartMarker,
    ChartRateSegment,
    ChartVital,
    SessionChartData,
)
from ketaclinic.charting.models import (
    ChecklistAnswer,
    DosePreparation,
    PumpEvent,
    RemsMonitoringForm,
    SessionAlarm,
    SessionRoute,
    SessionScore,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.consent.services import consent_current
from ketaclinic.courses.services import treatment_for
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.medications import dose_text, plain_decimal
from ketaclinic.medicine.pharmacokinetics import DEFAULT_MODEL, predict_concentrations
from ketaclinic.medicine.pregnancy import pregnancy_test_applies as _pregnancy_test_applies
from ketaclinic.medicine.protocols import Route, protocol_get
from ketaclinic.medicine.recovery import (
    DISCHARGE_SCORE_INSTRUMENTS,
    RESOLVE_BEFORE_DISCHARGE,
    DischargeAssessment,
    RecoveryRoute,
    discharge_readiness,
    sedation_and_dissociation_resolved,
)
from ketaclinic.medicine.session import (
    ChecklistItem,
    ChecklistItemSpec,
    ChecklistOutcome,
    ItemStatus,
    PumpEventKind,
    SessionPhase,
    checklist_items,
    checklist_outcome,
    is_early_stop,
    pk_infusions,
    pump_segments,
    vitals_due_minute,
)
from ketaclinic.medicine.session import PumpEvent as PlanPumpEvent
from ketaclinic.medicine.visits import TREATMENT_KINDS
from ketaclinic.medicine.vital_signs import PreInfusionDecision, VitalSigns
from ketaclinic.outcomes.models import ClinicalTask, QuestionnaireResponse
from ketaclinic.outcomes.services import SUICIDE_RISK_FLAG
from ketaclinic.scheduling.models import Appointment, AppointmentStatus
from ketaclinic.scheduling.selectors import day_bounds


def route_of(session: TreatmentSession) -> Route:
    return Route.INTRANASAL if session.route == SessionRoute.ESKETAMINE else Route.INTRAVENOUS


def pregnancy_test_applies(session: TreatmentSession) -> bool:
    """Childbearing potential for the checklist's pregnancy test: `medicine.pregnancy` with the
    clinic's age band (CLINICAL.md §4); a physician overrides for a documented reason."""
    patient = session.patient
    age = patient.age_on(timezone.localdate(session.checked_in_at, session.clinic.zone))
    return _pregnancy_test_applies(
        sex_at_birth=patient.sex_at_birth,
        age_years=age,
        rules=clinic_rules_get(clinic=session.clinic).pregnancy_test,
    )


# --- checklist --------------------------------------------------------------------------------


@dataclass
class ChecklistRow:
    spec: ChecklistItemSpec
    status: ItemStatus
    detail: str = ""
    recorded_by: str = ""
    recorded_at: datetime.datetime | None = None
    is_manual: bool = False


@dataclass
class SessionChecklist:
    rows: list[ChecklistRow]
    outcome: ChecklistOutcome
    baseline: VitalSignReading | None
    vitals_decision: PreInfusionDecision | None
    pregnancy_test_applies: bool
    overridden_by: str = ""
    override_reason: str = ""

    @property
    def can_start(self) -> bool:
        return self.outcome.can_start or bool(self.override_reason)


def checklist_for_session(*, session: TreatmentSession) -> SessionChecklist:
    """Every item with its status now: the nurse's answers, and the items read from the record
    (consent, REMS, today's questionnaires and any suicide-risk answer, weight, escort, vitals)."""
    from ketaclinic.charting.services import MANUAL_ITEMS

    route = route_of(session)
    applies = pregnancy_test_applies(session)
    answers = {
        answer.item: answer
        for answer in ChecklistAnswer.objects.filter(session=session).select_related("recorded_by")
    }
    baseline = (
        VitalSignReading.objects.filter(session=session, phase=VitalsPhase.BASELINE)
        .order_by("-measured_at", "-id")
        .first()
    )
    decision = PreInfusionDecision(baseline.pre_infusion_decision) if baseline else None
    day_start, day_end = day_bounds(
        clinic=session.clinic, day=timezone.localdate(session.checked_in_at, session.clinic.zone)
    )
    responses = list(
        QuestionnaireResponse.objects.filter(
            patient_id=session.patient_id, completed_at__gte=day_start, completed_at__lt=day_end
        ).order_by("completed_at")
    )
    derived: dict[ChecklistItem, tuple[ItemStatus, str]] = {}
    signature = consent_current(
        patient=session.patient,
        treatment=treatment_for(protocol_get(session.protocol_key)),
        at=session.checked_in_at,
    )
    derived[ChecklistItem.CONSENT] = (
        (ItemStatus.PASS, f"Signed {signature.signed_at.astimezone(session.clinic.zone):%d %b %Y}")
        if signature
        else (ItemStatus.FAIL, "No current, witnessed consent for this treatment.")
    )
    enrolment = session.course.rems_patient_enrollment
    derived[ChecklistItem.REMS_ENROLMENT] = (
        (ItemStatus.PASS, f"Enrolment {enrolment}")
        if enrolment
        else (ItemStatus.FAIL, "No REMS patient enrolment on the course.")
    )
    if responses:
        names = ", ".join(sorted({response.instrument.upper() for response in responses}))
        derived[ChecklistItem.QUESTIONNAIRES] = (ItemStatus.PASS, f"Today: {names}")
    else:
        derived[ChecklistItem.QUESTIONNAIRES] = (
            ItemStatus.PENDING,
            "None completed today (portal or tablet).",
        )
    flagged = [r for r in responses if SUICIDE_RISK_FLAG in (r.flags or [])]
    if flagged:
        open_tasks = ClinicalTask.objects.filter(
            source_response__in=flagged, completed_at__isnull=True
        ).count()
        derived[ChecklistItem.SUICIDE_RISK] = (
            (
                ItemStatus.FAIL,
                "Positive suicide-risk answer today: the physician's urgent task is open.",
            )
            if open_tasks
            else (ItemStatus.PASS, "Positive answer today, reviewed by the physician.")
        )
    elif responses:
        derived[ChecklistItem.SUICIDE_RISK] = (ItemStatus.PASS, "No positive answer today.")
    else:
        derived[ChecklistItem.SUICIDE_RISK] = (ItemStatus.PENDING, "Awaiting today's answers.")
    derived[ChecklistItem.WEIGHT] = (
        (ItemStatus.PASS, f"{plain_decimal(session.weight_kg)} kg today")
        if session.weight_kg is not None
        else (ItemStatus.PENDING, "Weigh the patient.")
    )
    derived[ChecklistItem.ESCORT] = (
        (ItemStatus.PASS, f"{session.escort_name}, {session.escort_phone}")
        if session.escort_name and session.escort_phone
        else (ItemStatus.PENDING, "Confirm the escort's name and phone.")
    )
    if baseline is None:
        derived[ChecklistItem.BASELINE_VITALS] = (ItemStatus.PENDING, "Take baseline vitals.")
    else:
        reasons = " ".join(item["message"] for item in baseline.assessment)
        derived[ChecklistItem.BASELINE_VITALS] = (
            ItemStatus.PASS if decision == PreInfusionDecision.GO else ItemStatus.FAIL,
            f"{baseline.systolic_mmhg}/{baseline.diastolic_mmhg}, HR {baseline.heart_rate_bpm}, "
            f"SpO2 {baseline.spo2_percent}%: {reasons}",
        )
    rows: list[ChecklistRow] = []
    statuses: dict[ChecklistItem, ItemStatus] = {}
    for spec in checklist_items(route=route, pregnancy_test_applies=applies):
        if spec.item in MANUAL_ITEMS:
            answer = answers.get(spec.item.value)
            row = ChecklistRow(
                spec=spec,
                status=ItemStatus(answer.status) if answer else ItemStatus.PENDING,
                detail=answer.detail if answer else "",
                recorded_by=(answer.recorded_by.full_name or answer.recorded_by.email)
                if answer
                else "",
                recorded_at=answer.recorded_at if answer else None,
                is_manual=True,
            )
        else:
            status, detail = derived[spec.item]
            row = ChecklistRow(spec=spec, status=status, detail=detail)
        rows.append(row)
        statuses[spec.item] = row.status
    outcome = checklist_outcome(
        statuses=statuses, route=route, pregnancy_test_applies=applies, vitals_decision=decision
    )
    overrider = session.checklist_overridden_by
    return SessionChecklist(
        rows=rows,
        outcome=outcome,
        baseline=baseline,
        vitals_decision=decision,
        pregnancy_test_applies=applies,
        overridden_by=(overrider.full_name or overrider.email) if overrider else "",
        override_reason=session.checklist_override_reason,
    )


# --- recovery -------------------------------------------------------------------------------


def _signs(reading: VitalSignReading) -> VitalSigns:
    return VitalSigns(
        systolic_mmhg=reading.systolic_mmhg,
        diastolic_mmhg=reading.diastolic_mmhg,
        heart_rate_bpm=reading.heart_rate_bpm,
        spo2_percent=reading.spo2_percent,
        respiratory_rate_per_min=reading.respiratory_rate_per_min,
        moaa_s=reading.moaa_s,
    )


def observation_minutes(session: TreatmentSession, at: datetime.datetime) -> int:
    """IV: from the end of the infusion; esketamine: from the first device (§7.1, §10.4)."""
    anchor = session.started_at if session.is_esketamine else session.stopped_at
    if anchor is None:
        return 0
    return max(0, int((at - anchor).total_seconds() // 60))


def observation_ends_at(session: TreatmentSession) -> datetime.datetime | None:
    anchor = session.started_at if session.is_esketamine else session.stopped_at
    if anchor is None:
        return None
    return anchor + datetime.timedelta(minutes=session.observation_minimum_min)


def discharge_readiness_for_session(
    *, session: TreatmentSession, at: datetime.datetime | None = None, escort_present: bool
) -> DischargeAssessment:
    at = at or timezone.now()
    readings = list(session.readings.order_by("measured_at", "id"))
    # The baseline the start was decided on: the last one before the start (an earlier hold
    # reading re-measured after rest is not the patient's baseline).
    baseline = next((r for r in reversed(readings) if r.phase == VitalsPhase.BASELINE), None)
    latest = next((r for r in reversed(readings) if r.phase == VitalsPhase.RECOVERY), None)
    score = (
        SessionScore.objects.filter(session=session, instrument__in=DISCHARGE_SCORE_INSTRUMENTS)
        .order_by("-recorded_at", "-id")
        .first()
    )
    if baseline is None or latest is None:
        return DischargeAssessment(
            False,
            ("No baseline reading." if baseline is None else "No recovery vitals yet.",),
        )
    unresolved = session.side_effects.filter(
        resolved_at__isnull=True, kind__in=list(RESOLVE_BEFORE_DISCHARGE)
    ).values_list("kind", flat=True)
    rules = clinic_rules_get(clinic=session.clinic).recovery
    try:
        return discharge_readiness(
            route=RecoveryRoute.ESKETAMINE if session.is_esketamine else RecoveryRoute.INTRAVENOUS,
            minutes_observed=observation_minutes(session, at),
            discharge_score=score.total if score else None,
            has_escort=escort_present,
            baseline=_signs(baseline),
            latest=_signs(latest),
            sedation_or_dissociation_resolved=sedation_and_dissociation_resolved(
                unresolved_side_effects=set(unresolved), latest_moaa_s=latest.moaa_s
            ),
            rules=rules,
        )
    except ClinicalRuleError as error:  # pragma: no cover  (stored readings were checked)
        return DischargeAssessment(False, (error.message,))


# --- the session page -------------------------------------------------------------------------


def session_get(*, clinic: Clinic, session_id: int) -> TreatmentSession:
    return TreatmentSession.objects.select_related(
        "patient",
        "course",
        "appointment",
        "appointment__chair",
        "checked_in_by",
        "checklist_overridden_by",
        "discharged_by",
        "discharge_overridden_by",
    ).get(clinic=clinic, pk=session_id)


def session_for_appointment(*, appointment: Appointment) -> TreatmentSession | None:
    return TreatmentSession.objects.filter(appointment=appointment).first()


@dataclass
class TimelineEntry:
    at: datetime.datetime
    kind: str  # pump | device | vitals | side_effect | prn | score | alarm | note
    text: str
    by: str = ""
    level: int = 0


def _name(user: object) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or getattr(user, "email", "")


def session_timeline(
    *, session: TreatmentSession, preparation: DosePreparation | None
) -> list[TimelineEntry]:
    """Everything charted, in time order. `preparation` is the session's active one
    (`services.active_preparation`, which the caller has already read)."""
    entries: list[TimelineEntry] = [
        TimelineEntry(session.checked_in_at, "check_in", "Checked in", _name(session.checked_in_by))
    ]
    early_stop = _early_stop(session, preparation)
    for event in session.pump_events.select_related("recorded_by"):
        if event.kind == PumpEvent.DEVICE:
            text = "Esketamine device given (28 mg)"
        else:
            text = event.get_kind_display()
            if event.rate_ml_per_h is not None:
                text += f" at {plain_decimal(event.rate_ml_per_h)} mL/h"
        if event.kind == PumpEventKind.STOP and early_stop:
            delivered, planned = early_stop
            text += (
                f" — stopped early, {plain_decimal(delivered)} of {dose_text(planned, 'mg')}: "
                f"{event.reason}"
            )
        elif event.reason:
            text += f" — {event.reason}"
        entries.append(TimelineEntry(event.occurred_at, "pump", text, _name(event.recorded_by)))
    for reading in session.readings.select_related("recorded_by"):
        text = (
            f"{reading.get_phase_display()}: BP {reading.systolic_mmhg}/{reading.diastolic_mmhg}, "
            f"HR {reading.heart_rate_bpm}, SpO2 {reading.spo2_percent}%"
        )
        if reading.respiratory_rate_per_min is not None:
            text += f", RR {reading.respiratory_rate_per_min}"
        if reading.moaa_s is not None:
            text += f", MOAA/S {reading.moaa_s}"
        if reading.pre_infusion_decision:
            text += f" — {reading.pre_infusion_decision.replace('_', ' ')}"
        entries.append(
            TimelineEntry(
                reading.measured_at,
                "vitals",
                text,
                _name(reading.recorded_by),
                reading.alarm_level,
            )
        )
    for effect in session.side_effects.select_related("recorded_by"):
        text = f"{effect.get_kind_display()} ({effect.severity}), action: {effect.action}"
        if effect.description:
            text += f" — {effect.description}"
        if effect.resolved_at:
            text += f"; resolved {effect.resolved_at.astimezone(session.clinic.zone):%H:%M}"
        entries.append(
            TimelineEntry(effect.onset_at, "side_effect", text, _name(effect.recorded_by))
        )
    prns = session.prns.select_related("given_by", "dose_overridden_by").prefetch_related(
        "responses__recorded_by"
    )
    for prn in prns:
        text = f"PRN {prn}"
        if prn.dose_override_reason:
            text += f" — {_name(prn.dose_overridden_by)}'s reason: {prn.dose_override_reason}"
        entries.append(TimelineEntry(prn.given_at, "prn", text, _name(prn.given_by)))
        for response in prn.responses.all():
            entries.append(
                TimelineEntry(
                    response.recorded_at,
                    "prn",
                    f"Response to {prn.drug}: {response.text}",
                    _name(response.recorded_by),
                )
            )
    for score in session.scores.select_related("recorded_by"):
        entries.append(
            TimelineEntry(
                score.recorded_at,
                "score",
                f"{score.instrument_label}: {score.total} ({score.band})",
                _name(score.recorded_by),
            )
        )
    for alarm in session.alarms.select_related("acknowledged_by"):
        text = f"Alarm: {alarm.message}"
        if alarm.acknowledged_at:
            text += f" — acknowledged: {alarm.action_taken}"
        elif alarm.escalated_at:
            text += " — escalated to the physician"
        entries.append(
            TimelineEntry(alarm.raised_at, "alarm", text, _name(alarm.acknowledged_by), alarm.level)
        )
    if session.discharged_at:
        entries.append(
            TimelineEntry(
                session.discharged_at,
                "discharge",
                f"Discharged to {session.discharge_escort_name}",
                _name(session.discharged_by),
            )
        )
    entries.sort(key=lambda entry: entry.at)
    return entries


def _early_stop(
    session: TreatmentSession, preparation: DosePreparation | None
) -> tuple[Decimal, Decimal] | None:
    """(delivered mg, planned mg) when the pump stopped before the planned dose of the active
    `preparation` (medicine/session.py's rule), else None."""
    if session.delivered_mg is None or session.is_esketamine:
        return None
    if preparation is None or not is_early_stop(
        delivered_mg=session.delivered_mg, planned_mg=preparation.dose_mg
    ):
        return None
    return session.delivered_mg, preparation.dose_mg


def open_alarms(*, session: TreatmentSession) -> QuerySet[SessionAlarm]:
    return session.alarms.filter(acknowledged_at__isnull=True).order_by(
        "-level", "-raised_at", "-id"
    )


def vitals_due_at(
    *, session: TreatmentSession, last_reading_at: datetime.datetime | None
) -> datetime.datetime | None:
    """When the next reading is due by the clinic's monitoring rules (§5.1), or None."""
    rules = clinic_rules_get(clinic=session.clinic).monitoring
    if session.status in (SessionStatus.DISCHARGED, SessionStatus.NOT_GIVEN):
        return None
    if session.started_at is None:
        phase = SessionPhase.PRE_INFUSION
        origin = session.checked_in_at
    else:
        origin = session.started_at
        phase = SessionPhase.RECOVERY if session.stopped_at else SessionPhase.INFUSING
    last = (last_reading_at - origin).total_seconds() / 60 if last_reading_at else None
    stopped = (session.stopped_at - origin).total_seconds() / 60 if session.stopped_at else None
    if phase == SessionPhase.PRE_INFUSION and last is not None:
        return None
    due = vitals_due_minute(
        route=route_of(session),
        phase=phase,
        last_reading_minute=last,
        infusion_stopped_minute=stopped,
        rules=rules,
    )
    return None if due is None else origin + datetime.timedelta(minutes=due)


def _pump_plan_events(session: TreatmentSession, events: list[PumpEvent]) -> list[PlanPumpEvent]:
    origin = session.started_at
    if origin is None:
        return []
    return [
        PlanPumpEvent(
            kind=PumpEventKind(event.kind),
            minute=(event.occurred_at - origin).total_seconds() / 60,
            rate_ml_per_h=event.rate_ml_per_h,
        )
        for event in events
        if event.kind != PumpEvent.DEVICE
    ]


def chart_data_for_session(
    *, session: TreatmentSession, now: datetime.datetime | None = None
) -> SessionChartData:
    """Vitals, pump rate, events and the concentration `medicine/` predicts for the schedule
    actually delivered (the weight dosed on, the clinic's default model)."""
    now = now or timezone.now()
    origin = session.started_at or session.checked_in_at
    is_live = session.is_open

    def minute(moment: datetime.datetime) -> float:
        return round((moment - origin).total_seconds() / 60, 2)

    vitals = tuple(
        ChartVital(
            minute=minute(reading.measured_at),
            systolic_mmhg=reading.systolic_mmhg,
            diastolic_mmhg=reading.diastolic_mmhg,
            heart_rate_bpm=reading.heart_rate_bpm,
            spo2_percent=reading.spo2_percent,
            respiratory_rate_per_min=reading.respiratory_rate_per_min,
            moaa_s=reading.moaa_s,
            alarm_level=reading.alarm_level,
        )
        for reading in session.readings.all()
    )
    events = list(session.pump_events.all())
    markers: list[ChartMarker] = []
    for event in events:
        if event.kind == PumpEvent.DEVICE:
            markers.append(ChartMarker(minute(event.occurred_at), "Device", "device"))
            continue
        label = {
            PumpEventKind.START: "Start",
            PumpEventKind.PAUSE: "Paused",
            PumpEventKind.RESUME: "Resumed",
            PumpEventKind.RATE_CHANGE: f"Rate {_figure(event.rate_ml_per_h)} mL/h",
            PumpEventKind.STOP: "Stop",
        }[PumpEventKind(event.kind)]
        markers.append(ChartMarker(minute(event.occurred_at), label, "pump"))
    for prn in session.prns.all():
        markers.append(ChartMarker(minute(prn.given_at), str(prn), "prn"))
    for effect in session.side_effects.all():
        markers.append(
            ChartMarker(
                minute(effect.onset_at),
                f"{effect.get_kind_display()} ({effect.severity})",
                "side_effect",
            )
        )
    now_minute = minute(now) if is_live else None
    plan_events = _pump_plan_events(session, events)
    segments: tuple[ChartRateSegment, ...] = ()
    concentration: tuple[tuple[float, float], ...] = ()
    label = ""
    preparation = DosePreparation.objects.filter(session=session, discarded_at__isnull=True).first()
    until = minute(session.discharged_at) if session.discharged_at else (now_minute or 0.0)
    if plan_events and preparation is not None and preparation.concentration_mg_per_ml:
        end = max(until, plan_events[-1].minute)
        segments = tuple(
            ChartRateSegment(
                start_min=segment.start_min,
                end_min=segment.end_min if segment.end_min is not None else end,
                rate_ml_per_h=segment.rate_ml_per_h,
            )
            for segment in pump_segments(plan_events)
        )
        # Predicted for what was delivered up to now (or to discharge), never projected ahead.
        horizon = now_minute if is_live and now_minute is not None else max(until, end)
        infusions = pk_infusions(
            plan_events,
            concentration_mg_per_ml=preparation.concentration_mg_per_ml,
            until_minute=end,
        )
        times = [step / 2 for step in range(int(max(horizon, 0) * 2) + 1)]
        if infusions and preparation.dosing_weight_kg is not None:
            weight = float(preparation.dosing_weight_kg)  # the weight dosed on; no default
            curve = predict_concentrations(
                weights_kg=[weight], times_min=times, infusions=infusions, model=DEFAULT_MODEL
            )[0]
            concentration = tuple(
                (time, round(float(value), 1)) for time, value in zip(times, curve, strict=True)
            )
        label = f"Predicted plasma ketamine — {DEFAULT_MODEL.name}"
    planned_end = 0.0
    if preparation is not None and preparation.duration_min:
        planned_end = float(preparation.duration_min)
    end_minute = max(
        60.0,
        (now_minute or 0.0) + 10,
        until + 5,
        planned_end + session.observation_minimum_min,
        max((v.minute for v in vitals), default=0.0) + 5,
    )
    infusion_end = minute(session.stopped_at) if session.stopped_at else None
    patient = session.patient
    return SessionChartData(
        title=(
            f"{session.get_route_display()} — {patient.display_name}, "
            f"{session.checked_in_at.astimezone(session.clinic.zone):%d %b %Y}"
        ),
        vitals=vitals,
        rate_segments=segments,
        markers=tuple(sorted(markers, key=lambda marker: marker.minute)),
        concentration=concentration,
        concentration_label=label,
        now_minute=now_minute,
        end_minute=end_minute,
        infusion_end_minute=infusion_end,
    )


# --- the day board ----------------------------------------------------------------------------


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
    from ketaclinic.clinics.models import Chair
    from ketaclinic.reminders.selectors import escort_statuses_for_appointments

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


# --- the note ----------------------------------------------------------------------------------


def _figure(value: Decimal | None) -> str:
    return "—" if value is None else plain_decimal(value)


def session_note_text(*, session: TreatmentSession) -> str:
    """The generated summary: protocol, dose, timeline, vitals range, events, scores,
    discharge."""
    protocol = protocol_get(session.protocol_key)
    local = functools.partial(timezone.localtime, timezone=session.clinic.zone)
    lines = [
        f"{session.get_route_display()} — {protocol.name}",
        f"Patient: {session.patient.display_name} ({session.patient.medical_record_number})",
        f"Date: {local(session.checked_in_at):%d %b %Y}; checked in "
        f"{local(session.checked_in_at):%H:%M}.",
    ]
    if session.status == SessionStatus.NOT_GIVEN:
        lines.append(f"Not given: {session.status_reason}")
    if session.checklist_override_reason:
        lines.append(
            f"Checklist overridden by {_name(session.checklist_overridden_by)}: "
            f"{session.checklist_override_reason}"
        )
    preparation = session.preparations.filter(discarded_at__isnull=True).first()
    if preparation is not None:
        if session.is_esketamine:
            lines.append(
                f"Dose: {dose_text(preparation.dose_mg, 'mg')} esketamine, "
                f"{preparation.devices} devices (lot {preparation.draw.container.lot.lot_number})."
            )
        else:
            lines.append(
                f"Dose: {dose_text(preparation.dose, preparation.dose_unit)} × "
                f"{_figure(preparation.dosing_weight_kg)} kg ({preparation.weight_basis} weight; "
                f"today {_figure(preparation.weight_kg)} kg) = "
                f"{dose_text(preparation.dose_mg, 'mg')} in "
                f"{_figure(preparation.total_volume_ml)} mL "
                f"({_figure(preparation.concentration_mg_per_ml)} mg/mL) over "
                f"{preparation.duration_min} min at {_figure(preparation.rate_ml_per_h)} mL/h; "
                f"vial lot {preparation.draw.container.lot.lot_number}."
            )
        if preparation.dose_change_reason:
            lines.append(
                f"Dose changed from the order ({plain_decimal(preparation.ordered_dose)}) by "
                f"{_name(preparation.dose_changed_by)}: {preparation.dose_change_reason}"
            )
        lines.append(
            f"Prepared by {_name(preparation.prepared_by)}; verified by "
            f"{_name(preparation.verified_by) or '—'}."
        )
    if session.started_at:
        lines.append(
            f"Started {local(session.started_at):%H:%M}"
            + (f", stopped {local(session.stopped_at):%H:%M}" if session.stopped_at else "")
            + (
                f"; delivered {dose_text(session.delivered_mg, 'mg')}."
                if session.delivered_mg
                else "."
            )
        )
        early_stop = _early_stop(session, preparation)
        if early_stop:
            delivered, planned = early_stop
            stop = session.pump_events.filter(kind=PumpEventKind.STOP).first()
            lines.append(
                f"Stopped early ({plain_decimal(delivered)} of the planned "
                f"{dose_text(planned, 'mg')}): {stop.reason if stop else ''}"
            )
    for record in session.substance_records.select_related("witness"):
        lines.append(
            f"Controlled substance: {dose_text(record.administered_mg, 'mg')} administered"
            + (
                f"; {plain_decimal(Decimal(record.wasted_units) / 1000)} mL wasted, witnessed by "
                f"{_name(record.witness)}."
                if record.wasted_units
                else "."
            )
        )
    readings = list(session.readings.all())
    if readings:
        systolic = [r.systolic_mmhg for r in readings]
        diastolic = [r.diastolic_mmhg for r in readings]
        rates = [r.heart_rate_bpm for r in readings]
        spo2 = [r.spo2_percent for r in readings]
        lines.append(
            f"Vitals ({len(readings)} readings): BP {min(systolic)}–{max(systolic)}/"
            f"{min(diastolic)}–{max(diastolic)} mmHg, HR {min(rates)}–{max(rates)}, SpO2 "
            f"{min(spo2)}–{max(spo2)}%."
        )
    alarms = list(session.alarms.all())
    for alarm in alarms:
        lines.append(
            f"Alarm {local(alarm.raised_at):%H:%M} ({alarm.level_label}): {alarm.message} "
            + (
                f"Acknowledged: {alarm.action_taken}"
                if alarm.acknowledged_at
                else "Not acknowledged."
            )
        )
    for effect in session.side_effects.all():
        lines.append(
            f"Side effect {local(effect.onset_at):%H:%M}: {effect.get_kind_display()} "
            f"({effect.severity}), action {effect.action}"
            + (f", resolved {local(effect.resolved_at):%H:%M}" if effect.resolved_at else "")
            + "."
        )
    for prn in session.prns.select_related("dose_overridden_by").prefetch_related("responses"):
        lines.append(
            f"PRN {local(prn.given_at):%H:%M}: {prn}"
            + (
                f" ({_name(prn.dose_overridden_by)}'s reason: {prn.dose_override_reason})"
                if prn.dose_override_reason
                else ""
            )
            + "".join(
                f"; response {local(response.recorded_at):%H:%M}: {response.text}"
                for response in prn.responses.all()
            )
        )
    for score in session.scores.all():
        lines.append(f"{score.instrument_label}: {score.total} ({score.band}).")
    if session.discharged_at:
        lines.append(
            f"Discharged {local(session.discharged_at):%H:%M} to {session.discharge_escort_name} "
            f"by {_name(session.discharged_by)}. Instructions given: "
            + " ".join(session.discharge_instructions)
        )
        if session.discharge_override_reason:
            lines.append(
                f"Discharge criteria overridden by {_name(session.discharge_overridden_by)}: "
                f"{session.discharge_override_reason}"
            )
    return "\n".join(lines)


# --- REMS -------------------------------------------------------------------------------------


def rems_forms_for_clinic(*, clinic: Clinic) -> QuerySet[RemsMonitoringForm]:
    """Esketamine monitoring forms, unsubmitted first by due date (the 7-day tracker)."""
    return (
        RemsMonitoringForm.objects.filter(clinic=clinic)
        .select_related("session", "session__patient", "submitted_by")
        .order_by("submitted_at", "due_by")
    )


@dataclass(frozen=True)
class RemsFormFields:
    patient_first_name: str
    patient_last_name: str
    date_of_birth: datetime.date
    sex: str
    first_treatment: bool
    enrolled: bool
    enrolment_number: str
    treatment_date: datetime.date
    dose_mg: Decimal | None
    lot_number: str
    total_monitoring_minutes: int | None
    ready_to_leave_minutes: int | None
    vitals_ok_before: bool | None
    vitals_ok_end: bool | None
    bp_before: str
    bp_at_40: str
    bp_end: str
    sedation: bool
    dissociation: bool
    respiratory_depression: bool
    bp_changes: bool
    other_events: tuple[str, ...]
    concomitant: dict[str, bool]
    monitoring_provider: str
    setting_name: str
    setting_address: str


def rems_form_fields(*, form: RemsMonitoringForm) -> RemsFormFields:
    """The Patient Monitoring Form (CLINICAL.md §10.4), read from what the session charted."""
    session = form.session
    patient = session.patient
    readings = list(session.readings.order_by("measured_at", "id"))
    before = next((r for r in reversed(readings) if r.phase == VitalsPhase.BASELINE), None)
    after = [r for r in readings if r.phase != VitalsPhase.BASELINE]
    at_40 = None
    if session.started_at and after:
        at_40 = min(
            after,
            key=lambda r: abs((r.measured_at - session.started_at).total_seconds() / 60 - 40),  # type: ignore[operator]
        )
    end = after[-1] if after else None
    preparation = session.preparations.filter(discarded_at__isnull=True).first()
    effects = list(session.side_effects.all())
    kinds = {effect.kind for effect in effects}
    alarm_parameters = set(session.alarms.values_list("parameter", flat=True))
    first = not TreatmentSession.objects.filter(
        course=session.course,
        status=SessionStatus.DISCHARGED,
        checked_in_at__lt=session.checked_in_at,
    ).exists()
    total_minutes = None
    if session.started_at and session.discharged_at:
        total_minutes = int((session.discharged_at - session.started_at).total_seconds() // 60)
    clinic = session.clinic
    address = ", ".join(
        part
        for part in (
            getattr(clinic, "address_line1", ""),
            getattr(clinic, "city", ""),
            getattr(clinic, "state", ""),
            getattr(clinic, "postal_code", ""),
        )
        if part
    )

    def bp(reading: VitalSignReading | None) -> str:
        return f"{reading.systolic_mmhg}/{reading.diastolic_mmhg}" if reading else ""

    return RemsFormFields(
        patient_first_name=patient.legal_first_name,
        patient_last_name=patient.legal_last_name,
        date_of_birth=patient.date_of_birth,
        sex=patient.get_sex_at_birth_display(),
        first_treatment=first,
        enrolled=bool(session.course.rems_patient_enrollment),
        enrolment_number=session.course.rems_patient_enrollment,
        treatment_date=timezone.localdate(session.checked_in_at, session.clinic.zone),
        dose_mg=preparation.dose_mg if preparation else None,
        lot_number=preparation.draw.container.lot.lot_number if preparation else "",
        total_monitoring_minutes=total_minutes,
        ready_to_leave_minutes=form.ready_to_leave_minutes,
        vitals_ok_before=(before.pre_infusion_decision == PreInfusionDecision.GO)
        if before
        else None,
        vitals_ok_end=(end.alarm_level == 0) if end else None,
        bp_before=bp(before),
        bp_at_40=bp(at_40),
        bp_end=bp(end),
        sedation="sedation" in kinds or "sedation" in alarm_parameters,
        dissociation="dissociation" in kinds,
        respiratory_depression="desaturation" in kinds
        or bool({"spo2", "respiratory_rate"} & alarm_parameters),
        bp_changes="hypertension" in kinds or "blood_pressure" in alarm_parameters,
        other_events=tuple(
            f"{effect.get_kind_display()} ({effect.severity})"
            + (", resolved" if effect.resolved_at else "")
            for effect in effects
            if effect.kind not in {"sedation", "dissociation", "hypertension", "desaturation"}
        ),
        concomitant={
            "Benzodiazepines": form.takes_benzodiazepines,
            "Non-benzodiazepine sedative hypnotics": form.takes_non_benzodiazepine_hypnotics,
            "Psychostimulants": form.takes_psychostimulants,
            "MAOIs": form.takes_maois,
            "Opioids": form.takes_opioids,
        },
        monitoring_provider=_name(session.discharged_by),
        setting_name=clinic.name,
        setting_address=address,
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
