"""Validators for identifiers with a published structure, and the one form of a typed number."""

from __future__ import annotations

import re

_DEA_PATTERN = re.compile(r"^[A-Z]{2}\d{7}$")

# A number typed as text (fullmatch): digits with an optional decimal point and minus sign. What
# Decimal() and Django would also read is refused: an exponent ("5e1" is 50), "NaN", "Infinity",
# thousands separators, spaces. Every caller keeps its own message (and its own sign rules).
PLAIN_DECIMAL_PATTERN = re.compile(r"-?\d+(\.\d+)?")


def dea_number_problem(value: str) -> str | None:
    """Why a DEA registration number is malformed, or None when it is well formed.

    Two letters and seven digits; the seventh digit is the last digit of
    (d1 + d3 + d5) + 2 × (d2 + d4 + d6) (DEA's published check-digit rule).
    """
    number = value.strip().upper()
    if not _DEA_PATTERN.match(number):
        return "A DEA registration number is two letters followed by seven digits (e.g. FC1234563)."
    digits = [int(character) for character in number[2:]]
    check = (digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])) % 10
    if check != digits[6]:
        return "This DEA registration number fails its check digit; please re-check it."
    return None
