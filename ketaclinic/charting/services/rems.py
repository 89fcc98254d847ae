"""The esketamine REMS Patient Monitoring Form: what the session cannot know (concomitant
medicines, the evaluation question), then marked submitted with its reference.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.audit.models import AuditAction
from ketaclinic.charting.models import (
    RemsMonitoringForm,
    SessionStatus,
)
from ketaclinic.charting.services.common import (
    _audit,
)
from ketaclinic.core.errors import Conflict, InvalidInput, PreconditionFailed


@transaction.atomic
def rems_form_update(
    *,
    acting_user: User,
    form: RemsMonitoringForm,
    concomitant: Mapping[str, bool],
    ready_to_leave_minutes: int | None,
) -> RemsMonitoringForm:
    """What the session cannot know: concomitant medicines and the REMS evaluation question."""
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=form.clinic)
    locked = RemsMonitoringForm.objects.select_for_update().get(pk=form.pk)
    if locked.submitted_at is not None:
        raise PreconditionFailed("This form was submitted; it cannot change.")
    if ready_to_leave_minutes is not None and not 0 < ready_to_leave_minutes <= 600:
        raise InvalidInput(
            "Give minutes from the first device (1–600).",
            fields={"ready_to_leave_minutes": ["1–600."]},
        )
    for name in (
        "takes_benzodiazepines",
        "takes_non_benzodiazepine_hypnotics",
        "takes_psychostimulants",
        "takes_maois",
        "takes_opioids",
    ):
        setattr(locked, name, bool(concomitant.get(name, False)))
    locked.ready_to_leave_minutes = ready_to_leave_minutes
    locked.save()
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked.session,
        subject=locked,
        detail={"rems_form": "updated"},
    )
    return locked


@transaction.atomic
def rems_form_mark_submitted(
    *, acting_user: User, form: RemsMonitoringForm, reference: str
) -> RemsMonitoringForm:
    require_permission(user=acting_user, action=Action.SESSION_CHART, clinic=form.clinic)
    reference = reference.strip()
    if not reference:
        raise InvalidInput(
            "Give the confirmation number or fax date.", fields={"reference": ["Required."]}
        )
    locked = (
        RemsMonitoringForm.objects.select_for_update().select_related("session").get(pk=form.pk)
    )
    if locked.submitted_at is not None:
        raise Conflict("Already marked submitted.")
    if locked.session.status != SessionStatus.DISCHARGED:
        raise PreconditionFailed("Submit the form after the session ends.")
    if locked.ready_to_leave_minutes is None:
        raise PreconditionFailed("Answer the REMS evaluation question first.")
    locked.submitted_at = timezone.now()
    locked.submitted_by = acting_user
    locked.submission_reference = reference[:100]
    locked.save()
    _audit(
        acting_user=acting_user,
        action=AuditAction.SESSION_CHARTED,
        session=locked.session,
        subject=locked,
        detail={"rems_form": "submitted", "reference": reference},
    )
    return locked
