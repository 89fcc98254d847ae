"""PHQ-9 (CLINICAL.md §9.1, §9.3): 9 items 0–3, total 0–27; item 9 ≥ 1 raises the safety flag.
Free to use and reproduce (Pfizer), so the wording ships."""

from __future__ import annotations

from collections.abc import Mapping

from ketaclinic.medicine.questionnaires.base import (
    Band,
    Instrument,
    Rater,
    ScoreResult,
    scale_items,
)

SUICIDE_RISK_FLAG = "suicide_risk"

TEXTS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
# LOINC item codes (§9.1; items 8 and 9 [RECALL]).
ITEM_LOINC = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
)
ANSWERS = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}


def _score(instrument: Instrument, answers: Mapping[str, int]) -> ScoreResult:
    total = sum(answers.values())
    flags = (SUICIDE_RISK_FLAG,) if answers["phq9.9"] >= 1 else ()
    return ScoreResult(instrument.code, total, instrument.band_for(total), flags)


PHQ9 = Instrument(
    code="phq9",
    name="PHQ-9",
    recall_period="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    rater=Rater.PATIENT,
    items=scale_items("phq9", 9, (0, 1, 2, 3), TEXTS, ITEM_LOINC),
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    total_range=(0, 27),
    is_wording_licensed=False,
    panel_loinc="44249-1",
    total_loinc="44261-6",
    source="CLINICAL.md §9.1",
    scorer=_score,
    answer_labels=ANSWERS,
)
