"""Who is asked for a pregnancy test before an infusion (CLINICAL.md §4, §1.2).

§4: "Urine hCG for patients of childbearing potential" [PRACTICE]. Childbearing potential is
taken as female sex at birth and an age within a band, 12 to 55 by default [PRACTICE]; a physician
marks the test not applicable for a documented reason (e.g. hysterectomy). A clinic may widen the
band (test younger or older patients) but never narrow it below the default, so no clinic's rules
ask fewer patients than CLINICAL.md's default does.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.medicine.body_weight import Sex
from ketaclinic.medicine.errors import InvalidConfiguration, NotApplicable

PREGNANCY_TEST_MINIMUM_AGE_YEARS = 12  # [PRACTICE] §4
PREGNANCY_TEST_MAXIMUM_AGE_YEARS = 55  # [PRACTICE] §4
# How far a clinic may widen the band [PRACTICE]: from age 8 (early menarche) to 60.
WIDEST_PREGNANCY_TEST_AGES = (8, 60)


@dataclass(frozen=True)
class PregnancyTestRules:
    """Clinic rules section `pregnancy_test`: the age band, inclusive."""

    minimum_age_years: int = PREGNANCY_TEST_MINIMUM_AGE_YEARS
    maximum_age_years: int = PREGNANCY_TEST_MAXIMUM_AGE_YEARS

    def __post_init__(self) -> None:
        lowest, highest = WIDEST_PREGNANCY_TEST_AGES
        if not lowest <= self.minimum_age_years <= PREGNANCY_TEST_MINIMUM_AGE_YEARS:
            raise InvalidConfiguration(
                f"The pregnancy test starts at an age from {lowest} to "
                f"{PREGNANCY_TEST_MINIMUM_AGE_YEARS} (CLINICAL.md §4)."
            )
        if not PREGNANCY_TEST_MAXIMUM_AGE_YEARS <= self.maximum_age_years <= highest:
            raise InvalidConfiguration(
                f"The pregnancy test ends at an age from {PREGNANCY_TEST_MAXIMUM_AGE_YEARS} to "
                f"{highest} (CLINICAL.md §4)."
            )


def pregnancy_test_applies(
    *, sex_at_birth: str, age_years: int, rules: PregnancyTestRules = PregnancyTestRules()
) -> bool:
    """Whether the checklist's pregnancy test is required (§4): female at birth and within the
    clinic's age band, both ends included."""
    if age_years < 0:
        raise NotApplicable("An age cannot be negative.")
    return (
        sex_at_birth == Sex.FEMALE
        and rules.minimum_age_years <= age_years <= rules.maximum_age_years
    )
