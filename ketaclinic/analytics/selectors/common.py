"""What the dashboard's figures share: the clinic and period, a rate shown as n of N, the
names of indications and protocols, and the clinics a user may choose."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.roles import PERMISSIONS, Action
from ketaclinic.clinics.models import Clinic
from ketaclinic.medicine.protocols import STANDARD_PROTOCOLS, Indication

_INDICATION_LABELS = {
    Indication.TREATMENT_RESISTANT_DEPRESSION: "Treatment-resistant depression",
    Indication.DEPRESSION_WITH_SUICIDAL_IDEATION: "Depression with suicidal ideation",
    Indication.PTSD: "PTSD",
    Indication.OCD: "OCD",
    Indication.ANXIETY: "Anxiety",
    Indication.ALCOHOL_USE_DISORDER: "Alcohol use disorder",
    Indication.CHRONIC_PAIN: "Chronic pain",
}
_PROTOCOL_NAMES = {protocol.key: protocol.name for protocol in STANDARD_PROTOCOLS}


def indication_label(code: str) -> str:
    return next((label for key, label in _INDICATION_LABELS.items() if key == code), code)


def protocol_label(key: str) -> str:
    return _PROTOCOL_NAMES.get(key, key)


def dashboard_clinics_for_user(*, user: User, action: Action = Action.REPORTS_VIEW) -> list[Clinic]:
    """The clinics where the user's role allows the action, for the clinic filter (one query)."""
    return [
        membership.clinic
        for membership in StaffMembership.objects.filter(
            user=user,
            is_active=True,
            clinic__is_active=True,
            role__in=list(PERMISSIONS[action].roles),
        )
        .select_related("clinic")
        .order_by("clinic__name")
    ]


@dataclass(frozen=True)
class DashboardFilters:
    clinic: Clinic
    first_day: datetime.date
    last_day: datetime.date  # inclusive

    @property
    def starts_at(self) -> datetime.datetime:
        return datetime.datetime.combine(self.first_day, datetime.time(), tzinfo=self.clinic.zone)

    @property
    def ends_at(self) -> datetime.datetime:
        """Exclusive end: midnight after the last day."""
        day_after = self.last_day + datetime.timedelta(days=1)
        return datetime.datetime.combine(day_after, datetime.time(), tzinfo=self.clinic.zone)

    def as_detail(self) -> dict[str, str]:
        return {"from": self.first_day.isoformat(), "to": self.last_day.isoformat()}


@dataclass(frozen=True)
class Rate:
    """n of N, shown as both so that 1/2 never reads like 50 % of a thousand."""

    numerator: int
    denominator: int
    per: int = 100

    @property
    def value(self) -> Decimal | None:
        if self.denominator == 0:
            return None
        exact = Decimal(self.numerator * self.per) / Decimal(self.denominator)
        return exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def counts(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    @property
    def shown(self) -> str:
        """The value as text, "—" when there is nothing to divide by (0 stays 0)."""
        return "—" if self.value is None else str(self.value)
