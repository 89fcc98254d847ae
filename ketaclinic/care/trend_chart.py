"""A server-side SVG of one instrument's scores over time: what a clinician reads at a glance.

Pure rendering, like `charting/chart/`: dataclasses in, an SVG string out; no models, no
database. Drawn with `core.svg`, so every text is escaped. The Content-Security-Policy forbids
inline styles, so the chart uses SVG presentation attributes and `class` only (never `style=`).

Drawn, back to front: the instrument's severity bands shaded (from `medicine/questionnaires`), the
response and remission thresholds as dashed lines, infusion days as vertical ticks on the x axis
(with a faint guide), and the scores as a line with dots (each with a tooltip).
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale, TimeScale

__all__ = ["TrendBand", "TrendChartData", "TrendPoint", "TrendThreshold", "trend_chart_svg"]


@dataclass(frozen=True)
class TrendBand:
    low: int
    high: int
    label: str


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    total: int
    label: str = ""  # tooltip text after the date and score, e.g. "before a session"


@dataclass(frozen=True)
class TrendThreshold:
    value: float
    label: str
    kind: str  # "response" | "remission"


@dataclass(frozen=True)
class TrendChartData:
    title: str
    total_range: tuple[int, int]
    bands: tuple[TrendBand, ...]
    points: tuple[TrendPoint, ...]
    infusions: tuple[datetime.date, ...]
    thresholds: tuple[TrendThreshold, ...] = ()
    start: datetime.date | None = None  # x axis range; defaults to the data's
    end: datetime.date | None = None


WIDTH = 760
HEIGHT = 250
LEFT, RIGHT, TOP = 40.0, 156.0, 14.0  # RIGHT: room for the band labels
PLOT_BOTTOM = 196.0
TICK_STRIP = 14.0  # infusion ticks under the plot
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
INK = "#222222"
MUTED = "#5F6B73"
LINE = "#0072B2"  # Okabe–Ito blue
INFUSION = "#7B3294"  # purple ticks
RESPONSE = "#117733"
REMISSION = "#0B5394"
# Light to dark: minimal → severe (colour-blind-safe, the label says the band as well).
BAND_FILLS = ("#EEF7EE", "#F7F9E6", "#FFF6DC", "#FDEBD8", "#FADBD8", "#F5C9C4")


def _text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    *,
    size: float = 10,
    anchor: str = "start",
    fill: str = MUTED,
    cls: str | None = None,
) -> ET.Element:
    return svg.text(
        parent,
        x,
        y,
        content,
        font_size=size,
        fill=fill,
        text_anchor=anchor if anchor != "start" else None,
        cls=cls or None,
    )


def _band_fill(index: int, count: int) -> str:
    if count <= 1:
        return BAND_FILLS[0]
    position = round(index * (len(BAND_FILLS) - 1) / (count - 1))
    return BAND_FILLS[position]


def _y_ticks(lo: int, hi: int) -> list[int]:
    return svg.whole_ticks(lo, hi, steps=(1, 2, 5, 10, 20, 25, 50), max_intervals=6)


def _date_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    return svg.date_ticks(
        start, end, steps_days=(1, 2, 7, 14, 28, 56, 91), max_intervals=7, fallback_days=182
    )


def _summary(data: TrendChartData) -> str:
    if not data.points:
        return f"{data.title}: no scores yet."
    ordered = sorted(data.points, key=lambda p: p.day)
    first, last = ordered[0], ordered[-1]
    infusions = len(data.infusions)
    text = (
        f"{data.title}: {len(ordered)} score{'s' if len(ordered) != 1 else ''}, "
        f"{first.total} on {first.day:%d %b %Y}, latest {last.total} on {last.day:%d %b %Y}; "
        f"{infusions} infusion{'s' if infusions != 1 else ''}."
    )
    return text


def trend_chart_svg(data: TrendChartData) -> str:
    lo, hi = data.total_range
    days = [p.day for p in data.points] + list(data.infusions)
    start = data.start or (min(days) if days else datetime.date(2000, 1, 1))
    end = data.end or (max(days) if days else start)
    if end <= start:
        end = start + datetime.timedelta(days=1)
    right = WIDTH - RIGHT
    x = TimeScale(start, end, LEFT, right)
    y = LinearScale(lo, hi, PLOT_BOTTOM, TOP)

    root = svg.svg_root(
        width=WIDTH,
        height=HEIGHT,
        display_width="100%",
        title=f"{data.title} over time",
        title_id="trend-title",
        desc=_summary(data),
        desc_id="trend-desc",
        cls="trend-chart",
        font_family=FONT,
    )

    bands = svg.group(root, cls="trend-bands")
    for index, band in enumerate(sorted(data.bands, key=lambda b: b.low)):
        top_value = min(band.high + 0.5, hi)
        bottom_value = max(band.low - 0.5, lo)
        y_top, y_bottom = y(top_value), y(bottom_value)
        svg.rect(
            bands,
            LEFT,
            y_top,
            right - LEFT,
            y_bottom - y_top,
            fill=_band_fill(index, len(data.bands)),
            cls="trend-band",
        )
        if y_bottom - y_top >= 9:
            _text(
                bands,
                right + 6,
                (y_top + y_bottom) / 2 + 3.5,
                f"{band.label} {band.low}–{band.high}",
                cls="trend-band-label",
            )

    axis = svg.group(root, cls="trend-axis")
    for tick in _y_ticks(lo, hi):
        svg.line(axis, LEFT - 4, y(tick), LEFT, y(tick), stroke=MUTED)
        _text(axis, LEFT - 6, y(tick) + 3.5, str(tick), anchor="end")
    axis_y = PLOT_BOTTOM + TICK_STRIP
    svg.line(axis, LEFT, axis_y, right, axis_y, stroke=MUTED)
    for day in _date_ticks(start, end):
        svg.line(axis, x(day), axis_y, x(day), axis_y + 4, stroke=MUTED)
        _text(axis, x(day), axis_y + 15, f"{day:%d %b}", anchor="middle")

    thresholds = svg.group(root, cls="trend-thresholds")
    for threshold in data.thresholds:
        if not lo <= threshold.value <= hi:
            continue
        colour = RESPONSE if threshold.kind == "response" else REMISSION
        svg.line(
            thresholds,
            LEFT,
            y(threshold.value),
            right,
            y(threshold.value),
            stroke=colour,
            stroke_width="1.4",
            stroke_dasharray="6 4" if threshold.kind == "response" else "2 3",
            cls=f"trend-threshold trend-threshold-{threshold.kind}",
        )
        _text(
            thresholds,
            LEFT + 4,
            y(threshold.value) - 3,
            threshold.label,
            fill=colour,
            cls="trend-threshold-label",
        )

    ticks = svg.group(root, cls="trend-infusions")
    for number, day in enumerate(sorted(data.infusions), start=1):
        mark = svg.group(ticks, cls="infusion-tick")
        svg.tooltip(mark, f"Infusion {number}, {day:%d %b %Y}")
        svg.line(
            mark,
            x(day),
            TOP,
            x(day),
            PLOT_BOTTOM,
            stroke=INFUSION,
            stroke_opacity="0.25",
            stroke_dasharray="2 3",
        )
        svg.line(mark, x(day), PLOT_BOTTOM + 2, x(day), axis_y, stroke=INFUSION, stroke_width="2.5")

    scores = svg.group(root, cls="trend-scores")
    ordered = sorted(data.points, key=lambda p: p.day)
    if not ordered:
        _text(
            scores, (LEFT + right) / 2, (TOP + PLOT_BOTTOM) / 2, "No scores yet", size=14,
            anchor="middle", cls="trend-empty",
        )  # fmt: skip
    elif len(ordered) > 1:
        svg.polyline(
            scores,
            [(x(p.day), y(p.total)) for p in ordered],
            fill="none",
            stroke=LINE,
            stroke_width="2",
            stroke_linejoin="round",
            cls="trend-line",
        )
    for point in ordered:
        dot = svg.circle(
            scores,
            x(point.day),
            y(point.total),
            3.6,
            fill=LINE,
            stroke="#fff",
            stroke_width="1",
            cls="trend-dot",
        )
        svg.tooltip(
            dot,
            f"{point.day:%d %b %Y}: {point.total}" + (f" ({point.label})" if point.label else ""),
        )

    _text(root, right + 6, axis_y + 4, "▮ infusion", fill=INFUSION, cls="trend-legend")
    return svg.to_string(root)
