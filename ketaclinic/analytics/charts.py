"""Server-side SVG bar charts for the dashboard: dataclasses in, an SVG string out.

Same rules as `charting/chart/`: drawn with `core.svg` (every text escaped), presentation
attributes and classes only (the Content-Security-Policy forbids `style=`), and a title and
description for screen readers. Each bar is labelled with its value and its counts, so a rate
from two patients never looks as solid as one from two hundred.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ketaclinic.core import svg

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
    return svg.ellipsize(text, int(width // CHAR_WIDTH))


def bar_chart_svg(*, title: str, bars: tuple[Bar, ...], maximum: float, width: int = 640) -> str:
    """Horizontal bars from 0 to `maximum` (e.g. 100 for percentages)."""
    chart_id = (
        "bc-" + hashlib.sha1(repr((title, bars)).encode(), usedforsecurity=False).hexdigest()[:10]
    )
    height = max(len(bars), 1) * ROW_HEIGHT + 8
    root = svg.svg_root(
        width=width,
        height=height,
        display_width="100%",
        title=title,
        title_id=f"{chart_id}-title",
        desc="; ".join(f"{bar.label}: {bar.caption}" for bar in bars) or "No data.",
        desc_id=f"{chart_id}-desc",
        cls="dashboard-chart",
        element_id=chart_id,
        font_family=FONT,
        font_size="12",
    )
    track = width - LABEL_WIDTH - VALUE_WIDTH
    if not bars:
        svg.text(root, "0", "18", "No data.", fill=MUTED)
    for index, bar in enumerate(bars):
        y = index * ROW_HEIGHT + 4
        middle = str(y + ROW_HEIGHT / 2 + 1)
        svg.text(
            root,
            "0",
            middle,
            _fit(bar.label, LABEL_WIDTH - 8),
            fill=INK,
            dominant_baseline="middle",
        )
        svg.rect(root, LABEL_WIDTH, y + 4, track, ROW_HEIGHT - 8, fill=EMPTY_COLOUR)
        if bar.value is not None and maximum > 0:
            filled = max(0.0, min(bar.value / maximum, 1.0)) * track
            svg.rect(root, LABEL_WIDTH, y + 4, f"{filled:.1f}", ROW_HEIGHT - 8, fill=BAR_COLOUR)
        svg.text(
            root,
            LABEL_WIDTH + track + 8,
            middle,
            bar.caption,
            fill=INK if bar.value is not None else MUTED,
            dominant_baseline="middle",
        )
    return svg.to_string(root)
