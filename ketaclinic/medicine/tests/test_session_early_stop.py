"""An infusion stopped before its planned dose is an early stop, charted with its reason
(design default: more than 1 % of the plan left undelivered)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ketaclinic.medicine.errors import NotApplicable
from ketaclinic.medicine.session import EARLY_STOP_TOLERANCE, is_early_stop


def test_the_whole_dose_or_within_the_tolerance_is_not_early() -> None:
    assert Decimal("0.01") == EARLY_STOP_TOLERANCE
    assert not is_early_stop(delivered_mg=Decimal("35"), planned_mg=Decimal("35"))
    # the pump-rate rounding leaves a few hundredths of a mg behind
    assert not is_early_stop(delivered_mg=Decimal("34.97"), planned_mg=Decimal("35"))
    assert not is_early_stop(delivered_mg=Decimal("34.65"), planned_mg=Decimal("35"))


def test_less_than_the_plan_less_one_percent_is_early() -> None:
    assert is_early_stop(delivered_mg=Decimal("34.64"), planned_mg=Decimal("35"))
    assert is_early_stop(delivered_mg=Decimal("0"), planned_mg=Decimal("35"))


@pytest.mark.parametrize("planned", ["0", "-1", "NaN"])
def test_a_plan_is_a_dose_above_zero(planned: str) -> None:
    with pytest.raises(NotApplicable, match="not possible"):
        is_early_stop(delivered_mg=Decimal("1"), planned_mg=Decimal(planned))
