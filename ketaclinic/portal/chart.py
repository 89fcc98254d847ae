"""A small server-side SVG of one questionnaire's totals over time, for the patient's own page.

Pure rendering: points in, SVG text out (drawn with `core.svg`, which escapes every text).
Presentation attributes only, never `style=` (the Content-Security-Policy forbids inline styles).
Sized for a 390-px phone: the SVG scales to its container through its viewBox."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale, TimeScale

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
    """The portal chart's numbers: one decimal at most (it is drawn small)."""
    return svg.number(value, decimals=1)


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
    y = LinearScale(low, low + span, TOP + plot_h, TOP)

    ordered = sorted(points, key=lambda point: point.day)
    first = ordered[0].day if ordered else datetime.date.min
    last = ordered[-1].day if ordered else first
    days = max((last - first).days, 1)
    along = TimeScale(first, first + datetime.timedelta(days=days), LEFT, LEFT + plot_w)

    def x(day: datetime.date) -> float:
        if len(ordered) == 1:
            return LEFT + plot_w / 2
        return along(day)

    root = svg.svg_root(
        width=WIDTH,
        height=HEIGHT,
        title=title,
        cls="score-chart",
        font_family=FONT,
        font_size="10",
    )
    for index, band in enumerate(bands):
        top, bottom = y(min(band.high, high)), y(max(band.low, low))
        svg.rect(
            root,
            _num(LEFT),
            _num(top),
            _num(plot_w),
            _num(max(bottom - top, 0)),
            fill=BAND_SHADES[index % 2],
        )
    for tick in (low, (low + high) // 2, high):
        svg.element(
            root,
            "line",
            x1=_num(LEFT),
            x2=_num(LEFT + plot_w),
            y1=_num(y(tick)),
            y2=_num(y(tick)),
            stroke=GRID,
        )
        svg.text(root, _num(LEFT - 4), _num(y(tick) + 3), str(tick), text_anchor="end", fill=MUTED)
    if ordered:
        for day, anchor in ((first, "start"), (last, "end")):
            if day == last and len(ordered) == 1:
                anchor = "middle"
            svg.text(
                root,
                _num(x(day)),
                _num(HEIGHT - 6),
                f"{day.day} {day:%b %Y}",
                text_anchor=anchor,
                fill=MUTED,
            )
            if len(ordered) == 1:
                break
        if len(ordered) > 1:
            svg.polyline(
                root,
                svg.points_text([(x(point.day), y(point.total)) for point in ordered], decimals=1),
                fill="none",
                stroke=LINE,
                stroke_width="2",
            )
        for point in ordered:
            dot = svg.circle(root, _num(x(point.day)), _num(y(point.total)), _num(3.5), fill=LINE)
            svg.tooltip(dot, f"{point.day.isoformat()}: {point.total}")
    return svg.to_string(root)
