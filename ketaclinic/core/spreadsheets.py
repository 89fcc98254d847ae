"""Cells written to a CSV that a spreadsheet will open.

A spreadsheet runs a cell that starts with one of these characters as a formula, and much of
what is exported was typed by people (names, reasons, a failed sign-in's email), so such a cell
is opened with a quote (OWASP, "CSV Injection"). Numbers stay numbers.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def spreadsheet_safe(value: T) -> T | str:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
