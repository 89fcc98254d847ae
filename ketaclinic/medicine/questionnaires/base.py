"""What every instrument shares: items with allowed answers, bands, LOINC codes, scoring.

Instruments whose wording is licensed (CLINICAL.md §9.2) ship item codes and scoring only;
`with_wording` attaches the clinic-supplied text, refusing a file that names unknown items or
leaves some out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from ketaclinic.medicine.errors import AnswerOutOfRange, IncompleteQuestionnaire, UnknownItem


class Rater(StrEnum):
    PATIENT = "patient"
    CLINICIAN = "clinician"


@dataclass(frozen=True)
class Item:
    code: str  # "phq9.9": stable, stored with every answer
    allowed: tuple[int, ...]
    text: str = ""  # empty for licensed instruments until the clinic's wording is loaded
    loinc: str = ""


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class ScoreResult:
    instrument: str
    total: int
    band: str
    flags: tuple[str, ...] = ()
    domains: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Instrument:
    code: str
    name: str
    recall_period: str
    rater: Rater
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    total_range: tuple[int, int]
    is_wording_licensed: bool
    panel_loinc: str = ""
    total_loinc: str = ""
    source: str = ""
    # Instruments that are not a plain sum (QIDS domains, C-SSRS triage) score themselves.
    scorer: Callable[[Instrument, Mapping[str, int]], ScoreResult] | None = None
    answer_labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def item_codes(self) -> tuple[str, ...]:
        return tuple(item.code for item in self.items)

    def band_for(self, total: int) -> str:
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        raise AnswerOutOfRange(f"{self.name}: total {total} is outside every band.")

    def score(self, answers: Mapping[str, int]) -> ScoreResult:
        checked = check_answers(self, answers)
        if self.scorer is not None:
            return self.scorer(self, checked)
        total = sum(checked.values())
        return ScoreResult(self.code, total, self.band_for(total))

    def with_wording(self, wording: Mapping[str, str]) -> Instrument:
        """Attach item wording supplied by the clinic (licensed instruments, §9.2)."""
        unknown = sorted(set(wording) - set(self.item_codes))
        if unknown:
            raise UnknownItem(f"{self.name}: the wording file names unknown items {unknown}.")
        missing = [code for code in self.item_codes if not str(wording.get(code, "")).strip()]
        if missing:
            raise IncompleteQuestionnaire(
                f"{self.name}: the wording file has no text for {missing}."
            )
        return replace(
            self, items=tuple(replace(item, text=wording[item.code].strip()) for item in self.items)
        )


def check_answers(instrument: Instrument, answers: Mapping[str, int]) -> dict[str, int]:
    """Every item answered with an allowed value, and nothing else; refusals name the item."""
    unknown = sorted(set(answers) - set(instrument.item_codes))
    if unknown:
        raise UnknownItem(f"{instrument.name}: {unknown} are not items of this instrument.")
    missing = [code for code in instrument.item_codes if code not in answers]
    if missing:
        raise IncompleteQuestionnaire(
            f"{instrument.name} is incomplete: no answer for {', '.join(missing)}."
        )
    checked: dict[str, int] = {}
    for item in instrument.items:
        value = answers[item.code]
        if isinstance(value, bool) or not isinstance(value, int) or value not in item.allowed:
            allowed = ", ".join(str(option) for option in item.allowed)
            raise AnswerOutOfRange(
                f"{instrument.name} item {item.code}: {value!r} is not an allowed answer ({allowed})."
            )
        checked[item.code] = value
    return checked


def scale_items(
    prefix: str,
    count: int,
    allowed: tuple[int, ...],
    texts: tuple[str, ...] = (),
    loinc: tuple[str, ...] = (),
) -> tuple[Item, ...]:
    return tuple(
        Item(
            code=f"{prefix}.{number}",
            allowed=allowed,
            text=texts[number - 1] if texts else "",
            loinc=loinc[number - 1] if loinc else "",
        )
        for number in range(1, count + 1)
    )


def parse_wording_csv(text: str) -> dict[str, str]:
    """`item_code,text` lines (a header line `item_code,text` is allowed) → a wording mapping."""
    wording: dict[str, str] = {}
    for row in csv.reader(io.StringIO(text)):
        if not row or row[0].strip() in {"", "item_code"}:
            continue
        if len(row) < 2:
            raise IncompleteQuestionnaire(f"Wording line for {row[0]!r} has no text.")
        wording[row[0].strip()] = ",".join(row[1:]).strip()
    return wording
