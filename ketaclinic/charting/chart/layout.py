"""The session chart's drawing vocabulary: panels, label text, marker symbols and y axes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.charting.chart.style import CHAR_WIDTH, FONT_SIZE, INK, MUTED, SMALL_FONT_SIZE
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale


@dataclass(frozen=True)
class Panel:
    top: float
    bottom: float


def text_width(content: str, font_size: float) -> float:
    """A conservative estimate of rendered text width for a sans-serif font."""
    return len(content) * font_size * CHAR_WIDTH


def fit(content: str, max_px: float, font_size: float) -> str:
    """`content`, shortened with an ellipsis to fit `max_px`; "" if not even two letters fit."""
    chars = int(max_px // (font_size * CHAR_WIDTH))
    if chars >= len(content):
        return content
    if chars < 3:
        return ""
    return svg.ellipsize(content, chars)


def tick_label(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 1e-9 else f"{value:g}"


def minute_text(minute: float) -> str:
    return tick_label(minute) if abs(minute - round(minute)) < 1e-9 else f"{minute:.1f}"


def label(
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
    """A text in the chart's type; `halo` draws a white outline behind the glyphs, so lines
    crossing the text do not hide it."""
    return svg.text(
        parent,
        x,
        y,
        content,
        font_size=size,
        fill=fill,
        stroke="#fff" if halo else None,
        stroke_width="2.5" if halo else None,
        stroke_linejoin="round" if halo else None,
        paint_order="stroke" if halo else None,
        text_anchor=anchor if anchor != "start" else None,
        font_weight=weight or None,
        cls=cls or None,
        transform=transform or None,
    )


def symbol(
    parent: ET.Element, shape: str, x: float, y: float, r: float, fill: str, stroke: str = "#fff"
) -> ET.Element:
    """A marker symbol of about radius `r` centred on (x, y): every series differs in shape."""
    if shape == "circle":
        return svg.circle(parent, x, y, r, fill=fill, stroke=stroke, stroke_width="1")
    if shape == "square":
        side = r * 1.7
        return svg.rect(
            parent,
            x - side / 2,
            y - side / 2,
            side,
            side,
            fill=fill,
            stroke=stroke,
            stroke_width="1",
        )
    d = r * 1.3
    if shape == "diamond":
        points = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
    elif shape == "triangle-up":
        points = [(x, y - d), (x + d, y + d * 0.8), (x - d, y + d * 0.8)]
    else:  # triangle-down
        points = [(x - d, y - d * 0.8), (x + d, y - d * 0.8), (x, y + d)]
    return svg.polygon(parent, points, fill=fill, stroke=stroke, stroke_width="1")


def y_axis(
    parent: ET.Element,
    ticks: Sequence[float],
    ys: LinearScale,
    x: float,
    *,
    side: str,
    colour: str = MUTED,
) -> None:
    for t in ticks:
        y = ys(t)
        if side == "left":
            svg.line(parent, x - 4, y, x, y, stroke=colour, stroke_width=1)
            label(
                parent,
                x - 6,
                y + 3.5,
                tick_label(t),
                size=SMALL_FONT_SIZE,
                anchor="end",
                fill=colour,
            )
        else:
            svg.line(parent, x, y, x + 4, y, stroke=colour, stroke_width=1)
            label(parent, x + 6, y + 3.5, tick_label(t), size=SMALL_FONT_SIZE, fill=colour)


def axis_title(parent: ET.Element, x: float, y_mid: float, title: str, colour: str = MUTED) -> None:
    label(
        parent,
        x,
        y_mid,
        title,
        size=SMALL_FONT_SIZE,
        anchor="middle",
        fill=colour,
        transform=f"rotate(-90 {svg.number(x)} {svg.number(y_mid)})",
    )
