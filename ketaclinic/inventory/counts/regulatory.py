"""Which counts are which, and the regulatory dates a discrepancy and an inventory run to
(21 CFR 1301.76(b), 1304.11). The date arithmetic is regulatory, not clinical, so it lives
here rather than in `medicine/`."""

from __future__ import annotations

import datetime

from ketaclinic.inventory.models import ContainerStatus, CountKind

ROUTINE_KINDS = frozenset({CountKind.SHIFT, CountKind.DAILY})
INVENTORY_KINDS = frozenset({CountKind.INITIAL, CountKind.BIENNIAL})
IN_STOCK = (ContainerStatus.SEALED, ContainerStatus.OPEN)

# 21 CFR 1301.76(b) as amended by 88 FR 40707: Form 106 is filed within 45 days of discovery.
FORM_106_DAYS = 45
# A biennial inventory is flagged as coming due this many days before its deadline.
BIENNIAL_WARNING_DAYS = 60


# --- Regulatory dates (pure) ------------------------------------------------------------------


def add_business_days(day: datetime.date, days: int) -> datetime.date:
    """`days` business days after `day`, skipping Saturdays and Sundays.

    Federal holidays are not skipped: that can only make a deadline earlier than the rule's,
    never later, which is the safe side for a notice to the DEA."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = day
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def dea_notice_due_on(discovered_on: datetime.date) -> datetime.date:
    """Written notice of theft or significant loss to the DEA Field Division Office within one
    business day of discovery (21 CFR 1301.76(b))."""
    return add_business_days(discovered_on, 1)


def form_106_due_on(discovered_on: datetime.date) -> datetime.date:
    """DEA Form 106, filed electronically within 45 days of discovery (88 FR 40707)."""
    return discovered_on + datetime.timedelta(days=FORM_106_DAYS)


def biennial_inventory_due_on(previous_on: datetime.date) -> datetime.date:
    """The next inventory is due on any day within two years of the previous one
    (21 CFR 1304.11(c)); from 29 February the two years end on 28 February."""
    try:
        return previous_on.replace(year=previous_on.year + 2)
    except ValueError:
        return previous_on.replace(year=previous_on.year + 2, day=28)
