"""What the panels sit in: the shaded infusion and recovery periods, the shared x grid and axis in
minutes, and the dashed "now" line while the session is live."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ketaclinic.charting.chart.data import SessionChartData
from ketaclinic.charting.chart.layout import Panel, label, minute_text, text_width, tick_label
from ketaclinic.charting.chart.style import (
    GRID,
    INFUSION_SHADE,
    INK,
    MUTED,
    RECOVERY_SHADE,
    SMALL_FONT_SIZE,
)
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale


def draw_periods(
    parent: ET.Element,
    data: SessionChartData,
    xs: LinearScale,
    x_max: float,
    right: float,
    vit: Panel,
    rp: Panel,
) -> None:
    """The infusion period shaded blue, the recovery after it sand, behind the data panels."""
    shade = svg.group(parent, cls="chart-periods")
    infusion_end = data.infusion_end_minute
    if infusion_end is None:
        if data.now_minute is not None:
            infusion_end = data.now_minute
        elif data.rate_segments:
            infusion_end = max(s.end_min for s in data.rate_segments)
    if infusion_end is not None and infusion_end > 0:
        x0, x1 = xs(0), xs(min(infusion_end, x_max))
        svg.rect(
            shade,
            x0,
            vit.top,
            max(x1 - x0, 0),
            rp.bottom - vit.top,
            fill=INFUSION_SHADE,
            cls="period-infusion",
        )
        if x1 - x0 > 50:
            label(shade, x0 + 4, vit.top + 11, "Infusion", size=SMALL_FONT_SIZE, fill=MUTED)
    if data.infusion_end_minute is not None and data.infusion_end_minute < x_max:
        x0 = xs(data.infusion_end_minute)
        if data.now_minute is None:
            x1 = right
        else:
            x1 = xs(max(min(data.now_minute, x_max), data.infusion_end_minute))
        svg.rect(
            shade,
            x0,
            vit.top,
            max(x1 - x0, 0),
            rp.bottom - vit.top,
            fill=RECOVERY_SHADE,
            cls="period-recovery",
        )
        if x1 - x0 > 50:
            label(shade, x0 + 4, vit.top + 11, "Recovery", size=SMALL_FONT_SIZE, fill=MUTED)


def draw_x_grid(
    parent: ET.Element,
    xs: LinearScale,
    x_min: float,
    x_max: float,
    left: float,
    right: float,
    panels: Sequence[Panel],
) -> None:
    """A grid line every 10 minutes through the data panels (minute 0 darker), the x axis under
    the events strip with as many labels as fit, and a frame around each data panel."""
    data_panels, events = panels[:3], panels[3]
    grid = svg.group(parent, cls="chart-grid")
    tick_step = 10
    first_tick = math.ceil(x_min / tick_step) * tick_step
    tick_values = list(range(int(first_tick), int(x_max) + 1, tick_step))
    label_every = 1
    while (xs(tick_step * label_every) - xs(0)) < 26:
        label_every += 1
    axis_y = events.bottom
    for t in tick_values:
        x = xs(t)
        for panel in data_panels:
            svg.line(
                grid,
                x,
                panel.top,
                x,
                panel.bottom,
                stroke="#9AA5AD" if t == 0 else GRID,
                stroke_width=1.2 if t == 0 else 1,
            )
        svg.line(grid, x, axis_y, x, axis_y + 4, stroke=MUTED, stroke_width=1)
        if (t // tick_step) % label_every == 0:
            label(
                grid,
                x,
                axis_y + 15,
                tick_label(t),
                size=SMALL_FONT_SIZE,
                anchor="middle",
                fill=MUTED,
            )
    svg.line(grid, left, axis_y, right, axis_y, stroke=MUTED, stroke_width=1)
    label(
        grid,
        right,
        axis_y + 29,
        "minutes since infusion start (negative = baseline)",
        size=SMALL_FONT_SIZE,
        anchor="end",
        fill=MUTED,
    )
    for panel in data_panels:
        svg.rect(
            grid,
            left,
            panel.top,
            right - left,
            panel.bottom - panel.top,
            fill="none",
            stroke="#C5CDD3",
            stroke_width="1",
        )


def draw_now_line(
    parent: ET.Element, now_minute: float, xs: LinearScale, right: float, top: float, bottom: float
) -> None:
    """Over the data; the marker labels (with a halo) are drawn over it."""
    x = xs(now_minute)
    now = svg.group(parent, cls="now-line")
    svg.line(now, x, top, x, bottom, stroke=INK, stroke_width=1.5, stroke_dasharray="5 3")
    text = f"now {minute_text(now_minute)} min"
    near_right = x + 6 + text_width(text, SMALL_FONT_SIZE) > right
    label(
        now,
        x - 4 if near_right else x + 4,
        top + 24,
        text,
        size=SMALL_FONT_SIZE,
        anchor="end" if near_right else "start",
        weight="600",
        halo=True,
    )
