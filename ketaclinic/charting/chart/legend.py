"""The legend under the title: one entry per series, each with the symbol drawn in the chart."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ketaclinic.charting.chart.data import SessionChartData
from ketaclinic.charting.chart.layout import label, symbol, text_width
from ketaclinic.charting.chart.style import (
    BP_COLOUR,
    CONC_COLOUR,
    CRITICAL_COLOUR,
    HR_COLOUR,
    INK,
    RATE_FILL,
    RATE_STROKE,
    SMALL_FONT_SIZE,
    SPO2_COLOUR,
    WARNING_COLOUR,
)
from ketaclinic.core import svg
from ketaclinic.core.svg import number


def legend_items(data: SessionChartData) -> list[tuple[str, str]]:
    items = [
        ("bp", "Blood pressure, systolic ∨ / diastolic ∧ (mmHg)"),
        ("hr", "Heart rate (bpm)"),
        ("spo2", "SpO2 (%)"),
        ("rate", "Infusion rate (mL/h)"),
    ]
    if data.concentration:
        items.append(("conc", data.concentration_label or "Predicted concentration (ng/mL)"))
    items.append(("warning", "Warning"))
    items.append(("critical", "Critical"))
    return items


def _legend_symbol(parent: ET.Element, key: str, x: float, y: float) -> None:
    if key == "bp":
        svg.line(parent, x + 9, y - 6, x + 9, y + 6, stroke=BP_COLOUR, stroke_width=2)
        svg.path(
            parent,
            f"M{number(x + 5)},{number(y - 8)} L{number(x + 9)},{number(y - 5)} "
            f"L{number(x + 13)},{number(y - 8)} M{number(x + 5)},{number(y + 8)} "
            f"L{number(x + 9)},{number(y + 5)} L{number(x + 13)},{number(y + 8)}",
            fill="none",
            stroke=BP_COLOUR,
            stroke_width="1.6",
        )
    elif key == "hr":
        svg.line(parent, x, y, x + 18, y, stroke=HR_COLOUR, stroke_width=2)
        symbol(parent, "circle", x + 9, y, 3.2, HR_COLOUR)
    elif key == "spo2":
        svg.line(parent, x, y, x + 18, y, stroke=SPO2_COLOUR, stroke_width=1.6)
        symbol(parent, "square", x + 9, y, 2.8, SPO2_COLOUR)
    elif key == "rate":
        svg.rect(
            parent,
            x,
            y - 5,
            "18",
            "10",
            fill=RATE_FILL,
            fill_opacity="0.7",
            stroke=RATE_STROKE,
            stroke_width="1.2",
        )
    elif key == "conc":
        svg.path(
            parent,
            f"M{number(x)},{number(y + 4)} C{number(x + 6)},{number(y - 6)} "
            f"{number(x + 12)},{number(y - 6)} {number(x + 18)},{number(y)}",
            fill="none",
            stroke=CONC_COLOUR,
            stroke_width="2.2",
        )
    elif key == "warning":
        svg.circle(
            parent,
            x + 9,
            y,
            6,
            fill="none",
            stroke=WARNING_COLOUR,
            stroke_width="2",
            stroke_dasharray="3 2",
            cls="alarm-ring alarm-warning",
        )
    elif key == "critical":
        svg.circle(
            parent,
            x + 9,
            y,
            6,
            fill="none",
            stroke=CRITICAL_COLOUR,
            stroke_width="2.6",
            cls="alarm-ring alarm-critical",
        )


def draw_legend(
    parent: ET.Element, items: list[tuple[str, str]], left: float, right: float, top: float
) -> float:
    """Lays legend entries out in rows; returns the y just below the legend."""
    group = svg.group(parent, cls="chart-legend")
    x, y = left, top + 8
    row_height = 17.0
    for key, text in items:
        text = svg.ellipsize(text, 70)
        width = 18 + 5 + text_width(text, SMALL_FONT_SIZE) + 14
        if x > left and x + width > right:
            x, y = left, y + row_height
        entry = svg.group(group, cls=f"legend-entry legend-{key}")
        _legend_symbol(entry, key, x, y)
        label(entry, x + 23, y + 3.5, text, size=SMALL_FONT_SIZE, fill=INK)
        x += width
    return y + 10
