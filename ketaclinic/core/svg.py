"""The SVG toolkit every server-side chart draws with: scales, tick values and elements.

Pure presentation: numbers and text in, ElementTree elements and SVG text out; no models, no app.
ElementTree escapes every text and attribute value, so a patient's or a drug's name can never
break out of the document. The Content-Security-Policy forbids inline styles, so elements carry
SVG presentation attributes and `class` only (never `style=`).

Attributes are keyword arguments written in the order they appear in the output: `stroke_width`
becomes `stroke-width`, `cls` becomes `class`, and an attribute given as None is left out. A
number is written with `number()` (at most two decimals); a string is written as given, so a chart
with its own number format passes text.
"""

from __future__ import annotations

import datetime
import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "AttributeValue",
    "Coordinate",
    "LinearScale",
    "TimeScale",
    "circle",
    "date_ticks",
    "element",
    "ellipse",
    "ellipsize",
    "group",
    "line",
    "monotone_path_data",
    "nice_range",
    "nice_step",
    "number",
    "path",
    "points_text",
    "polygon",
    "polyline",
    "range_with_steps",
    "rect",
    "svg_root",
    "text",
    "ticks",
    "to_string",
    "tooltip",
    "whole_ticks",
]

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

AttributeValue = str | float | None
Coordinate = str | float  # a number is written with `number()`, a text as it is
Point = tuple[float, float]


# --- numbers -------------------------------------------------------------------------------


def number(value: float, *, decimals: int = 2) -> str:
    """A coordinate as short, stable text: at most `decimals` decimals, no trailing zeros, no -0."""
    written = f"{value:.{decimals}f}"
    if "." in written:
        written = written.rstrip("0").rstrip(".")
    return "0" if written in ("-0", "") else written


def points_text(points: Sequence[Point], *, decimals: int = 2) -> str:
    """The `points` attribute of a polyline or polygon: "x,y x,y …"."""
    return " ".join(
        f"{number(x, decimals=decimals)},{number(y, decimals=decimals)}" for x, y in points
    )


def ellipsize(content: str, max_chars: int) -> str:
    """`content` cut to `max_chars` characters, the last an ellipsis, when it is longer."""
    if len(content) <= max_chars:
        return content
    if max_chars <= 1:
        return "…"
    return content[: max_chars - 1].rstrip() + "…"


# --- scales --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LinearScale:
    """A linear map from data values (d0…d1) to pixels (p0…p1); a zero-width domain maps to p0."""

    d0: float
    d1: float
    p0: float
    p1: float

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return self.p0
        return self.p0 + (value - self.d0) * (self.p1 - self.p0) / (self.d1 - self.d0)


_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class TimeScale:
    """A linear map from dates (or datetimes) to pixels, counted in days from `start`.

    A zero-length span maps every value to p0."""

    start: datetime.date
    end: datetime.date
    p0: float
    p1: float

    def __call__(self, value: datetime.date) -> float:
        span_days = (self.end - self.start) / _ONE_DAY
        if span_days == 0:
            return self.p0
        return self.p0 + (value - self.start) / _ONE_DAY * (self.p1 - self.p0) / span_days


# --- tick values ---------------------------------------------------------------------------


def nice_step(span: float, target_ticks: int) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) giving about `target_ticks` steps."""
    raw = span / max(target_ticks, 1)
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def nice_range(lo: float, hi: float, target_ticks: int = 5) -> tuple[float, float, float]:
    """(lo, hi, step) widened outward to round tick values; an empty range becomes lo…lo + 1."""
    if hi <= lo:
        hi = lo + 1
    step = nice_step(hi - lo, target_ticks)
    return math.floor(lo / step) * step, math.ceil(hi / step) * step, step


def range_with_steps(
    lo: float, hi: float, steps: Sequence[float], max_ticks: int
) -> tuple[float, float, float]:
    """(lo, hi, step) with the smallest step from `steps` giving at most `max_ticks` ticks."""
    for step in steps:
        nice_lo, nice_hi = math.floor(lo / step) * step, math.ceil(hi / step) * step
        if round((nice_hi - nice_lo) / step) + 1 <= max_ticks:
            return nice_lo, nice_hi, step
    return nice_range(lo, hi, max_ticks - 1)


def ticks(lo: float, hi: float, step: float) -> list[float]:
    """The tick values lo, lo + step, … hi (lo and hi from `nice_range` or `range_with_steps`)."""
    count = round((hi - lo) / step)
    return [lo + i * step for i in range(count + 1)]


def whole_ticks(lo: int, hi: int, *, steps: Sequence[int], max_intervals: int) -> list[int]:
    """Whole-number ticks inside lo…hi, multiples of the first of `steps` that cuts the range
    into at most `max_intervals` intervals (the last step if none does)."""
    span = hi - lo
    step = next((s for s in steps if span / s <= max_intervals), steps[-1])
    first = lo + (-lo % step)
    return list(range(first, hi + 1, step))


def date_ticks(
    start: datetime.date,
    end: datetime.date,
    *,
    steps_days: Sequence[int],
    max_intervals: int,
    fallback_days: int,
) -> list[datetime.date]:
    """Dates from `start` to `end`, every N days: the first N from `steps_days` that cuts the span
    into at most `max_intervals` intervals, else `fallback_days`."""
    days = (end - start).days
    step = next((s for s in steps_days if days / s <= max_intervals), fallback_days)
    return [start + datetime.timedelta(days=d) for d in range(0, days + 1, step)]


# --- elements ------------------------------------------------------------------------------


def _attribute_name(name: str) -> str:
    return "class" if name == "cls" else name.replace("_", "-")


def _attributes(attrs: dict[str, AttributeValue]) -> dict[str, str]:
    return {
        _attribute_name(name): value if isinstance(value, str) else number(value)
        for name, value in attrs.items()
        if value is not None
    }


def element(parent: ET.Element, tag: str, **attrs: AttributeValue) -> ET.Element:
    """Any SVG element, its attributes in the order given."""
    return ET.SubElement(parent, tag, _attributes(attrs))


def group(parent: ET.Element, **attrs: AttributeValue) -> ET.Element:
    return element(parent, "g", **attrs)


def line(
    parent: ET.Element,
    x1: Coordinate,
    y1: Coordinate,
    x2: Coordinate,
    y2: Coordinate,
    **attrs: AttributeValue,
) -> ET.Element:
    return element(parent, "line", x1=x1, y1=y1, x2=x2, y2=y2, **attrs)


def rect(
    parent: ET.Element,
    x: Coordinate,
    y: Coordinate,
    width: Coordinate,
    height: Coordinate,
    **attrs: AttributeValue,
) -> ET.Element:
    return element(parent, "rect", x=x, y=y, width=width, height=height, **attrs)


def circle(
    parent: ET.Element, cx: Coordinate, cy: Coordinate, r: Coordinate, **attrs: AttributeValue
) -> ET.Element:
    return element(parent, "circle", cx=cx, cy=cy, r=r, **attrs)


def ellipse(
    parent: ET.Element,
    cx: Coordinate,
    cy: Coordinate,
    rx: Coordinate,
    ry: Coordinate,
    **attrs: AttributeValue,
) -> ET.Element:
    return element(parent, "ellipse", cx=cx, cy=cy, rx=rx, ry=ry, **attrs)


def polyline(
    parent: ET.Element, points: Sequence[Point] | str, **attrs: AttributeValue
) -> ET.Element:
    """A polyline through `points` (pixels), or through a `points_text` already written."""
    text_points = points if isinstance(points, str) else points_text(points)
    return element(parent, "polyline", points=text_points, **attrs)


def polygon(
    parent: ET.Element, points: Sequence[Point] | str, **attrs: AttributeValue
) -> ET.Element:
    text_points = points if isinstance(points, str) else points_text(points)
    return element(parent, "polygon", points=text_points, **attrs)


def path(parent: ET.Element, d: str, **attrs: AttributeValue) -> ET.Element:
    return element(parent, "path", d=d, **attrs)


def text(
    parent: ET.Element, x: Coordinate, y: Coordinate, content: str, **attrs: AttributeValue
) -> ET.Element:
    """A text element; `content` is escaped when written."""
    node = element(parent, "text", x=x, y=y, **attrs)
    node.text = content
    return node


def tooltip(parent: ET.Element, content: str) -> ET.Element:
    """A `<title>` child: the tooltip a pointer shows and the name a screen reader reads."""
    node = ET.SubElement(parent, "title")
    node.text = content
    return node


def monotone_path_data(points: Sequence[Point]) -> str:
    """Path data through pixel points: monotone cubic (Fritsch–Carlson), so no overshoot."""
    if not points:
        return ""
    if len(points) == 1:
        x, y = points[0]
        return f"M{number(x)},{number(y)}"
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
    parts = [f"M{number(xs[0])},{number(ys[0])}"]
    for i in range(n - 1):
        third = h[i] / 3
        c1 = (xs[i] + third, ys[i] + m[i] * third)
        c2 = (xs[i + 1] - third, ys[i + 1] - m[i + 1] * third)
        parts.append(
            f"C{number(c1[0])},{number(c1[1])} {number(c2[0])},{number(c2[1])} "
            f"{number(xs[i + 1])},{number(ys[i + 1])}"
        )
    return " ".join(parts)


# --- the document --------------------------------------------------------------------------


def svg_root(
    *,
    width: float,
    height: float,
    title: str,
    cls: str,
    font_family: str,
    desc: str | None = None,
    title_id: str | None = None,
    desc_id: str | None = None,
    element_id: str | None = None,
    display_width: str | None = None,
    display_height: str | None = None,
    preserve_aspect_ratio: str | None = None,
    font_size: str | None = None,
) -> ET.Element:
    """The `<svg>` element of a chart, with its `<title>` (and `<desc>`) first inside it.

    `role="img"` makes a screen reader announce the chart as one picture, named by its title and
    described by its desc; with ids given, `aria-labelledby` points at both explicitly (some
    readers ignore a bare `<title>`). `display_width`/`display_height` are the `width`/`height`
    attributes ("100%" lets the viewBox scale the chart to its container)."""
    labelled_by = " ".join(i for i in (title_id, desc_id) if i) or None
    root = ET.Element(
        "svg",
        _attributes(
            {
                "xmlns": SVG_NAMESPACE,
                "viewBox": f"0 0 {number(width)} {number(height)}",
                "width": display_width,
                "height": display_height,
                "preserveAspectRatio": preserve_aspect_ratio,
                "role": "img",
                "aria-labelledby": labelled_by,
                "class": cls,
                "id": element_id,
                "font-family": font_family,
                "font-size": font_size,
            }
        ),
    )
    title_node = element(root, "title", id=title_id)
    title_node.text = title
    if desc is not None:
        desc_node = element(root, "desc", id=desc_id)
        desc_node.text = desc
    return root


def to_string(root: ET.Element) -> str:
    """The SVG document as text, to put straight into a page."""
    return ET.tostring(root, encoding="unicode")
