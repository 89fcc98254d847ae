"""The pre-infusion checklist as it stands now: the nurse's answers and the items read from
the record, judged by `medicine.session.checklist_outcome`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from ketaclinic.charting.models import (
    ChecklistAnswer,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.charting.selectors.common import route_of
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.consent.services import consent_current
from ketaclinic.courses.services import treatment_for
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.pregnancy import pregnancy_test_applies as _pregnancy_test_applies
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.session import (
    ChecklistItem,
    ChecklistItemSpec,
    ChecklistOutcome,
    ItemStatus,
    checklist_items,
    checklist_outcome,
)
from ketaclinic.medicine.vital_signs import PreInfusionDecision
from ketaclinic.outcomes.models import ClinicalTask, QuestionnaireResponse
from ketaclinic.outcomes.services import SUICIDE_RISK_FLAG
from ketaclinic.scheduling.selectors import day_bounds

# Items the nurse answers by hand; the others are read from the record (consent, REMS, the
# questionnaires and the suicide-risk answer) or set by their own step (weight, escort, vitals).
MANUAL_ITEMS = frozenset(
    {
        ChecklistItem.IDENTITY,
        ChecklistItem.FASTING,
        ChecklistItem.MEDICATION_HOLDS,
        ChecklistItem.NO_SUBSTANCES,
        ChecklistItem.PREGNANCY_TEST,
        ChecklistItem.EQUIPMENT,
    }
)


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
        # The questionnaires' names as the clinic writes them ("PHQ-9"), never their codes.
        names = ", ".join(sorted({instrument_get(r.instrument).name for r in responses}))
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
