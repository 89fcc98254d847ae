"""The events strip: pump changes, PRNs, side effects, devices and alarms as labelled ticks,
staggered in rows so labels do not overlap, each with a dotted guide up through the panels."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from ketaclinic.charting.chart.data import SessionChartData
from ketaclinic.charting.chart.layout import Panel, fit, label, minute_text, symbol, text_width
from ketaclinic.charting.chart.style import (
    DEFAULT_MARKER_STYLE,
    INK,
    MARKER_LABEL_MAX_CHARS,
    MARKER_ROW_HEIGHT,
    MARKER_ROWS,
    MARKER_STYLES,
    MUTED,
    SMALL_FONT_SIZE,
)
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale, number


@dataclass
class _PlacedLabel:
    x: float
    full: str
    text: str
    anchor: str
    start: float
    end: float
    node: ET.Element | None = None


def draw_markers(
    parent: ET.Element,
    data: SessionChartData,
    xs: LinearScale,
    mp: Panel,
    left: float,
    right: float,
    width: int,
    data_panels: Sequence[Panel],
) -> None:
    group = svg.group(parent, cls="chart-markers")
    label(group, left - 6, mp.top + 17, "Events", size=SMALL_FONT_SIZE, anchor="end", fill=MUTED)
    guides = svg.group(group, cls="marker-guides")
    ticks = svg.group(group, cls="marker-ticks")
    label_group = svg.group(group, cls="marker-labels")
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
        text = svg.ellipsize(full, MARKER_LABEL_MAX_CHARS + 6 * (len(labels) - 1))
        w = text_width(text, size)
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
            shortened = fit(prev.full, start - 4 - (prev.x + 8), size)
            own = fit(full, x - 14 - (prev.end + 4), size) if anchor == "end" else ""
            if len(own) >= 4:  # a right-edge label, drawn leftwards: shorten it instead
                placed.text = own
                placed.start = x - 14 - text_width(own, size)
                rows[row_index].append(placed)
            elif prev.anchor == "start" and len(shortened) >= 4:
                prev.text = shortened
                prev.end = prev.x + 8 + text_width(shortened, size)
                rows[row_index].append(placed)
            else:
                placed.text = ""
        else:
            rows[row_index].append(placed)
        y = mp.top + 14 + row_index * MARKER_ROW_HEIGHT

        if number(x) not in guided:
            guided.add(number(x))
            for panel in data_panels:
                svg.line(
                    guides,
                    x,
                    panel.top,
                    x,
                    panel.bottom,
                    stroke=colour,
                    stroke_width=1,
                    stroke_dasharray="2 3",
                    stroke_opacity=0.55,
                )
        kind_class = kind if kind in MARKER_STYLES else "other"
        entry = svg.group(ticks, cls=f"marker marker-{kind_class}")
        svg.tooltip(entry, f"{minute_text(minute)} min: {full}")
        if not placed.text:  # crowded out: a small symbol on the strip's top edge only
            symbol(entry, shape, x, mp.top + 3, 3, colour)
            continue
        svg.line(entry, x, mp.top, x, y, stroke=colour, stroke_width=1.2)
        symbol(entry, shape, x, y, 4, colour)
        label_x = x + 8 if anchor == "start" else x - 8
        placed_labels.append(placed)
        placed.node = label(
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
