from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core.validators import dea_number_problem


@pytest.mark.parametrize("number", ["FC1234563", "fc1234563", "BR1234563", "BO2345672"])
def test_well_formed_dea_numbers_pass(number: str) -> None:
    assert dea_number_problem(number) is None


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("FC1234564", "check digit"),
        ("F1234563", "two letters"),
        ("FC123456", "two letters"),
        ("FC12345634", "two letters"),
        ("", "two letters"),
    ],
)
def test_malformed_dea_numbers_are_named(number: str, reason: str) -> None:
    problem = dea_number_problem(number)
    assert problem is not None
    assert reason in problem


@given(
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=2),
    st.lists(st.integers(0, 9), min_size=6, max_size=6),
)
def test_exactly_one_check_digit_completes_any_six_digits(letters: str, digits: list[int]) -> None:
    accepted = [
        check
        for check in range(10)
        if dea_number_problem(letters + "".join(map(str, digits)) + str(check)) is None
    ]
    assert len(accepted) == 1
