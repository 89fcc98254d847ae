"""A server-side SVG of one instrument's scores over time: what a clinician reads at a glance.

Pure rendering, like `charting/chart.py`: dataclasses in, an SVG string out; no models, no
database. ElementTree escapes every text. The Content-Security-Policy forbids inline styles, so the
chart uses SVG presentation attributes and `class` only (never `style=`).

Drawn, back to front: the instrument's severity bands shaded (from `medicine/questionnaires`), the
response and remission thresholds as dashed lines, infusion days as vertical ticks on the x axis
(with a faint guide), and the scores as a line with dots (each with a tooltip).
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from dataclasses import dataclass

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


def _num(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _el(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, tag, attrs or {})


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
    attrs = {"x": _num(x), "y": _num(y), "font-size": _num(size), "fill": fill}
    if anchor != "start":
        attrs["text-anchor"] = anchor
    if cls:
        attrs["class"] = cls
    node = _el(parent, "text", attrs)
    node.text = content
    return node


def _band_fill(index: int, count: int) -> str:
    if count <= 1:
        return BAND_FILLS[0]
    position = round(index * (len(BAND_FILLS) - 1) / (count - 1))
    return BAND_FILLS[position]


def _y_ticks(lo: int, hi: int) -> list[int]:
    span = hi - lo
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if span / s <= 6)
    first = lo + (-lo % step)
    return list(range(first, hi + 1, step))


def _date_ticks(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days = (end - start).days
    step = next((s for s in (1, 2, 7, 14, 28, 56, 91) if days / s <= 7), 182)
    return [start + datetime.timedelta(days=d) for d in range(0, days + 1, step)]


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
    span_days = (end - start).days

    def x(day: datetime.date) -> float:
        return LEFT + (day - start).days * (right - LEFT) / span_days

    def y(value: float) -> float:
        return PLOT_BOTTOM - (value - lo) * (PLOT_BOTTOM - TOP) / (hi - lo)

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "width": "100%",
            "role": "img",
            "aria-labelledby": "trend-title trend-desc",
            "class": "trend-chart",
            "font-family": FONT,
        },
    )
    title = _el(svg, "title", {"id": "trend-title"})
    title.text = f"{data.title} over time"
    desc = _el(svg, "desc", {"id": "trend-desc"})
    desc.text = _summary(data)

    bands = _el(svg, "g", {"class": "trend-bands"})
    for index, band in enumerate(sorted(data.bands, key=lambda b: b.low)):
        top_value = min(band.high + 0.5, hi)
        bottom_value = max(band.low - 0.5, lo)
        y_top, y_bottom = y(top_value), y(bottom_value)
        _el(
            bands,
            "rect",
            {
                "x": _num(LEFT),
                "y": _num(y_top),
                "width": _num(right - LEFT),
                "height": _num(y_bottom - y_top),
                "fill": _band_fill(index, len(data.bands)),
                "class": "trend-band",
            },
        )
        if y_bottom - y_top >= 9:
            _text(
                bands,
                right + 6,
                (y_top + y_bottom) / 2 + 3.5,
                f"{band.label} {band.low}–{band.high}",
                cls="trend-band-label",
            )

    axis = _el(svg, "g", {"class": "trend-axis"})
    for tick in _y_ticks(lo, hi):
        _el(
            axis,
            "line",
            {
                "x1": _num(LEFT - 4),
                "y1": _num(y(tick)),
                "x2": _num(LEFT),
                "y2": _num(y(tick)),
                "stroke": MUTED,
            },
        )
        _text(axis, LEFT - 6, y(tick) + 3.5, str(tick), anchor="end")
    axis_y = PLOT_BOTTOM + TICK_STRIP
    _el(
        axis,
        "line",
        {
            "x1": _num(LEFT),
            "y1": _num(axis_y),
            "x2": _num(right),
            "y2": _num(axis_y),
            "stroke": MUTED,
        },
    )
    for day in _date_ticks(start, end):
        _el(
            axis,
            "line",
            {
                "x1": _num(x(day)),
                "y1": _num(axis_y),
                "x2": _num(x(day)),
                "y2": _num(axis_y + 4),
                "stroke": MUTED,
            },
        )
        _text(axis, x(day), axis_y + 15, f"{day:%d %b}", anchor="middle")

    thresholds = _el(svg, "g", {"class": "trend-thresholds"})
    for threshold in data.thresholds:
        if not lo <= threshold.value <= hi:
            continue
        colour = RESPONSE if threshold.kind == "response" else REMISSION
        _el(
            thresholds,
            "line",
            {
                "x1": _num(LEFT),
                "y1": _num(y(threshold.value)),
                "x2": _num(right),
                "y2": _num(y(threshold.value)),
                "stroke": colour,
                "stroke-width": "1.4",
                "stroke-dasharray": "6 4" if threshold.kind == "response" else "2 3",
                "class": f"trend-threshold trend-threshold-{threshold.kind}",
            },
        )
        _text(
            thresholds,
            LEFT + 4,
            y(threshold.value) - 3,
            threshold.label,
            fill=colour,
            cls="trend-threshold-label",
        )

    ticks = _el(svg, "g", {"class": "trend-infusions"})
    for number, day in enumerate(sorted(data.infusions), start=1):
        mark = _el(ticks, "g", {"class": "infusion-tick"})
        tooltip = _el(mark, "title")
        tooltip.text = f"Infusion {number}, {day:%d %b %Y}"
        _el(
            mark,
            "line",
            {
                "x1": _num(x(day)),
                "y1": _num(TOP),
                "x2": _num(x(day)),
                "y2": _num(PLOT_BOTTOM),
                "stroke": INFUSION,
                "stroke-opacity": "0.25",
                "stroke-dasharray": "2 3",
            },
        )
        _el(
            mark,
            "line",
            {
                "x1": _num(x(day)),
                "y1": _num(PLOT_BOTTOM + 2),
                "x2": _num(x(day)),
                "y2": _num(axis_y),
                "stroke": INFUSION,
                "stroke-width": "2.5",
            },
        )

    scores = _el(svg, "g", {"class": "trend-scores"})
    ordered = sorted(data.points, key=lambda p: p.day)
    if not ordered:
        _text(
            scores, (LEFT + right) / 2, (TOP + PLOT_BOTTOM) / 2, "No scores yet", size=14,
            anchor="middle", cls="trend-empty",
        )  # fmt: skip
    elif len(ordered) > 1:
        _el(
            scores,
            "polyline",
            {
                "points": " ".join(f"{_num(x(p.day))},{_num(y(p.total))}" for p in ordered),
                "fill": "none",
                "stroke": LINE,
                "stroke-width": "2",
                "stroke-linejoin": "round",
                "class": "trend-line",
            },
        )
    for point in ordered:
        dot = _el(
            scores,
            "circle",
            {
                "cx": _num(x(point.day)),
                "cy": _num(y(point.total)),
                "r": "3.6",
                "fill": LINE,
                "stroke": "#fff",
                "stroke-width": "1",
                "class": "trend-dot",
            },
        )
        tooltip = _el(dot, "title")
        tooltip.text = f"{point.day:%d %b %Y}: {point.total}" + (
            f" ({point.label})" if point.label else ""
        )

    _text(svg, right + 6, axis_y + 4, "▮ infusion", fill=INFUSION, cls="trend-legend")
    return ET.tostring(svg, encoding="unicode")
