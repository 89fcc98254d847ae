"""A server-side SVG chart of one infusion session: the picture a nurse reads at a glance.

Pure rendering: dataclasses in, an SVG string out; no models, no database. The SVG is built with
ElementTree, so every text is escaped. The page's Content-Security-Policy forbids inline styles,
so the chart uses SVG presentation attributes and `class` attributes only (never `style=`).

Layout, top to bottom, all panels sharing one x axis in minutes since the infusion start:
  vitals (BP range bars with caret marks, heart rate line with dots, alarm rings),
  SpO2 (thin panel, 80–100 %),
  infusion rate (filled step area, mL/h) with the predicted concentration (ng/mL, right axis),
  events (markers as labelled ticks, staggered in rows so labels do not overlap).
"""

from __future__ import annotations

import hashlib
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.medicine.vital_signs import AlarmLevel

__all__ = [
    "ChartMarker",
    "ChartRateSegment",
    "ChartVital",
    "SessionChartData",
    "session_chart_svg",
]


@dataclass(frozen=True)
class ChartVital:
    minute: float  # minutes since the infusion start; negative = baseline before the start
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int | None = None
    moaa_s: int | None = None
    alarm_level: int = 0  # 0 none, 1 warning, 2 critical (AlarmLevel values)


@dataclass(frozen=True)
class ChartRateSegment:
    start_min: float
    end_min: float
    rate_ml_per_h: Decimal


@dataclass(frozen=True)
class ChartMarker:
    minute: float
    label: str
    kind: str  # "pump" | "prn" | "side_effect" | "device" | "alarm"


@dataclass(frozen=True)
class SessionChartData:
    title: str
    vitals: tuple[ChartVital, ...]
    rate_segments: tuple[ChartRateSegment, ...]
    markers: tuple[ChartMarker, ...]
    concentration: tuple[tuple[float, float], ...]  # (minute, ng/mL); may be empty
    concentration_label: str  # the model and site must be shown (CLINICAL.md §3.5)
    now_minute: float | None  # a vertical "now" line while live; None when finished
    end_minute: float  # right edge of the x axis (at least 60)
    infusion_end_minute: float | None = None  # recovery is shaded after it


# Colour-blind-safe palette (Okabe–Ito based); every series also differs in shape.
BP_COLOUR = "#0072B2"  # blue: vertical bars with carets
HR_COLOUR = "#D55E00"  # vermillion/orange: line with round dots
SPO2_COLOUR = "#117A8B"  # teal: line with square dots, in its own panel
RATE_FILL = "#A6CEE3"
RATE_STROKE = "#3B6E8F"
CONC_COLOUR = "#7B3294"  # purple: smooth line, right-hand axis
WARNING_COLOUR = "#E69F00"  # amber, dashed ring
CRITICAL_COLOUR = "#C00000"  # red, thick solid double ring
INK = "#222222"
MUTED = "#5F6B73"
GRID = "#E3E7EA"
INFUSION_SHADE = "#EAF2FA"
RECOVERY_SHADE = "#F6F0E4"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"

MARKER_STYLES: dict[str, tuple[str, str]] = {
    # kind: (colour, shape)
    "pump": ("#3B6E8F", "triangle-down"),
    "prn": ("#0072B2", "circle"),
    "side_effect": ("#D55E00", "diamond"),
    "device": ("#555555", "square"),
    "alarm": (CRITICAL_COLOUR, "triangle-up"),
}
DEFAULT_MARKER_STYLE = ("#555555", "circle")

MARKER_ROWS = 5
MARKER_ROW_HEIGHT = 13
MARKER_LABEL_MAX_CHARS = 26
FONT_SIZE = 11.0
SMALL_FONT_SIZE = 10.0
CHAR_WIDTH = 0.55  # average glyph width / font size, a little wide for safety


# --- small helpers -------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate as short, stable text: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _text_width(text: str, font_size: float) -> float:
    """A conservative estimate of rendered text width for a sans-serif font."""
    return len(text) * font_size * CHAR_WIDTH


def _ellipsize(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    if max_chars <= 1:
        return "…"
    return text[: max_chars - 1].rstrip() + "…"


def _fit(text: str, max_px: float, font_size: float) -> str:
    """`text`, shortened with an ellipsis to fit `max_px`; "" if not even two letters fit."""
    chars = int(max_px // (font_size * CHAR_WIDTH))
    if chars >= len(text):
        return text
    if chars < 3:
        return ""
    return _ellipsize(text, chars)


def _nice_step(span: float, target_ticks: int) -> float:
    raw = span / max(target_ticks, 1)
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _nice_range(lo: float, hi: float, target_ticks: int = 5) -> tuple[float, float, float]:
    """(lo, hi, step) widened outward to round tick values."""
    if hi <= lo:
        hi = lo + 1
    step = _nice_step(hi - lo, target_ticks)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def _range_with_steps(
    lo: float, hi: float, steps: Sequence[float], max_ticks: int
) -> tuple[float, float, float]:
    """(lo, hi, step) with the smallest step from `steps` giving at most `max_ticks` ticks."""
    for step in steps:
        nice_lo, nice_hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        if round((nice_hi - nice_lo) / step) + 1 <= max_ticks:
            return nice_lo, nice_hi, step
    return _nice_range(lo, hi, max_ticks - 1)


def _ticks(lo: float, hi: float, step: float) -> list[float]:
    count = round((hi - lo) / step)
    return [lo + i * step for i in range(count + 1)]


def _tick_label(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 1e-9 else f"{value:g}"


def _fmt_minute(minute: float) -> str:
    return _tick_label(minute) if abs(minute - round(minute)) < 1e-9 else f"{minute:.1f}"


@dataclass(frozen=True)
class _Scale:
    """A linear map from data values to pixels."""

    d0: float
    d1: float
    p0: float
    p1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return self.p0
        return self.p0 + (value - self.d0) * (self.p1 - self.p0) / (self.d1 - self.d0)


def _el(parent: ET.Element, tag: str, attrs: dict[str, str] | None = None) -> ET.Element:
    return ET.SubElement(parent, tag, attrs or {})


def _text(
    parent: ET.Element,
    x: float,
    y: float,
    content: str,
    *,
    size: float = FONT_SIZE,
    anchor: str = "start",
    fill: str = INK,
    cls: str | None = None,
    weight: str | None = None,
    transform: str | None = None,
    halo: bool = False,
) -> ET.Element:
    attrs = {"x": _num(x), "y": _num(y), "font-size": _num(size), "fill": fill}
    if halo:  # a white outline behind the glyphs, so lines crossing the text do not hide it
        attrs.update(
            {
                "stroke": "#fff",
                "stroke-width": "2.5",
                "stroke-linejoin": "round",
                "paint-order": "stroke",
            }
        )
    if anchor != "start":
        attrs["text-anchor"] = anchor
    if weight:
        attrs["font-weight"] = weight
    if cls:
        attrs["class"] = cls
    if transform:
        attrs["transform"] = transform
    node = _el(parent, "text", attrs)
    node.text = content
    return node


def _line(
    parent: ET.Element,
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    stroke: str,
    width: float = 1.0,
    *,
    dash: str | None = None,
    cls: str | None = None,
    opacity: float | None = None,
) -> ET.Element:
    attrs = {
        "x1": _num(x1),
        "y1": _num(y1),
        "x2": _num(x2),
        "y2": _num(y2),
        "stroke": stroke,
        "stroke-width": _num(width),
    }
    if dash:
        attrs["stroke-dasharray"] = dash
    if opacity is not None:
        attrs["stroke-opacity"] = _num(opacity)
    if cls:
        attrs["class"] = cls
    return _el(parent, "line", attrs)


def _shape(
    parent: ET.Element, shape: str, x: float, y: float, r: float, fill: str, stroke: str = "#fff"
) -> ET.Element:
    common = {"fill": fill, "stroke": stroke, "stroke-width": "1"}
    if shape == "circle":
        return _el(parent, "circle", {"cx": _num(x), "cy": _num(y), "r": _num(r), **common})
    if shape == "square":
        side = r * 1.7
        return _el(
            parent,
            "rect",
            {
                "x": _num(x - side / 2),
                "y": _num(y - side / 2),
                "width": _num(side),
                "height": _num(side),
                **common,
            },
        )
    if shape == "diamond":
        d = r * 1.3
        points = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
    elif shape == "triangle-up":
        d = r * 1.3
        points = [(x, y - d), (x + d, y + d * 0.8), (x - d, y + d * 0.8)]
    else:  # triangle-down
        d = r * 1.3
        points = [(x - d, y - d * 0.8), (x + d, y - d * 0.8), (x, y + d)]
    return _el(
        parent, "polygon", {"points": " ".join(f"{_num(a)},{_num(b)}" for a, b in points), **common}
    )


def _monotone_path(points: Sequence[tuple[float, float]]) -> str:
    """An SVG path through pixel points: monotone cubic (Fritsch–Carlson), so no overshoot."""
    if not points:
        return ""
    if len(points) == 1:
        x, y = points[0]
        return f"M{_num(x)},{_num(y)}"
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    n = len(points)
    h = [xs[i + 1] - xs[i] for i in range(n - 1)]
    delta = [(ys[i + 1] - ys[i]) / h[i] if h[i] else 0.0 for i in range(n - 1)]
    m = [0.0] * n
    m[0], m[-1] = delta[0], delta[-1]
    for i in range(1, n - 1):
        if delta[i - 1] * delta[i] <= 0:
            m[i] = 0.0
        else:
            m[i] = (delta[i - 1] + delta[i]) / 2
    for i in range(n - 1):
        if delta[i] == 0:
            m[i] = m[i + 1] = 0.0
            continue
        a, b = m[i] / delta[i], m[i + 1] / delta[i]
        s = a * a + b * b
        if s > 9:
            t = 3 / math.sqrt(s)
            m[i], m[i + 1] = t * a * delta[i], t * b * delta[i]
    parts = [f"M{_num(xs[0])},{_num(ys[0])}"]
    for i in range(n - 1):
        third = h[i] / 3
        c1 = (xs[i] + third, ys[i] + m[i] * third)
        c2 = (xs[i + 1] - third, ys[i + 1] - m[i + 1] * third)
        parts.append(
            f"C{_num(c1[0])},{_num(c1[1])} {_num(c2[0])},{_num(c2[1])} "
            f"{_num(xs[i + 1])},{_num(ys[i + 1])}"
        )
    return " ".join(parts)


def _delivered_ml(segments: Iterable[ChartRateSegment]) -> Decimal:
    total = Decimal(0)
    for seg in segments:
        minutes = Decimal(str(max(seg.end_min - seg.start_min, 0.0)))
        total += seg.rate_ml_per_h * minutes / 60
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _range_text(values: Sequence[int]) -> str:
    lo, hi = min(values), max(values)
    return str(lo) if lo == hi else f"{lo}–{hi}"


def _summary(data: SessionChartData) -> str:
    parts: list[str] = []
    vitals = data.vitals
    if vitals:
        n = len(vitals)
        parts.append(f"{n} reading{'s' if n != 1 else ''}")
        parts.append(f"BP {_range_text([v.systolic_mmhg for v in vitals])} systolic")
        parts.append(f"HR {_range_text([v.heart_rate_bpm for v in vitals])}")
        parts.append(f"SpO2 {_range_text([v.spo2_percent for v in vitals])}%")
        alarms = [v for v in vitals if v.alarm_level >= AlarmLevel.WARNING]
        critical = sum(1 for v in alarms if v.alarm_level >= AlarmLevel.CRITICAL)
        alarm_text = f"{len(alarms)} alarm{'s' if len(alarms) != 1 else ''}"
        if critical:
            alarm_text += f" ({critical} critical)"
        parts.append(alarm_text)
    else:
        parts.append("No readings yet")
    summary = ", ".join(parts) + f"; {_delivered_ml(data.rate_segments)} mL delivered"
    if data.concentration:
        peak_minute, peak = max(data.concentration, key=lambda p: (p[1], -p[0]))
        label = data.concentration_label.rstrip(".")
        summary += f"; predicted peak {peak:.0f} ng/mL at {_fmt_minute(peak_minute)} min"
        if label:
            summary += f" — {label}"
    if data.now_minute is not None:
        summary += f"; live, now at {_fmt_minute(data.now_minute)} min"
    return summary + "."


def _reading_title(v: ChartVital) -> str:
    text = (
        f"{_fmt_minute(v.minute)} min: BP {v.systolic_mmhg}/{v.diastolic_mmhg} mmHg, "
        f"HR {v.heart_rate_bpm} bpm, SpO2 {v.spo2_percent}%"
    )
    if v.respiratory_rate_per_min is not None:
        text += f", RR {v.respiratory_rate_per_min}/min"
    if v.moaa_s is not None:
        text += f", MOAA/S {v.moaa_s}"
    if v.alarm_level >= AlarmLevel.CRITICAL:
        text += " — critical alarm"
    elif v.alarm_level >= AlarmLevel.WARNING:
        text += " — warning"
    return text


# --- the chart -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Panel:
    top: float
    bottom: float


def _legend_items(data: SessionChartData) -> list[tuple[str, str]]:
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
        _line(parent, x + 9, y - 6, x + 9, y + 6, BP_COLOUR, 2)
        _el(
            parent,
            "path",
            {
                "d": f"M{_num(x + 5)},{_num(y - 8)} L{_num(x + 9)},{_num(y - 5)} "
                f"L{_num(x + 13)},{_num(y - 8)} M{_num(x + 5)},{_num(y + 8)} "
                f"L{_num(x + 9)},{_num(y + 5)} L{_num(x + 13)},{_num(y + 8)}",
                "fill": "none",
                "stroke": BP_COLOUR,
                "stroke-width": "1.6",
            },
        )
    elif key == "hr":
        _line(parent, x, y, x + 18, y, HR_COLOUR, 2)
        _shape(parent, "circle", x + 9, y, 3.2, HR_COLOUR)
    elif key == "spo2":
        _line(parent, x, y, x + 18, y, SPO2_COLOUR, 1.6)
        _shape(parent, "square", x + 9, y, 2.8, SPO2_COLOUR)
    elif key == "rate":
        _el(
            parent,
            "rect",
            {
                "x": _num(x),
                "y": _num(y - 5),
                "width": "18",
                "height": "10",
                "fill": RATE_FILL,
                "fill-opacity": "0.7",
                "stroke": RATE_STROKE,
                "stroke-width": "1.2",
            },
        )
    elif key == "conc":
        _el(
            parent,
            "path",
            {
                "d": f"M{_num(x)},{_num(y + 4)} C{_num(x + 6)},{_num(y - 6)} "
                f"{_num(x + 12)},{_num(y - 6)} {_num(x + 18)},{_num(y)}",
                "fill": "none",
                "stroke": CONC_COLOUR,
                "stroke-width": "2.2",
            },
        )
    elif key == "warning":
        _el(
            parent,
            "circle",
            {
                "cx": _num(x + 9),
                "cy": _num(y),
                "r": "6",
                "fill": "none",
                "stroke": WARNING_COLOUR,
                "stroke-width": "2",
                "stroke-dasharray": "3 2",
                "class": "alarm-ring alarm-warning",
            },
        )
    elif key == "critical":
        _el(
            parent,
            "circle",
            {
                "cx": _num(x + 9),
                "cy": _num(y),
                "r": "6",
                "fill": "none",
                "stroke": CRITICAL_COLOUR,
                "stroke-width": "2.6",
                "class": "alarm-ring alarm-critical",
            },
        )


def _draw_legend(
    svg: ET.Element, items: list[tuple[str, str]], left: float, right: float, top: float
) -> float:
    """Lays legend entries out in rows; returns the y just below the legend."""
    group = _el(svg, "g", {"class": "chart-legend"})
    x, y = left, top + 8
    row_height = 17.0
    for key, label in items:
        label = _ellipsize(label, 70)
        width = 18 + 5 + _text_width(label, SMALL_FONT_SIZE) + 14
        if x > left and x + width > right:
            x, y = left, y + row_height
        entry = _el(group, "g", {"class": f"legend-entry legend-{key}"})
        _legend_symbol(entry, key, x, y)
        _text(entry, x + 23, y + 3.5, label, size=SMALL_FONT_SIZE, fill=INK)
        x += width
    return y + 10


def session_chart_svg(data: SessionChartData, *, width: int = 960, height: int = 520) -> str:
    """The session chart as an SVG document (a string), deterministic for a given input."""
    chart_id = "sc-" + hashlib.sha1(repr(data).encode(), usedforsecurity=False).hexdigest()[:10]
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"

    svg = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "viewBox": f"0 0 {width} {height}",
            "width": str(width),
            "height": str(height),
            "preserveAspectRatio": "xMidYMid meet",
            "role": "img",
            "aria-labelledby": f"{title_id} {desc_id}",
            "class": "session-chart",
            "id": chart_id,
            "font-family": FONT,
        },
    )
    title_el = _el(svg, "title", {"id": title_id})
    title_el.text = data.title
    desc_el = _el(svg, "desc", {"id": desc_id})
    desc_el.text = _summary(data)
    _el(
        svg,
        "rect",
        {"x": "0", "y": "0", "width": str(width), "height": str(height), "fill": "#fff"},
    )

    # --- horizontal layout
    left, right = 62.0, width - 62.0
    inset = 8.0  # keep bars at the very first/last minute off the axis lines

    # --- x domain
    minutes: list[float] = [0.0]
    minutes += [v.minute for v in data.vitals]
    minutes += [m.minute for m in data.markers]
    minutes += [s.start_min for s in data.rate_segments]
    minutes += [c[0] for c in data.concentration]
    lowest = min(minutes)
    x_min = 0.0 if lowest >= 0 else math.floor((lowest - 2.5) / 5) * 5
    highest = max(
        [data.end_minute, 60.0]
        + [v.minute for v in data.vitals]
        + [m.minute for m in data.markers]
        + [s.end_min for s in data.rate_segments]
        + ([data.now_minute] if data.now_minute is not None else [])
    )
    x_max = float(math.ceil(highest))
    xs = _Scale(x_min, x_max, left + inset, right - inset)

    # --- title and legend
    _text(svg, left, 20, _ellipsize(data.title, 110), size=14, weight="600", cls="chart-title")
    legend_bottom = _draw_legend(svg, _legend_items(data), left, right, 28)

    # --- vertical layout
    top = legend_bottom + 8
    bottom_reserved = 34.0
    gap = 10.0
    marker_height = MARKER_ROWS * MARKER_ROW_HEIGHT + 12
    available = height - top - bottom_reserved - marker_height - 3 * gap
    vitals_h = available * 0.50
    spo2_h = available * 0.17
    rate_h = available - vitals_h - spo2_h
    vit = _Panel(top, top + vitals_h)
    sp = _Panel(vit.bottom + gap, vit.bottom + gap + spo2_h)
    rp = _Panel(sp.bottom + gap, sp.bottom + gap + rate_h)
    mp = _Panel(rp.bottom + gap, rp.bottom + gap + marker_height)
    panels = (vit, sp, rp, mp)

    # --- shading: infusion period, recovery period
    shade = _el(svg, "g", {"class": "chart-periods"})
    infusion_end = data.infusion_end_minute
    if infusion_end is None:
        if data.now_minute is not None:
            infusion_end = data.now_minute
        elif data.rate_segments:
            infusion_end = max(s.end_min for s in data.rate_segments)
    if infusion_end is not None and infusion_end > 0:
        x0, x1 = xs(0), xs(min(infusion_end, x_max))
        _el(
            shade,
            "rect",
            {
                "x": _num(x0),
                "y": _num(vit.top),
                "width": _num(max(x1 - x0, 0)),
                "height": _num(rp.bottom - vit.top),
                "fill": INFUSION_SHADE,
                "class": "period-infusion",
            },
        )
        if x1 - x0 > 50:
            _text(shade, x0 + 4, vit.top + 11, "Infusion", size=SMALL_FONT_SIZE, fill=MUTED)
    if data.infusion_end_minute is not None and data.infusion_end_minute < x_max:
        x0 = xs(data.infusion_end_minute)
        if data.now_minute is None:
            x1 = right
        else:
            x1 = xs(max(min(data.now_minute, x_max), data.infusion_end_minute))
        _el(
            shade,
            "rect",
            {
                "x": _num(x0),
                "y": _num(vit.top),
                "width": _num(max(x1 - x0, 0)),
                "height": _num(rp.bottom - vit.top),
                "fill": RECOVERY_SHADE,
                "class": "period-recovery",
            },
        )
        if x1 - x0 > 50:
            _text(shade, x0 + 4, vit.top + 11, "Recovery", size=SMALL_FONT_SIZE, fill=MUTED)

    # --- x grid and axis
    grid = _el(svg, "g", {"class": "chart-grid"})
    tick_step = 10
    first_tick = math.ceil(x_min / tick_step) * tick_step
    tick_values = list(range(int(first_tick), int(x_max) + 1, tick_step))
    label_every = 1
    while (xs(tick_step * label_every) - xs(0)) < 26:
        label_every += 1
    axis_y = mp.bottom
    for t in tick_values:
        x = xs(t)
        for panel in panels[:3]:
            _line(
                grid,
                x,
                panel.top,
                x,
                panel.bottom,
                "#9AA5AD" if t == 0 else GRID,
                1.2 if t == 0 else 1,
            )
        _line(grid, x, axis_y, x, axis_y + 4, MUTED)
        if (t // tick_step) % label_every == 0:
            _text(
                grid,
                x,
                axis_y + 15,
                _tick_label(t),
                size=SMALL_FONT_SIZE,
                anchor="middle",
                fill=MUTED,
            )
    _line(grid, left, axis_y, right, axis_y, MUTED)
    _text(
        grid,
        right,
        axis_y + 29,
        "minutes since infusion start (negative = baseline)",
        size=SMALL_FONT_SIZE,
        anchor="end",
        fill=MUTED,
    )
    for panel in panels[:3]:
        _el(
            grid,
            "rect",
            {
                "x": _num(left),
                "y": _num(panel.top),
                "width": _num(right - left),
                "height": _num(panel.bottom - panel.top),
                "fill": "none",
                "stroke": "#C5CDD3",
                "stroke-width": "1",
            },
        )

    _draw_vitals(svg, data, xs, vit, sp, left, right)
    _draw_rate_and_concentration(svg, data, xs, rp, left, right)

    # --- now line, over the data; marker labels (with a halo) sit over it
    if data.now_minute is not None:
        x = xs(data.now_minute)
        now = _el(svg, "g", {"class": "now-line"})
        _line(now, x, vit.top, x, mp.bottom, INK, 1.5, dash="5 3")
        label = f"now {_fmt_minute(data.now_minute)} min"
        near_right = x + 6 + _text_width(label, SMALL_FONT_SIZE) > right
        _text(
            now,
            x - 4 if near_right else x + 4,
            vit.top + 24,
            label,
            size=SMALL_FONT_SIZE,
            anchor="end" if near_right else "start",
            weight="600",
            halo=True,
        )

    _draw_markers(svg, data, xs, mp, left, right, width, panels[:3])

    return ET.tostring(svg, encoding="unicode")


def _y_axis(
    parent: ET.Element,
    ticks: Sequence[float],
    ys: _Scale,
    x: float,
    *,
    side: str,
    colour: str = MUTED,
) -> None:
    for t in ticks:
        y = ys(t)
        if side == "left":
            _line(parent, x - 4, y, x, y, colour)
            _text(
                parent,
                x - 6,
                y + 3.5,
                _tick_label(t),
                size=SMALL_FONT_SIZE,
                anchor="end",
                fill=colour,
            )
        else:
            _line(parent, x, y, x + 4, y, colour)
            _text(parent, x + 6, y + 3.5, _tick_label(t), size=SMALL_FONT_SIZE, fill=colour)


def _axis_title(
    parent: ET.Element, x: float, y_mid: float, label: str, colour: str = MUTED
) -> None:
    _text(
        parent,
        x,
        y_mid,
        label,
        size=SMALL_FONT_SIZE,
        anchor="middle",
        fill=colour,
        transform=f"rotate(-90 {_num(x)} {_num(y_mid)})",
    )


def _draw_vitals(
    svg: ET.Element,
    data: SessionChartData,
    xs: _Scale,
    vit: _Panel,
    sp: _Panel,
    left: float,
    right: float,
) -> None:
    vitals = sorted(data.vitals, key=lambda v: v.minute)
    group = _el(svg, "g", {"class": "chart-vitals"})

    # BP and HR share one left axis (mmHg / bpm), at least 40–200.
    values = [
        float(v) for r in vitals for v in (r.systolic_mmhg, r.diastolic_mmhg, r.heart_rate_bpm)
    ]
    lo = min([40.0, *[v - 10 for v in values]])
    hi = max([200.0, *[v + 10 for v in values]])
    lo, hi, step = _range_with_steps(max(lo, 0.0), hi, (20, 40, 50, 100), 6)
    ys = _Scale(lo, hi, vit.bottom - 4, vit.top + 14)
    axis = _el(group, "g", {"class": "axis axis-bp"})
    ticks = _ticks(lo, hi, step)
    for t in ticks:
        _line(axis, left, ys(t), right, ys(t), GRID)
    _y_axis(axis, ticks, ys, left, side="left")
    _axis_title(axis, 16, (vit.top + vit.bottom) / 2, "BP mmHg · HR bpm")

    # SpO2 on its own thin panel, 80–100 % unless a reading is lower.
    sp_lo = 80.0
    if vitals:
        sp_lo = min(sp_lo, math.floor((min(v.spo2_percent for v in vitals) - 2) / 10) * 10)
    sps = _Scale(sp_lo, 100.0, sp.bottom - 4, sp.top + 5)
    sp_axis = _el(group, "g", {"class": "axis axis-spo2"})
    sp_ticks = _ticks(sp_lo, 100.0, 10.0)
    for t in sp_ticks:
        _line(sp_axis, left, sps(t), right, sps(t), GRID)
    _y_axis(sp_axis, sp_ticks, sps, left, side="left")
    _axis_title(sp_axis, 16, (sp.top + sp.bottom) / 2, "SpO2 %")

    if not vitals:
        _text(
            group,
            (left + right) / 2,
            (vit.top + vit.bottom) / 2,
            "No readings yet",
            size=15,
            anchor="middle",
            fill=MUTED,
            cls="chart-empty",
        )
        return

    # HR line (under the bars' dots), SpO2 line.
    hr_points = " ".join(f"{_num(xs(v.minute))},{_num(ys(v.heart_rate_bpm))}" for v in vitals)
    _el(
        group,
        "polyline",
        {
            "points": hr_points,
            "fill": "none",
            "stroke": HR_COLOUR,
            "stroke-width": "2",
            "class": "hr-line",
        },
    )
    sp_points = " ".join(f"{_num(xs(v.minute))},{_num(sps(v.spo2_percent))}" for v in vitals)
    _el(
        group,
        "polyline",
        {
            "points": sp_points,
            "fill": "none",
            "stroke": SPO2_COLOUR,
            "stroke-width": "1.6",
            "class": "spo2-line",
        },
    )

    for v in vitals:
        x = xs(v.minute)
        reading = _el(group, "g", {"class": "reading"})
        tooltip = _el(reading, "title")
        tooltip.text = _reading_title(v)
        y_sys, y_dia = ys(v.systolic_mmhg), ys(v.diastolic_mmhg)
        bar = _el(reading, "g", {"class": "bp-bar"})
        _line(bar, x, y_sys, x, y_dia, BP_COLOUR, 2)
        # carets: systolic ∨ (pointing down at its value), diastolic ∧ (pointing up at its value)
        _el(
            bar,
            "path",
            {
                "d": f"M{_num(x - 4.5)},{_num(y_sys - 5)} L{_num(x)},{_num(y_sys)} "
                f"L{_num(x + 4.5)},{_num(y_sys - 5)} M{_num(x - 4.5)},{_num(y_dia + 5)} "
                f"L{_num(x)},{_num(y_dia)} L{_num(x + 4.5)},{_num(y_dia + 5)}",
                "fill": "none",
                "stroke": BP_COLOUR,
                "stroke-width": "1.8",
                "stroke-linejoin": "round",
            },
        )
        y_hr = ys(v.heart_rate_bpm)
        dot = _shape(reading, "circle", x, y_hr, 3.4, HR_COLOUR)
        dot.set("class", "hr-dot")
        sq = _shape(reading, "square", x, sps(v.spo2_percent), 2.8, SPO2_COLOUR)
        sq.set("class", "spo2-dot")

        if v.alarm_level >= AlarmLevel.WARNING:
            critical = v.alarm_level >= AlarmLevel.CRITICAL
            cls = "alarm-ring alarm-critical" if critical else "alarm-ring alarm-warning"
            colour = CRITICAL_COLOUR if critical else WARNING_COLOUR
            y_top = min(y_sys, y_hr) - 8
            y_bottom = max(y_dia, y_hr) + 8
            ring_attrs = {
                "cx": _num(x),
                "cy": _num((y_top + y_bottom) / 2),
                "rx": "10",
                "ry": _num((y_bottom - y_top) / 2),
                "fill": "none",
                "stroke": colour,
                "stroke-width": "2.6" if critical else "2",
                "class": cls,
            }
            if not critical:
                ring_attrs["stroke-dasharray"] = "4 2.5"
            _el(reading, "ellipse", ring_attrs)
            sp_ring = {
                "cx": _num(x),
                "cy": _num(sps(v.spo2_percent)),
                "r": "7",
                "fill": "none",
                "stroke": colour,
                "stroke-width": "2.2" if critical else "1.8",
                "class": cls,
            }
            if not critical:
                sp_ring["stroke-dasharray"] = "4 2.5"
            _el(reading, "circle", sp_ring)


def _draw_rate_and_concentration(
    svg: ET.Element, data: SessionChartData, xs: _Scale, rp: _Panel, left: float, right: float
) -> None:
    group = _el(svg, "g", {"class": "chart-infusion"})
    segments = sorted(data.rate_segments, key=lambda s: (s.start_min, s.end_min))
    max_rate = max([float(s.rate_ml_per_h) for s in segments], default=0.0)
    r_lo, r_hi, r_step = _nice_range(0.0, max(max_rate * 1.15, 10.0), 3)
    rs = _Scale(0.0, r_hi, rp.bottom, rp.top + 6)
    axis = _el(group, "g", {"class": "axis axis-rate"})
    r_ticks = _ticks(r_lo, r_hi, r_step)
    for t in r_ticks:
        _line(axis, left, rs(t), right, rs(t), GRID)
    _y_axis(axis, r_ticks, rs, left, side="left", colour=RATE_STROKE)
    _axis_title(axis, 16, (rp.top + rp.bottom) / 2, "Rate mL/h", RATE_STROKE)

    # Step area: one polygon per contiguous run of segments.
    runs: list[list[ChartRateSegment]] = []
    for seg in segments:
        if seg.end_min <= seg.start_min:
            continue
        if runs and abs(runs[-1][-1].end_min - seg.start_min) < 1e-9:
            runs[-1].append(seg)
        else:
            runs.append([seg])
    base = rs(0)
    for run in runs:
        points = [(xs(run[0].start_min), base)]
        for seg in run:
            y = rs(float(seg.rate_ml_per_h))
            points.append((xs(seg.start_min), y))
            points.append((xs(seg.end_min), y))
        points.append((xs(run[-1].end_min), base))
        _el(
            group,
            "polygon",
            {
                "points": " ".join(f"{_num(a)},{_num(b)}" for a, b in points),
                "fill": RATE_FILL,
                "fill-opacity": "0.7",
                "stroke": RATE_STROKE,
                "stroke-width": "1.5",
                "stroke-linejoin": "round",
                "class": "rate-step",
            },
        )
    # Rate values written on the steps where the rate changes and there is room.
    previous: Decimal | None = None
    for seg in segments:
        if seg.rate_ml_per_h != previous and seg.rate_ml_per_h > 0:
            label = f"{_tick_label(float(seg.rate_ml_per_h))} mL/h"
            x0, x1 = xs(seg.start_min), xs(seg.end_min)
            if x1 - x0 >= _text_width(label, SMALL_FONT_SIZE) + 6:
                y = rs(float(seg.rate_ml_per_h))
                _text(
                    group,
                    x0 + 3,
                    y + 12,
                    label,
                    size=SMALL_FONT_SIZE,
                    fill=RATE_STROKE,
                    weight="600",
                    halo=True,
                )
        previous = seg.rate_ml_per_h
    if not segments:
        _text(
            group,
            (left + right) / 2,
            (rp.top + rp.bottom) / 2 + 4,
            "No infusion rate recorded",
            size=SMALL_FONT_SIZE,
            anchor="middle",
            fill=MUTED,
            cls="chart-empty-rate",
        )

    conc = sorted(data.concentration)
    if not conc:
        if data.concentration_label:
            _text(
                group,
                right - 4,
                rp.top + 13,
                _ellipsize(data.concentration_label, 90),
                size=SMALL_FONT_SIZE,
                anchor="end",
                fill=MUTED,
                cls="concentration-note",
            )
        return
    c_max = max(c for _, c in conc)
    c_lo, c_hi, c_step = _nice_range(0.0, max(c_max * 1.1, 1.0), 3)
    cs = _Scale(0.0, c_hi, rp.bottom, rp.top + 6)
    c_axis = _el(group, "g", {"class": "axis axis-concentration"})
    _y_axis(c_axis, _ticks(c_lo, c_hi, c_step), cs, right, side="right", colour=CONC_COLOUR)
    _axis_title(c_axis, right + 48, (rp.top + rp.bottom) / 2, "ng/mL", CONC_COLOUR)
    path = _monotone_path([(xs(m), cs(c)) for m, c in conc])
    line = _el(
        group,
        "path",
        {
            "d": path,
            "fill": "none",
            "stroke": CONC_COLOUR,
            "stroke-width": "2.2",
            "stroke-linejoin": "round",
            "class": "concentration-line",
        },
    )
    tooltip = _el(line, "title")
    tooltip.text = data.concentration_label


@dataclass
class _PlacedLabel:
    x: float
    full: str
    text: str
    anchor: str
    start: float
    end: float
    node: ET.Element | None = None


def _draw_markers(
    svg: ET.Element,
    data: SessionChartData,
    xs: _Scale,
    mp: _Panel,
    left: float,
    right: float,
    width: int,
    data_panels: Sequence[_Panel],
) -> None:
    group = _el(svg, "g", {"class": "chart-markers"})
    _text(group, left - 6, mp.top + 17, "Events", size=SMALL_FONT_SIZE, anchor="end", fill=MUTED)
    guides = _el(group, "g", {"class": "marker-guides"})
    ticks = _el(group, "g", {"class": "marker-ticks"})
    label_group = _el(group, "g", {"class": "marker-labels"})
    placed_labels: list[_PlacedLabel] = []
    rows: list[list[_PlacedLabel]] = [[] for _ in range(MARKER_ROWS)]
    size = SMALL_FONT_SIZE
    limit_right = width - 4.0
    # Markers of one kind at one minute share a tick: "Resumed · Rate 120 mL/h".
    grouped: dict[tuple[float, str], list[str]] = {}
    for marker in sorted(data.markers, key=lambda m: (m.minute, m.kind)):
        grouped.setdefault((marker.minute, marker.kind), []).append(marker.label)
    guided: set[str] = set()
    for (minute, kind), labels in grouped.items():
        full = " · ".join(labels)
        colour, shape = MARKER_STYLES.get(kind, DEFAULT_MARKER_STYLE)
        x = xs(minute)
        text = _ellipsize(full, MARKER_LABEL_MAX_CHARS + 6 * (len(labels) - 1))
        w = _text_width(text, size)
        if x + 8 + w <= limit_right:
            anchor, start, end = "start", x - 6, x + 8 + w
        else:
            anchor, start, end = "end", x - 14 - w, x + 6
        row_index = next((i for i, r in enumerate(rows) if not r or r[-1].end + 4 <= start), None)
        placed = _PlacedLabel(x, full, text, anchor, start, end)
        if row_index is None:
            # No free row: take the row whose last label ends earliest and shorten that label,
            # if enough of it stays readable; otherwise this marker keeps only its symbol (its
            # full label stays in the tooltip).
            row_index = min(range(MARKER_ROWS), key=lambda i: rows[i][-1].end)
            prev = rows[row_index][-1]
            shortened = _fit(prev.full, start - 4 - (prev.x + 8), size)
            own = _fit(full, x - 14 - (prev.end + 4), size) if anchor == "end" else ""
            if len(own) >= 4:  # a right-edge label, drawn leftwards: shorten it instead
                placed.text = own
                placed.start = x - 14 - _text_width(own, size)
                rows[row_index].append(placed)
            elif prev.anchor == "start" and len(shortened) >= 4:
                prev.text = shortened
                prev.end = prev.x + 8 + _text_width(shortened, size)
                rows[row_index].append(placed)
            else:
                placed.text = ""
        else:
            rows[row_index].append(placed)
        y = mp.top + 14 + row_index * MARKER_ROW_HEIGHT

        if _num(x) not in guided:
            guided.add(_num(x))
            for panel in data_panels:
                _line(guides, x, panel.top, x, panel.bottom, colour, 1, dash="2 3", opacity=0.55)
        kind_class = kind if kind in MARKER_STYLES else "other"
        entry = _el(ticks, "g", {"class": f"marker marker-{kind_class}"})
        tooltip = _el(entry, "title")
        tooltip.text = f"{_fmt_minute(minute)} min: {full}"
        if not placed.text:  # crowded out: a small symbol on the strip's top edge only
            _shape(entry, shape, x, mp.top + 3, 3, colour)
            continue
        _line(entry, x, mp.top, x, y, colour, 1.2)
        _shape(entry, shape, x, y, 4, colour)
        label_x = x + 8 if anchor == "start" else x - 8
        placed_labels.append(placed)
        placed.node = _text(
            label_group,
            label_x,
            y + 3.5,
            placed.text,
            size=size,
            anchor=anchor,
            fill=INK,
            cls="marker-label",
            halo=True,
        )
    # Apply any shortening done after a label was first written; drop labels left empty.
    for placed in placed_labels:
        if placed.node is None:
            continue
        if placed.text:
            placed.node.text = placed.text
        else:
            label_group.remove(placed.node)
