"""Side effects and the PRN medications that treat them: each charted with its time, resolved
while the session is open, and a PRN's dose checked by `medicine.medications`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    PrnDose,
    PrnResponse,
    SideEffect,
    TreatmentSession,
)
from ketaclinic.charting.services.common import (
    _audit,
    _clinical,
    _given,
    _key,
    _lock,
    _lock_in_clinic,
    _require_open,
    _sent_once,
    charted_time,
)
from ketaclinic.core.errors import Conflict, InvalidInput
from ketaclinic.medicine.errors import ClinicalRuleError
from ketaclinic.medicine.medications import (
    RouteNotListed,
    UnitNotListed,
    check_medication_dose,
    dose_text,
)
from ketaclinic.medicine.session import (
    Severity,
    SideEffectAction,
    SideEffectKind,
)


@transaction.atomic
def side_effect_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    kind: SideEffectKind | str,
    severity: Severity | str,
    action: SideEffectAction | str,
    onset_at: datetime.datetime | None = None,
    description: str = "",
    note: str = "",
    idempotency_key: str = "",
) -> SideEffect:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=session.clinic)
    try:
        kind, severity, action = SideEffectKind(kind), Severity(severity), SideEffectAction(action)
    except ValueError as error:
        raise InvalidInput("Choose the side effect, its severity and the action taken.") from error
    description = description.strip()[:300]
    if kind == SideEffectKind.OTHER and not description:
        raise InvalidInput("Describe the side effect.", fields={"description": ["Required."]})
    note = note.strip()[:500]
    locked = _lock_in_clinic(session)
    key = _key(idempotency_key)

    def same(row: SideEffect) -> bool:
        return (
            (row.kind, row.severity, row.action, row.description, row.note)
            == (kind, severity, action, description, note)
        ) and _given(onset_at, row.onset_at)

    def write() -> SideEffect:
        _require_open(locked)
        when = charted_time(locked, onset_at, field="onset_at")
        effect = SideEffect.objects.create(
            clinic=locked.clinic,
            session=locked,
            kind=kind,
            description=description,
            onset_at=when,
            severity=severity,
            action=action,
            note=note,
            recorded_by=acting_user,
            idempotency_key=key,
        )
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=effect,
            detail={"side_effect": kind.value, "severity": severity.value, "action": action.value},
        )
        return effect

    return _sent_once(SideEffect, session=locked, key=key, same=same, write=write)


@transaction.atomic
def side_effect_resolve(
    *,
    acting_user: User,
    side_effect: SideEffect,
    resolved_at: datetime.datetime | None = None,
    note: str = "",
) -> SideEffect:
    """While the session is open; after discharge the chart is closed and the resolution is
    written in an addendum to the signed note."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=side_effect.clinic)
    session = _lock(side_effect.session_id)
    locked = SideEffect.objects.select_for_update().get(pk=side_effect.pk)
    if locked.resolved_at is not None:
        raise Conflict("Already marked resolved.")
    _require_open(session)
    when = charted_time(session, resolved_at, field="resolved_at")
    if when < locked.onset_at:
        raise InvalidInput(
            "It cannot resolve before it began.", fields={"resolved_at": ["Before the onset."]}
        )
    locked.resolved_at = when
    if note.strip():
        locked.note = f"{locked.note} {note.strip()}".strip()[:500]
    locked.save(update_fields=["resolved_at", "note", "updated_at"])
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=locked,
        detail={"side_effect_resolved": locked.kind},
    )
    return locked


@transaction.atomic
def prn_record(
    *,
    acting_user: User,
    session: TreatmentSession,
    drug: str,
    dose: Decimal,
    unit: str,
    route: str,
    side_effect: SideEffect | None = None,
    given_at: datetime.datetime | None = None,
    response: str = "",
    dose_override_reason: str = "",
    idempotency_key: str = "",
) -> PrnDose:
    """A PRN medication given (CLINICAL.md §5.4), linked to the side effect it treats.

    The dose is checked by `medicine.medications`: above the drug's single-dose maximum, or by a
    route its table does not list, it is refused; above its usual dose, or for a drug the table
    does not list, a physician (acting) gives the reason — as a dose other than the order's does
    at the preparation.
    """
    require_permission(user=acting_user, action=Action.MEDICATION_ADMINISTER, clinic=session.clinic)
    drug, unit, route = drug.strip()[:100], unit.strip()[:16], route.strip()[:16]
    if not drug:
        raise InvalidInput("Give the drug, dose, unit and route.", fields={"drug": ["Required."]})
    try:
        check = check_medication_dose(drug=drug, dose=dose, unit=unit, route=route)
    except ClinicalRuleError as error:
        field = (
            "route"
            if isinstance(error, RouteNotListed)
            else "unit"
            if isinstance(error, UnitNotListed)
            else "dose"
        )
        raise _clinical(error, field) from error
    reason = dose_override_reason.strip()[:500]
    overridden_by: User | None = None
    if check.needs_physician:
        if not reason:
            raise InvalidInput(
                check.message,
                fields={
                    "dose": [check.message],
                    "dose_override_reason": ["Required: a physician's reason."],
                },
            )
        require_permission(
            user=acting_user, action=Action.CHECKLIST_OVERRIDE, clinic=session.clinic
        )
        overridden_by = acting_user
    else:
        reason = ""
    if side_effect is not None and side_effect.session_id != session.pk:
        raise InvalidInput("That side effect belongs to another session.")
    response = response.strip()[:500]
    locked = _lock_in_clinic(session)
    key = _key(idempotency_key)

    def same(row: PrnDose) -> bool:
        # The response sent with the dose is its first; later ones may have followed it.
        first = row.responses.values_list("text", flat=True).first()
        return (
            (row.drug, row.dose, row.unit, row.route, row.side_effect_id)
            == (drug, dose, unit, route, getattr(side_effect, "pk", None))
            and (not response or first == response)
            and row.dose_override_reason == reason
            and _given(given_at, row.given_at)
        )

    def write() -> PrnDose:
        _require_open(locked)
        when = charted_time(locked, given_at, field="given_at")
        prn = PrnDose.objects.create(
            clinic=locked.clinic,
            session=locked,
            side_effect=side_effect,
            drug=drug,
            dose=dose,
            unit=unit,
            route=route,
            given_at=when,
            given_by=acting_user,
            dose_override_reason=reason,
            dose_overridden_by=overridden_by,
            idempotency_key=key,
        )
        if response:
            PrnResponse.objects.create(
                clinic=locked.clinic,
                prn=prn,
                text=response,
                recorded_at=timezone.now(),
                recorded_by=acting_user,
            )
        _audit(
            acting_user=acting_user,
            action=AuditAction.SESSION_CHARTED,
            session=locked,
            subject=prn,
            detail={
                "prn": f"{drug} {dose_text(dose, unit)} {route}",
                "dose_review": check.review.value,
                "override_reason": reason or None,
                "response": response or None,
            },
        )
        return prn

    return _sent_once(PrnDose, session=locked, key=key, same=same, write=write)


@transaction.atomic
def prn_response_record(*, acting_user: User, prn: PrnDose, response: str) -> PrnResponse:
    """How the patient responded to a PRN, observed now: a row of its own, so an earlier
    response is kept beside it (while the session is open; after, an addendum). The same words
    from the same clinician as the PRN's latest response are a resend (a double tap): that
    response is returned, nothing is stored or audited again."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=prn.clinic)
    text = response.strip()[:500]
    if not text:
        raise InvalidInput("Describe the response.", fields={"response": ["Required."]})
    session = _lock(prn.session_id)
    # Under the session's lock, so a resend racing the first submit finds its row.
    latest = prn.responses.order_by("-recorded_at", "-id").first()
    if latest is not None and latest.recorded_by_id == acting_user.pk and latest.text == text:
        return latest
    _require_open(session)
    row = PrnResponse.objects.create(
        clinic=session.clinic,
        prn=prn,
        text=text,
        recorded_at=timezone.now(),
        recorded_by=acting_user,
    )
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=session,
        subject=row,
        detail={"prn": prn.pk, "prn_response": text[:200]},
    )
    return row
