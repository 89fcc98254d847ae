"""One demo session charted through the `charting` services, from check-in as far as its plan
goes, each entry at its own time.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.charting.models import (
    ChecklistAnswer,
    DosePreparation,
    SessionAlarm,
    SessionNote,
    SessionScore,
    TreatmentSession,
)
from ketaclinic.charting.selectors import pregnancy_test_applies
from ketaclinic.charting.services import (
    alarm_acknowledge,
    checklist_answer,
    controlled_substance_reconcile,
    device_administer,
    dose_prepare,
    dose_verify,
    prn_record,
    pump_event_record,
    session_check_in,
    session_discharge,
    session_escort_confirm,
    session_measurements_record,
    session_note_sign,
    session_score_record,
    side_effect_record,
    side_effect_resolve,
    vitals_record,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.demo.sessions import (
    ALDRETE_FULL,
    CADSS6,
    INFUSION_MIN,
    INFUSION_READINGS,
    MANUAL_ITEMS,
    START_AFTER_CHECK_IN,
    Staff,
    _minutes,
    phq9_answers,
)
from ketaclinic.inventory.models import Container, ContainerStatus, ProductForm
from ketaclinic.medicine.session import ChecklistItem, ItemStatus
from ketaclinic.outcomes.models import QuestionnaireResponse, ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.scheduling.models import Appointment

STAGES = ("arrived", "checklist", "infusing", "recovery", "ready", "discharged")


@dataclass
class Plan:
    """What to chart: the session's check-in time, how far it goes, and what happens in it."""

    check_in: datetime.datetime
    stage: str
    variant: str = ""
    phq9: int = 12
    baseline: tuple[int, int, int] = (124, 78, 72)
    weight_kg: Decimal = Decimal("74.5")
    height_cm: Decimal = Decimal("168")

    @property
    def start(self) -> datetime.datetime:
        return self.check_in + _minutes(START_AFTER_CHECK_IN)

    def reaches(self, stage: str) -> bool:
        return STAGES.index(self.stage) >= STAGES.index(stage)


def _vial(clinic: Clinic, *, esketamine: bool, units: int, at: datetime.datetime) -> Container:
    """An opened container with enough left (within its beyond-use date), else a sealed one."""
    containers = Container.objects.filter(
        clinic=clinic,
        status__in=[ContainerStatus.OPEN, ContainerStatus.SEALED],
        balance__gte=units,
        lot__expires_on__gt=at.date(),
    ).filter(Q(beyond_use_at__isnull=True) | Q(beyond_use_at__gt=at))
    if esketamine:
        containers = containers.filter(lot__product__form=ProductForm.DEVICE_KIT)
    else:
        containers = containers.filter(
            lot__product__form=ProductForm.VIAL, lot__product__strength_mg_per_ml=Decimal("50")
        )
    opened = containers.filter(status=ContainerStatus.OPEN).order_by("opened_at", "pk").first()
    if opened is not None:
        return opened
    container = containers.order_by("lot__expires_on", "pk").first()
    if container is None:
        raise RuntimeError("The demo safe has no ketamine left for today's sessions.")
    return container


def _infusion_vitals(plan: Plan, minute: int) -> dict[str, Any]:
    """Ketamine's usual rise: BP up 10–15 mmHg by 30–40 minutes, pulse a little up."""
    systolic, diastolic, pulse = plan.baseline
    rise = round(13 * min(minute, 35) / 35)
    return {
        "systolic_mmhg": systolic + rise,
        "diastolic_mmhg": diastolic + rise // 2,
        "heart_rate_bpm": pulse + min(minute, 30) // 5,
        "spo2_percent": 98 if minute % 10 else 97,
        "respiratory_rate_per_min": 14 + (minute // 20),
        "moaa_s": 5 if minute < 10 else 4,
    }


def _recovery_vitals(plan: Plan, after_stop: int) -> dict[str, Any]:
    systolic, diastolic, pulse = plan.baseline
    settle = max(0, 10 - after_stop // 4)
    return {
        "systolic_mmhg": systolic + settle,
        "diastolic_mmhg": diastolic + settle // 2,
        "heart_rate_bpm": pulse + 2,
        "spo2_percent": 98,
        "respiratory_rate_per_min": 14,
        "moaa_s": 5,
    }


def chart_session(
    appointment: Appointment, plan: Plan, *, staff: Staff, nurse: User, checker: User
) -> TreatmentSession:
    """Check in and chart the session as far as `plan.stage`, each entry at its own time."""
    at = plan.check_in
    session = session_check_in(acting_user=staff.desk, appointment=appointment, checked_in_at=at)
    patient = session.patient
    if not plan.reaches("checklist"):
        return session
    response = questionnaire_record(
        acting_user=nurse,
        patient=patient,
        instrument_code="phq9",
        answers=phq9_answers(plan.phq9),
        context=ResponseContext.PRE_SESSION,
    )
    # Demo history entered after the fact: the PHQ-9 was filled in on the tablet at arrival.
    QuestionnaireResponse.objects.filter(pk=response.pk).update(completed_at=at + _minutes(2))
    session_measurements_record(
        acting_user=nurse, session=session, weight_kg=plan.weight_kg, height_cm=plan.height_cm
    )
    partial = plan.stage == "checklist"
    for index, item in enumerate(MANUAL_ITEMS[:2] if partial else MANUAL_ITEMS):
        answer = checklist_answer(
            acting_user=nurse, session=session, item=item, status=ItemStatus.PASS
        )
        # Demo history entered after the fact: each answer at the time it was given.
        ChecklistAnswer.objects.filter(pk=answer.pk).update(recorded_at=at + _minutes(4 + index))
    if partial:
        return session
    applies = pregnancy_test_applies(session)
    answer = checklist_answer(
        acting_user=nurse,
        session=session,
        item=ChecklistItem.PREGNANCY_TEST,
        status=ItemStatus.PASS if applies else ItemStatus.NOT_APPLICABLE,
        detail="Urine hCG negative" if applies else "",
    )
    ChecklistAnswer.objects.filter(pk=answer.pk).update(recorded_at=at + _minutes(9))
    session_escort_confirm(
        acting_user=nurse, session=session, name=patient.escort_name, phone=patient.escort_phone
    )
    systolic, diastolic, pulse = plan.baseline
    vitals_record(
        acting_user=nurse,
        session=session,
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        heart_rate_bpm=pulse,
        spo2_percent=98,
        respiratory_rate_per_min=14,
        moaa_s=5,
        measured_at=at + _minutes(10),
    )
    # Demo history entered after the fact: the checklist passed with the baseline reading.
    TreatmentSession.objects.filter(pk=session.pk, checklist_passed_at__isnull=False).update(
        checklist_passed_at=at + _minutes(10)
    )
    session.refresh_from_db()
    if session.is_esketamine:
        return _chart_esketamine(session, plan, nurse=nurse, checker=checker)
    return _chart_infusion(session, plan, staff=staff, nurse=nurse, checker=checker)


def _prepare(
    session: TreatmentSession, plan: Plan, *, nurse: User, checker: User
) -> DosePreparation:
    prepared_at = plan.check_in + _minutes(12)
    # Units are only an estimate for choosing the container: the service computes the draw.
    estimate = 2 if session.is_esketamine else int(plan.weight_kg * 10) + 100
    container = _vial(
        session.clinic, esketamine=session.is_esketamine, units=estimate, at=prepared_at
    )
    preparation = dose_prepare(
        acting_user=nurse,
        session=session,
        container=container,
        prepared_at=prepared_at,
        diluent_lot="" if session.is_esketamine else "NS-24J118",
    )
    preparation = dose_verify(
        acting_user=checker,
        preparation=preparation,
        dose_mg=preparation.dose_mg,
        rate_ml_per_h=preparation.rate_ml_per_h,
        devices=preparation.devices,
    )
    # Demo history entered after the fact: the second clinician checked it at the chair.
    DosePreparation.objects.filter(pk=preparation.pk).update(
        verified_at=plan.check_in + _minutes(15)
    )
    return preparation


def _chart_infusion(
    session: TreatmentSession, plan: Plan, *, staff: Staff, nurse: User, checker: User
) -> TreatmentSession:
    preparation = _prepare(session, plan, nurse=nurse, checker=checker)
    start = plan.start
    pump_event_record(acting_user=nurse, session=session, kind="start", occurred_at=start)
    now = timezone.now()
    alarm = plan.variant == "bp_alarm"
    length = INFUSION_MIN + (5 if alarm else 0)
    readings = [m for m in (*INFUSION_READINGS, 40) if m < length]
    if alarm:
        readings = sorted({*readings, 30})
    for minute in readings:
        moment = start + _minutes(minute)
        if moment > now:
            break
        values = _infusion_vitals(plan, minute)
        if alarm and minute in (25, 30):
            values.update(
                {"systolic_mmhg": 182, "diastolic_mmhg": 98}
                if minute == 25
                else {"systolic_mmhg": 186, "diastolic_mmhg": 102}
            )
        elif alarm and minute > 30:
            values.update({"systolic_mmhg": 158 - (minute - 35), "diastolic_mmhg": 92})
        if plan.variant == "spo2_warning" and minute == 15:
            values.update({"spo2_percent": 93, "moaa_s": 4})
        reading = vitals_record(acting_user=nurse, session=session, measured_at=moment, **values)
        if alarm and minute in (25, 30):
            acknowledged_at = moment + _minutes(1)
            for raised in reading.alarms.all():
                alarm_acknowledge(
                    acting_user=nurse,
                    alarm=raised,
                    action_taken=(
                        "Repeat BP in 5 minutes; room quiet, patient calm, no symptoms."
                        if minute == 25
                        else "Confirmed high: rate halved, Dr Rivera informed; no symptoms."
                    ),
                )
                # Demo history entered after the fact: acknowledged at the chair within a minute.
                SessionAlarm.objects.filter(pk=raised.pk).update(acknowledged_at=acknowledged_at)
            if minute == 30:
                assert preparation.rate_ml_per_h is not None
                pump_event_record(
                    acting_user=nurse,
                    session=session,
                    kind="rate_change",
                    rate_ml_per_h=(preparation.rate_ml_per_h / 2).quantize(
                        Decimal("0.1"), rounding=ROUND_HALF_UP
                    ),
                    reason="BP 186/102 confirmed on a repeat: rate halved per protocol.",
                    occurred_at=acknowledged_at,
                )
        if plan.variant == "nausea" and minute == 15:
            onset = moment + _minutes(3)
            effect = side_effect_record(
                acting_user=nurse,
                session=session,
                kind="nausea",
                severity="moderate",
                action="prn",
                onset_at=onset,
                note="Nauseated, no vomiting.",
            )
            prn_record(
                acting_user=nurse,
                session=session,
                side_effect=effect,
                drug="Ondansetron",
                dose=Decimal("4"),
                unit="mg",
                route="IV",
                given_at=onset + _minutes(2),
                response="Nausea settled within 10 minutes.",
            )
            side_effect_resolve(
                acting_user=nurse, side_effect=effect, resolved_at=onset + _minutes(12)
            )
    if not plan.reaches("recovery"):
        return session
    stop = start + _minutes(length)
    pump_event_record(
        acting_user=nurse,
        session=session,
        kind="stop",
        occurred_at=stop,
        # Halved for the BP alarm, the bag is not finished at the stop: an early stop says why.
        reason="Stopped at 45 minutes after the rate was halved for BP; remainder wasted."
        if alarm
        else "",
    )
    score = session_score_record(
        acting_user=nurse, session=session, instrument="cadss6", answers=CADSS6
    )
    # Demo history entered after the fact: scored as the infusion ended.
    SessionScore.objects.filter(pk=score.pk).update(recorded_at=stop + _minutes(1))
    controlled_substance_reconcile(
        acting_user=nurse,
        session=session,
        witness=checker,
        recorded_at=min(stop + _minutes(3), timezone.now()),
    )
    for after in (15, 30) if plan.reaches("ready") else (5,):
        vitals_record(
            acting_user=nurse,
            session=session,
            measured_at=stop + _minutes(after),
            **_recovery_vitals(plan, after),
        )
    if not plan.reaches("ready"):
        return session
    score = session_score_record(
        acting_user=nurse, session=session, instrument="modified_aldrete", answers=ALDRETE_FULL
    )
    SessionScore.objects.filter(pk=score.pk).update(recorded_at=stop + _minutes(30))
    if not plan.reaches("discharged"):
        return session
    session.refresh_from_db()
    return _discharge_and_sign(session, discharged_at=stop + _minutes(35), staff=staff, nurse=nurse)


def _discharge_and_sign(
    session: TreatmentSession,
    *,
    discharged_at: datetime.datetime,
    staff: Staff,
    nurse: User,
) -> TreatmentSession:
    session = session_discharge(
        acting_user=nurse,
        session=session,
        escort_name=session.escort_name,
        instructions_given=True,
        discharged_at=discharged_at,
    )
    note = session_note_sign(acting_user=nurse, session=session)
    session_note_sign(acting_user=staff.physician, session=session)
    # Demo history entered after the fact: the nurse signed after the discharge and the
    # physician co-signed later that day.
    signed_at = min(discharged_at + _minutes(10), timezone.now())
    SessionNote.objects.filter(pk=note.pk).update(
        nurse_signed_at=signed_at,
        physician_signed_at=min(discharged_at + _minutes(90), timezone.now()),
    )
    return session


def _chart_esketamine(
    session: TreatmentSession, plan: Plan, *, nurse: User, checker: User
) -> TreatmentSession:
    """Two 28 mg devices five minutes apart, then observation (2 hours from the first device)."""
    _prepare(session, plan, nurse=nurse, checker=checker)
    first = plan.start
    device_administer(acting_user=nurse, session=session, occurred_at=first)
    device_administer(acting_user=nurse, session=session, occurred_at=first + _minutes(5))
    now = timezone.now()
    for minute in (15, 30, 45):  # the label's checks: ~40 minutes after the dose, and as needed
        moment = first + _minutes(minute)
        if moment > now:
            break
        values = _infusion_vitals(plan, minute)
        values["moaa_s"] = 4 if minute < 30 else 5
        vitals_record(acting_user=nurse, session=session, measured_at=moment, **values)
    session.refresh_from_db()
    return session
