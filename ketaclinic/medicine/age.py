"""A person's age in whole years on a given day."""

from __future__ import annotations

import datetime


def age_years(*, born: datetime.date, on: datetime.date) -> int:
    """Completed years from `born` to `on`: the count goes up on the birthday itself.

    Someone born on 29 February has their birthday on 1 March in a non-leap year (28 February is
    still the day before it). A day before `born` gives a negative age; callers that must refuse a
    future date of birth check it themselves.
    """
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
