"""`{{ value|quantity }}`: a dose or other quantity as a clinician writes it — "4", "0.1", "35",
never "4E+3" or "35.00" (medicine.medications.plain_decimal). Empty for None."""

from __future__ import annotations

from decimal import Decimal

from django import template

from ketaclinic.medicine.medications import plain_decimal

register = template.Library()


@register.filter
def quantity(value: Decimal | int | float | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, Decimal):
        return plain_decimal(value)
    if isinstance(value, str):
        try:
            return plain_decimal(Decimal(value))
        except ArithmeticError:
            return value
    return plain_decimal(Decimal(str(value)))
