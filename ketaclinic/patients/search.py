"""What a search for a patient asks for: name words, an MRN, or a date of birth written the ways
the front desk writes it. Pure (no database): `selectors.patient_list_for_clinic` turns the terms
into a query.

Dates are read as a US clinic writes them: 1985-04-12, 04/12/1985, 4/12/1985, 04-12-1985,
04.12.1985, 04/12/85, and as the patient list shows them, 12 Apr 1985 or April 12, 1985. A slashed
date is month first (LANGUAGE_CODE is en-us), never guessed the other way round.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

# Digits with separators: a date, or a typo of one (02/30/1985), never a name or an MRN.
_DATE_SHAPE = re.compile(r"^\d{1,4}([-/.])\d{1,2}\1\d{1,4}$")
_NUMERIC_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")
_TWO_DIGIT_YEAR_FORMATS = ("%m/%d/%y", "%m-%d-%y", "%m.%d.%y")
_WRITTEN_FORMATS = ("%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y")
_WORD_SEPARATORS = re.compile(r"[\s,]+")

DATE_EXAMPLES = "04/12/1985 or 1985-04-12"


@dataclass(frozen=True)
class PatientSearchTerms:
    text: str  # the whole query, trimmed: matched as an MRN, an email or part of a phone number
    words: tuple[str, ...] = ()  # each must be part of the legal or preferred name
    dates_of_birth: tuple[datetime.date, ...] = ()
    not_dates: tuple[str, ...] = ()  # written like a date but no such day (02/30/1985)

    @property
    def by_name_or_birth(self) -> bool:
        """Whether the words and dates make a search of their own (a typo'd date matches no one)."""
        return bool(self.words or self.dates_of_birth) and not self.not_dates

    @property
    def problem(self) -> str:
        """What to tell the person searching when part of the query cannot be read."""
        if not self.not_dates:
            return ""
        quoted = ", ".join(f"“{text}”" for text in self.not_dates)
        return f"{quoted} is not a date. Write a date of birth as {DATE_EXAMPLES}."


def parse_patient_search(text: str, *, today: datetime.date) -> PatientSearchTerms:
    """Split a search into name words and dates of birth; `today` places a two-digit year in the
    past (04/12/85 is 1985, not 2085)."""
    text = " ".join(text.split())
    if not text:
        return PatientSearchTerms(text="")
    written = _written_date(text)
    if written is not None:
        return PatientSearchTerms(text=text, dates_of_birth=(written,))
    words: list[str] = []
    dates: list[datetime.date] = []
    not_dates: list[str] = []
    for part in _WORD_SEPARATORS.split(text):
        if not part:
            continue
        if not _DATE_SHAPE.match(part):
            words.append(part)
            continue
        born = _numeric_date(part, today=today)
        if born is None:
            not_dates.append(part)
        else:
            dates.append(born)
    return PatientSearchTerms(
        text=text, words=tuple(words), dates_of_birth=tuple(dates), not_dates=tuple(not_dates)
    )


def _numeric_date(text: str, *, today: datetime.date) -> datetime.date | None:
    for pattern in _NUMERIC_FORMATS:
        parsed = _strptime(text, pattern)
        if parsed is not None:
            return parsed
    for pattern in _TWO_DIGIT_YEAR_FORMATS:
        parsed = _strptime(text, pattern)
        if parsed is not None:
            # A date of birth is never in the future: 04/12/50 is 1950 however %y reads it.
            return parsed.replace(year=parsed.year - 100) if parsed > today else parsed
    return None


def _written_date(text: str) -> datetime.date | None:
    cleaned = text.replace(",", " ").replace(".", " ")
    cleaned = " ".join(cleaned.split())
    for pattern in _WRITTEN_FORMATS:
        parsed = _strptime(cleaned, pattern)
        if parsed is not None:
            return parsed
    return None


def _strptime(text: str, pattern: str) -> datetime.date | None:
    try:
        return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007  (a calendar day, no time)
    except ValueError:
        return None
