"""Recovery: how long the patient has been observed and whether `medicine/`'s discharge
criteria are met.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ketaclinic.charting.models import (
    SessionScore,
    TreatmentSession,
    VitalSignReading,
    VitalsPhase,
)
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.recovery import (
    DISCHARGE_SCORE_INSTRUMENTS,
    RESOLVE_BEFORE_DISCHARGE,
    DischargeAssessment,
    RecoveryRoute,
    discharge_readiness,
    sedation_and_dissociation_resolved,
)
from ketaclinic.medicine.vital_signs import VitalSigns


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
