"""Recovery and the end of the session: the scores charted in recovery (and the post-session
side-effect form), the discharge home with the escort, or a treatment not given today.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    SessionScore,
    SessionStatus,
    TreatmentSession,
)
from ketaclinic.charting.selectors import (
    discharge_readiness_for_session,
)
from ketaclinic.charting.services.common import (
    _audit,
    _lock_in_clinic,
    _require_open,
    charted_time,
)
from ketaclinic.charting.services.dose import active_preparation, dose_discard
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.questionnaires import instrument_get
from ketaclinic.medicine.recovery import SESSION_INSTRUMENTS
from ketaclinic.medicine.session import (
    Severity,
    SideEffectKind,
    discharge_instructions,
)
from ketaclinic.scheduling.models import Appointment, AppointmentStatus

POST_SESSION_FORM = "post_session_effects"


@transaction.atomic
def session_score_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    instrument: str,
    answers: Mapping[str, object],
) -> SessionScore:
    """A score of `medicine.recovery.SESSION_INSTRUMENTS` (CADSS-6, modified Aldrete, PADSS,
    modified PADSS; scored by `medicine/`), or the post-session side-effect form (each
    symptom: none, mild, moderate or severe)."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    if instrument == POST_SESSION_FORM:
        allowed = {"none", *Severity}
        kinds = {kind.value for kind in SideEffectKind if kind != SideEffectKind.OTHER}
        cleaned = {str(k): str(v) for k, v in answers.items()}
        if set(cleaned) != kinds or not set(cleaned.values()) <= allowed:
            raise InvalidInput("Answer every symptom: none, mild, moderate or severe.")
        total = sum(1 for value in cleaned.values() if value != "none")
        band = "no side effects" if total == 0 else f"{total} side effect(s)"
        stored: Mapping[str, object] = cleaned
    elif instrument in SESSION_INSTRUMENTS:
        try:
            result = instrument_get(instrument).score(answers)  # type: ignore[arg-type]
        except ClinicalRuleError as error:
            raise InvalidInput(error.message, fields={instrument: [error.message]}) from error
        total, band, stored = result.total, result.band, dict(answers)
    else:
        raise InvalidInput(f"{instrument!r} is not charted in a session.")
    locked = _lock_in_clinic(session)
    _require_open(locked)
    score = SessionScore.objects.create(
        clinic=locked.clinic,
        session=locked,
        instrument=instrument,
        answers=dict(stored),
        total=total,
        band=band,
        recorded_at=timezone.now(),
        recorded_by=acting_user,
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        subject=score,
        detail={"score": instrument, "total": total},
    )
    return score


@transaction.atomic
def session_discharge(
    *,
    acting_user: User,
    session: TreatmentSession,
    escort_name: str,
    instructions_given: bool,
    override_reason: str = "",
    discharged_at: datetime.datetime | None = None,
) -> TreatmentSession:
    """Home with the escort: escort present, instructions given, the controlled substance
    accounted for, and `medicine/`'s readiness met — or a physician's override with a reason
    for readiness (never for the escort, the instructions or the ledger)."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    locked = _lock_in_clinic(session)
    _require_open(locked)
    if locked.status != SessionStatus.RECOVERY:
        raise PreconditionFailed("Only a patient in recovery can be discharged.")
    escort_name = escort_name.strip()[:200]
    errors: dict[str, list[str]] = {}
    if len(escort_name) < 2:
        errors["escort_name"] = ["The responsible adult taking the patient home must be here."]
    if not instructions_given:
        errors["instructions_given"] = ["Give the discharge instructions first."]
    if errors:
        raise InvalidInput(
            "Discharge only to a responsible adult, after the instructions.", fields=errors
        )
    if not locked.substance_records.exists():
        raise PreconditionFailed(
            "Record what was given and waste the rest of the draw (with a witness) first."
        )
    when = charted_time(locked, discharged_at, field="discharged_at")
    readiness = discharge_readiness_for_session(session=locked, at=when, escort_present=True)
    override_reason = override_reason.strip()
    if not readiness.is_ready:
        if not override_reason:
            raise PreconditionFailed(
                "Not ready for discharge: "
                + " ".join(readiness.reasons)
                + " A physician may discharge with a reason."
            )
        require_permission(user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=locked.clinic)
        locked.discharge_override_reason = override_reason[:500]
        locked.discharge_overridden_by = acting_user
    route = Route.INTRANASAL if locked.is_esketamine else Route.INTRAVENOUS
    locked.discharged_at = when
    locked.discharged_by = acting_user
    locked.discharge_escort_name = escort_name
    locked.discharge_instructions = list(discharge_instructions(route))
    locked.discharge_assessment = {
        "ready": readiness.is_ready,
        "reasons": list(readiness.reasons),
    }
    locked.status = SessionStatus.DISCHARGED
    locked.save()
    appointment = Appointment.objects.select_for_update().get(pk=locked.appointment_id)
    appointment.status = AppointmentStatus.COMPLETED
    appointment.status_changed_at = when
    appointment.status_changed_by = acting_user
    appointment.save(
        update_fields=["status", "status_changed_at", "status_changed_by", "updated_at"]
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_DISCHARGED,
        session=locked,
        detail={
            "ready": readiness.is_ready,
            "override": override_reason or None,
            "reasons": list(readiness.reasons),
        },
    )
    return locked


@transaction.atomic
def session_not_given(
    *, acting_user: User, session: TreatmentSession, reason: str, witness: User | None = None
) -> TreatmentSession:
    """The treatment will not be given today (a hold, the patient declines): the session ends
    before the start; any drawn dose is wasted with a witness."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    reason = reason.strip()
    if len(reason) < 3:
        raise InvalidInput("Say why it is not given.", fields={"reason": ["Required."]})
    locked = _lock_in_clinic(session)
    _require_open(locked)
    if locked.started_at is not None:
        raise PreconditionFailed("The treatment has started; stop it and discharge instead.")
    preparation = active_preparation(locked)
    if preparation is not None:
        dose_discard(
            acting_user=acting_user, preparation=preparation, reason=reason, witness=witness
        )
    locked.status = SessionStatus.NOT_GIVEN
    locked.status_reason = reason[:500]
    locked.save(update_fields=["status", "status_reason", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked,
        detail={"not_given": reason},
    )
    return locked
