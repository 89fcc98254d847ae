"""The template filters write doses and volumes the one way `medicine.amounts` does, and never
turn a bad figure into a server error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template


def _render(source: str, **context: object) -> str:
    return Template("{% load quantities %}" + source).render(Context(context))


def test_the_controlled_substance_line_reads_in_mg_and_ml() -> None:
    line = _render(
        "{{ given|mg }} administered; {{ wasted|microlitres_ml }} wasted",
        given=Decimal("2.34"),
        wasted=833,
    )
    assert line == "2.34 mg administered; 0.83 mL wasted"


@pytest.mark.parametrize(
    ("source", "value", "written"),
    [
        ("{{ v|mg }}", Decimal("35.00"), "35 mg"),
        ("{{ v|mg }}", "52.349", "52.35 mg"),
        ("{{ v|ml }}", Decimal("0.7"), "0.7 mL"),
        ("{{ v|ml }}", 100, "100 mL"),
        ("{{ v|ml }}", 0.1, "0.1 mL"),
        ("{{ v|quantity }}", Decimal("4E+3"), "4000"),
        ("{{ v|mg }}", None, ""),
        ("{{ v|microlitres_ml }}", "", ""),
        ("{{ v|mg }}", "not a dose", "not a dose"),
        ("{{ v|microlitres_ml }}", Decimal("NaN"), "NaN"),
    ],
)
def test_each_filter_writes_its_figure(source: str, value: object, written: str) -> None:
    assert _render(source, v=value) == written
