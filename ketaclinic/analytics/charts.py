"""Server-side SVG bar charts for the dashboard: dataclasses in, an SVG string out.

Same rules as `charting/chart.py`: built with ElementTree (every text escaped), presentation
attributes and classes only (the Content-Security-Policy forbids `style=`), and a title and
description for screen readers. Each bar is labelled with its value and its counts, so a rate
from two patients never looks as solid as one from two hundred.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass

BAR_COLOUR = "#0072B2"
EMPTY_COLOUR = "#E3E7EA"
INK = "#222222"
MUTED = "#5F6B73"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
ROW_HEIGHT = 26
LABEL_WIDTH = 260
VALUE_WIDTH = 130
CHAR_WIDTH = 6.2


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: nothing to measure (shown as "—")
    caption: str  # e.g. "45 % (9/20)"


def _fit(text: str, width: float) -> str:
    chars = int(width // CHAR_WIDTH)
    return text if len(text) <= chars else text[: max(chars - 1, 1)].rstrip() + "…"


def bar_chart_svg(*, title: str, bars: tuple[Bar, ...], maximum: float, width: int = 640) -> str:
    """Horizontal bars from 0 to `maximum` (e.g. 100 for percentages)."""
    chart_id = (
        "bc-" + hashlib.sha1(repr((title, bars)).encode(), usedforsecurity=False).hexdigest()[:10]
    )
    height = max(len(bars), 1) * ROW_HEIGHT + 8
    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
            "class": "dashboard-chart",
            "id": chart_id,
            "font-family": FONT,
            "font-size": "12",
        },
    )
    ET.SubElement(svg, "title", {"id": f"{chart_id}-title"}).text = title
    ET.SubElement(svg, "desc", {"id": f"{chart_id}-desc"}).text = (
        "; ".join(f"{bar.label}: {bar.caption}" for bar in bars) or "No data."
    )
    track = width - LABEL_WIDTH - VALUE_WIDTH
    if not bars:
        ET.SubElement(svg, "text", {"x": "0", "y": "18", "fill": MUTED}).text = "No data."
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT + 4
        middle = str(y + ROW_HEIGHT / 2 + 1)
        ET.SubElement(
            svg, "text", {"x": "0", "y": middle, "fill": INK, "dominant-baseline": "middle"}
        ).text = _fit(bar.label, LABEL_WIDTH - 8)
        ET.SubElement(
            svg,
            "rect",
            {
                "x": str(LABEL_WIDTH),
                "y": str(y + 4),
                "width": str(track),
                "height": str(ROW_HEIGHT - 8),
                "fill": EMPTY_COLOUR,
            },
        )
        if bar.value is not None and maximum > 0:
            filled = max(0.0, min(bar.value / maximum, 1.0)) * track
            ET.SubElement(
                svg,
                "rect",
                {
                    "x": str(LABEL_WIDTH),
                    "y": str(y + 4),
                    "width": f"{filled:.1f}",
                    "height": str(ROW_HEIGHT - 8),
                    "fill": BAR_COLOUR,
                },
            )
        ET.SubElement(
            svg,
            "text",
            {
                "x": str(LABEL_WIDTH + track + 8),
                "y": middle,
                "fill": INK if bar.value is not None else MUTED,
                "dominant-baseline": "middle",
            },
        ).text = bar.caption
    return ET.tostring(svg, encoding="unicode")
