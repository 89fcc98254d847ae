"""`{{ value|quantity }}`: a quantity as a clinician writes it — "4", "0.1", "35", never "4E+3"
or "35.00" (medicine.medications.plain_decimal). `{{ dose|mg }}` and `{{ volume|ml }}`: a dose or
a volume with its unit, to two decimals at most (medicine.amounts: "2.34 mg", "0.83 mL");
`{{ units|microlitres_ml }}`: the ledger's microlitres in mL. Empty for None."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django import template

from ketaclinic.medicine.amounts import mg_text, microlitres_ml_text, ml_text
from ketaclinic.medicine.medications import plain_decimal

register = template.Library()

Figure = Decimal | int | float | str | None


def _written(value: Figure, write: Callable[[Decimal], str]) -> str:
    if value is None or value == "":
        return ""
    try:
        if isinstance(value, Decimal):
            return write(value)
        return write(Decimal(value if isinstance(value, str) else str(value)))
    except (ArithmeticError, ValueError):
        # Not a number (a template's own text): shown as it is rather than a 500.
        return str(value)


@register.filter
def quantity(value: Figure) -> str:
    return _written(value, plain_decimal)


@register.filter
def mg(value: Figure) -> str:
    return _written(value, mg_text)


@register.filter
def ml(value: Figure) -> str:
    return _written(value, ml_text)


@register.filter
def microlitres_ml(value: Figure) -> str:
    return _written(value, lambda units: microlitres_ml_text(int(units)))
