"""Who is asked for a pregnancy test (CLINICAL.md §4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable
from ketaclinic.medicine.pregnancy import PregnancyTestRules, pregnancy_test_applies


@pytest.mark.parametrize(
    ("sex_at_birth", "age_years", "applies"),
    [
        ("female", 11, False),
        ("female", 12, True),  # both ends of the 12–55 band are inside it
        ("female", 30, True),
        ("female", 55, True),
        ("female", 56, False),
        ("male", 30, False),
    ],
)
def test_female_at_birth_aged_12_to_55_by_default(
    sex_at_birth: str, age_years: int, applies: bool
) -> None:
    assert pregnancy_test_applies(sex_at_birth=sex_at_birth, age_years=age_years) is applies


def test_a_clinic_may_widen_the_band_but_never_narrow_it() -> None:
    wider = PregnancyTestRules(minimum_age_years=10, maximum_age_years=58)
    assert pregnancy_test_applies(sex_at_birth="female", age_years=57, rules=wider)
    assert pregnancy_test_applies(sex_at_birth="female", age_years=10, rules=wider)
    with pytest.raises(InvalidConfiguration, match="starts at an age from 8 to 12"):
        PregnancyTestRules(minimum_age_years=18)
    with pytest.raises(InvalidConfiguration, match="ends at an age from 55 to 60"):
        PregnancyTestRules(maximum_age_years=45)
    with pytest.raises(NotApplicable, match="negative"):
        pregnancy_test_applies(sex_at_birth="female", age_years=-1)


@given(
    age=st.integers(0, 120),
    minimum=st.integers(8, 12),
    maximum=st.integers(55, 60),
)
def test_every_clinics_band_tests_everyone_the_default_band_tests(
    age: int, minimum: int, maximum: int
) -> None:
    rules = PregnancyTestRules(minimum_age_years=minimum, maximum_age_years=maximum)
    if pregnancy_test_applies(sex_at_birth="female", age_years=age):
        assert pregnancy_test_applies(sex_at_birth="female", age_years=age, rules=rules)
