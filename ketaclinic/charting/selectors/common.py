"""What several reads share: the route as `medicine/` names it, a clinician's name, a figure
without trailing zeros, and whether the pump stopped before the planned dose.
"""

from __future__ import annotations

from decimal import Decimal

from ketaclinic.charting.models import (
    DosePreparation,
    SessionRoute,
    TreatmentSession,
)
from ketaclinic.medicine.medications import plain_decimal
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.session import (
    is_early_stop,
)


def route_of(session: TreatmentSession) -> Route:
    return Route.INTRANASAL if session.route == SessionRoute.ESKETAMINE else Route.INTRAVENOUS


def _name(user: object) -> str:
    if user is None:
        return ""
    return getattr(user, "full_name", "") or getattr(user, "email", "")


def _figure(value: Decimal | None) -> str:
    return "—" if value is None else plain_decimal(value)


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
