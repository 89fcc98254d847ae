"""A small server-side SVG of one questionnaire's totals over time, for the patient's own page.

Pure rendering: points in, SVG text out (ElementTree escapes every text). Presentation
attributes only, never `style=` (the Content-Security-Policy forbids inline styles). Sized for a
390-px phone: the SVG scales to its container through its viewBox."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 340
HEIGHT = 150
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 10, 24
LINE = "#0072B2"
GRID = "#E3E7EA"
INK = "#222222"
MUTED = "#5F6B73"
BAND_SHADES = ("#F4F8FB", "#FFFFFF")
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class ScorePoint:
    day: datetime.date
    total: int


@dataclass(frozen=True)
class ScoreBand:
    low: int
    high: int
    label: str


def _num(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def score_history_svg(
    *,
    title: str,
    points: Sequence[ScorePoint],
    total_range: tuple[int, int],
    bands: Sequence[ScoreBand] = (),
) -> str:
    """The totals as a line with dots, oldest left; the instrument's bands as light stripes."""
    low, high = total_range
    span = max(high - low, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return TOP + plot_h - (value - low) * plot_h / span

    ordered = sorted(points, key=lambda point: point.day)
    first = ordered[0].day if ordered else datetime.date.min
    last = ordered[-1].day if ordered else first
    days = max((last - first).days, 1)

    def x(day: datetime.date) -> float:
        if len(ordered) == 1:
            return LEFT + plot_w / 2
        return LEFT + (day - first).days * plot_w / days

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "class": "score-chart",
            "font-family": FONT,
            "font-size": "10",
        },
    )
    ET.SubElement(svg, "title").text = title
    for index, band in enumerate(bands):
        top, bottom = y(min(band.high, high)), y(max(band.low, low))
        ET.SubElement(
            svg,
            "rect",
            {
                "x": _num(LEFT),
                "y": _num(top),
                "width": _num(plot_w),
                "height": _num(max(bottom - top, 0)),
                "fill": BAND_SHADES[index % 2],
            },
        )
    for tick in (low, (low + high) // 2, high):
        ET.SubElement(
            svg,
            "line",
            {
                "x1": _num(LEFT),
                "x2": _num(LEFT + plot_w),
                "y1": _num(y(tick)),
                "y2": _num(y(tick)),
                "stroke": GRID,
            },
        )
        label = ET.SubElement(
            svg,
            "text",
            {"x": _num(LEFT - 4), "y": _num(y(tick) + 3), "text-anchor": "end", "fill": MUTED},
        )
        label.text = str(tick)
    if ordered:
        for day, anchor in ((first, "start"), (last, "end")):
            if day == last and len(ordered) == 1:
                anchor = "middle"
            text = ET.SubElement(
                svg,
                "text",
                {
                    "x": _num(x(day)),
                    "y": _num(HEIGHT - 6),
                    "text-anchor": anchor,
                    "fill": MUTED,
                },
            )
            text.text = f"{day.day} {day:%b %Y}"
            if len(ordered) == 1:
                break
        if len(ordered) > 1:
            ET.SubElement(
                svg,
                "polyline",
                {
                    "points": " ".join(
                        f"{_num(x(point.day))},{_num(y(point.total))}" for point in ordered
                    ),
                    "fill": "none",
                    "stroke": LINE,
                    "stroke-width": "2",
                },
            )
        for point in ordered:
            dot = ET.SubElement(
                svg,
                "circle",
                {
                    "cx": _num(x(point.day)),
                    "cy": _num(y(point.total)),
                    "r": "3.5",
                    "fill": LINE,
                },
            )
            ET.SubElement(dot, "title").text = f"{point.day.isoformat()}: {point.total}"
    return ET.tostring(svg, encoding="unicode")
