"""The esketamine REMS Patient Monitoring Form's fields, read from what the session charted
(the tracker lists the forms; `charting.rems` fills the PDF).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from ketaclinic.charting.models import (
    RemsMonitoringForm,
    SessionStatus,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.charting.selectors.common import _name
from ketaclinic.clinics.models import Clinic
from ketaclinic.medicine.vital_signs import PreInfusionDecision


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
