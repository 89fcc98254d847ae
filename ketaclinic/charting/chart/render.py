"""The session chart put together: the document, its accessible title and description, the x
domain, the vertical layout of the panels, then each panel drawn in order back to front."""

from __future__ import annotations

import hashlib
import math

from ketaclinic.charting.chart.data import SessionChartData
from ketaclinic.charting.chart.events import draw_markers
from ketaclinic.charting.chart.frame import draw_now_line, draw_periods, draw_x_grid
from ketaclinic.charting.chart.infusion import draw_rate_and_concentration
from ketaclinic.charting.chart.layout import Panel, label
from ketaclinic.charting.chart.legend import draw_legend, legend_items
from ketaclinic.charting.chart.style import FONT, MARKER_ROW_HEIGHT, MARKER_ROWS
from ketaclinic.charting.chart.summary import chart_summary
from ketaclinic.charting.chart.vitals import draw_vitals
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale


def session_chart_svg(data: SessionChartData, *, width: int = 960, height: int = 520) -> str:
    """The session chart as an SVG document (a string), deterministic for a given input."""
    chart_id = "sc-" + hashlib.sha1(repr(data).encode(), usedforsecurity=False).hexdigest()[:10]
    root = svg.svg_root(
        width=width,
        height=height,
        display_width=str(width),
        display_height=str(height),
        preserve_aspect_ratio="xMidYMid meet",
        title=data.title,
        title_id=f"{chart_id}-title",
        desc=chart_summary(data),
        desc_id=f"{chart_id}-desc",
        cls="session-chart",
        element_id=chart_id,
        font_family=FONT,
    )
    svg.rect(root, "0", "0", str(width), str(height), fill="#fff")

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
    xs = LinearScale(x_min, x_max, left + inset, right - inset)

    # --- title and legend
    label(root, left, 20, svg.ellipsize(data.title, 110), size=14, weight="600", cls="chart-title")
    legend_bottom = draw_legend(root, legend_items(data), left, right, 28)

    # --- vertical layout
    top = legend_bottom + 8
    bottom_reserved = 34.0
    gap = 10.0
    marker_height = MARKER_ROWS * MARKER_ROW_HEIGHT + 12
    available = height - top - bottom_reserved - marker_height - 3 * gap
    vitals_h = available * 0.50
    spo2_h = available * 0.17
    rate_h = available - vitals_h - spo2_h
    vit = Panel(top, top + vitals_h)
    sp = Panel(vit.bottom + gap, vit.bottom + gap + spo2_h)
    rp = Panel(sp.bottom + gap, sp.bottom + gap + rate_h)
    mp = Panel(rp.bottom + gap, rp.bottom + gap + marker_height)
    panels = (vit, sp, rp, mp)

    draw_periods(root, data, xs, x_max, right, vit, rp)
    draw_x_grid(root, xs, x_min, x_max, left, right, panels)
    draw_vitals(root, data, xs, vit, sp, left, right)
    draw_rate_and_concentration(root, data, xs, rp, left, right)
    if data.now_minute is not None:
        draw_now_line(root, data.now_minute, xs, right, vit.top, mp.bottom)
    draw_markers(root, data, xs, mp, left, right, width, panels[:3])

    return svg.to_string(root)
