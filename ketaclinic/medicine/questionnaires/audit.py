"""AUDIT and AUDIT-C (CLINICAL.md §9.1). WHO, free; the wording ships.

AUDIT: 10 items, items 1–8 scored 0–4 and items 9–10 scored 0, 2 or 4; total 0–40.
AUDIT-C: items 1–3, total 0–12; positive at ≥ 4 for men and ≥ 3 for women.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.body_weight import Sex
from ketaclinic.medicine.questionnaires.base import Band, Instrument, Item, Rater, ScoreResult

TEXTS = (
    "How often do you have a drink containing alcohol?",
    "How many drinks containing alcohol do you have on a typical day when you are drinking?",
    "How often do you have six or more drinks on one occasion?",
    "How often during the last year have you found that you were not able to stop drinking once you had started?",
    "How often during the last year have you failed to do what was normally expected of you because of drinking?",
    "How often during the last year have you needed a first drink in the morning to get yourself going after a heavy drinking session?",
    "How often during the last year have you had a feeling of guilt or remorse after drinking?",
    "How often during the last year have you been unable to remember what happened the night before because of your drinking?",
    "Have you or someone else been injured because of your drinking?",
    "Has a relative, friend, doctor or other health worker been concerned about your drinking or suggested you cut down?",
)
FIVE_POINT = (0, 1, 2, 3, 4)
YES_NO_LAST_YEAR = (0, 2, 4)

AUDIT = Instrument(
    code="audit",
    name="AUDIT",
    recall_period="The past year",
    rater=Rater.PATIENT,
    items=tuple(
        Item(f"audit.{n}", YES_NO_LAST_YEAR if n >= 9 else FIVE_POINT, TEXTS[n - 1])
        for n in range(1, 11)
    ),
    bands=(
        Band(0, 7, "low risk"),
        Band(8, 15, "hazardous"),
        Band(16, 19, "harmful"),
        Band(20, 40, "probable dependence"),
    ),
    total_range=(0, 40),
    is_wording_licensed=False,
    total_loinc="75624-7",
    source="CLINICAL.md §9.1",
)

AUDIT_C_CUTOFF = {Sex.MALE: 4, Sex.FEMALE: 3}


def _score_audit_c(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    total = sum(answers.values())
    return ScoreResult(instrument.code, total, instrument.band_for(total))


AUDIT_C = Instrument(
    code="audit_c",
    name="AUDIT-C",
    recall_period="The past year",
    rater=Rater.PATIENT,
    items=tuple(Item(f"audit_c.{n}", FIVE_POINT, TEXTS[n - 1]) for n in range(1, 4)),
    # Without the patient's sex, 3 is positive for women only: say so rather than guess.
    bands=(
        Band(0, 2, "negative"),
        Band(3, 3, "positive for women, negative for men"),
        Band(4, 12, "positive"),
    ),
    total_range=(0, 12),
    is_wording_licensed=False,
    total_loinc="75626-2",
    source="CLINICAL.md §9.1",
    scorer=_score_audit_c,
)


def score_audit_c(answers: Mapping[str, int], *, sex: Sex) -> ScoreResult:
    """AUDIT-C with its sex-specific cut-off (≥ 4 men, ≥ 3 women)."""
    result = AUDIT_C.score(answers)
    positive = result.total >= AUDIT_C_CUTOFF[sex]
    return ScoreResult(
        AUDIT_C.code,
        result.total,
        "positive" if positive else "negative",
        ("hazardous_drinking",) if positive else (),
    )
