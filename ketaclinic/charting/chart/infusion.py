"""The infusion panel: the pump rate as a filled step area (mL/h, left axis) and the predicted
plasma concentration as a smooth line (ng/mL, right axis) named by its model."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

from ketaclinic.charting.chart.data import ChartRateSegment, SessionChartData
from ketaclinic.charting.chart.layout import (
    Panel,
    axis_title,
    label,
    text_width,
    tick_label,
    y_axis,
)
from ketaclinic.charting.chart.style import (
    CONC_COLOUR,
    GRID,
    MUTED,
    RATE_FILL,
    RATE_STROKE,
    SMALL_FONT_SIZE,
)
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale


def draw_rate_and_concentration(
    parent: ET.Element,
    data: SessionChartData,
    xs: LinearScale,
    rp: Panel,
    left: float,
    right: float,
) -> None:
    group = svg.group(parent, cls="chart-infusion")
    segments = sorted(data.rate_segments, key=lambda s: (s.start_min, s.end_min))
    max_rate = max([float(s.rate_ml_per_h) for s in segments], default=0.0)
    r_lo, r_hi, r_step = svg.nice_range(0.0, max(max_rate * 1.15, 10.0), 3)
    rs = LinearScale(0.0, r_hi, rp.bottom, rp.top + 6)
    axis = svg.group(group, cls="axis axis-rate")
    r_ticks = svg.ticks(r_lo, r_hi, r_step)
    for t in r_ticks:
        svg.line(axis, left, rs(t), right, rs(t), stroke=GRID, stroke_width=1)
    y_axis(axis, r_ticks, rs, left, side="left", colour=RATE_STROKE)
    axis_title(axis, 16, (rp.top + rp.bottom) / 2, "Rate mL/h", RATE_STROKE)

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
        svg.polygon(
            group,
            points,
            fill=RATE_FILL,
            fill_opacity="0.7",
            stroke=RATE_STROKE,
            stroke_width="1.5",
            stroke_linejoin="round",
            cls="rate-step",
        )
    # Rate values written on the steps where the rate changes and there is room.
    previous: Decimal | None = None
    for seg in segments:
        if seg.rate_ml_per_h != previous and seg.rate_ml_per_h > 0:
            rate_text = f"{tick_label(float(seg.rate_ml_per_h))} mL/h"
            x0, x1 = xs(seg.start_min), xs(seg.end_min)
            if x1 - x0 >= text_width(rate_text, SMALL_FONT_SIZE) + 6:
                y = rs(float(seg.rate_ml_per_h))
                label(
                    group,
                    x0 + 3,
                    y + 12,
                    rate_text,
                    size=SMALL_FONT_SIZE,
                    fill=RATE_STROKE,
                    weight="600",
                    halo=True,
                )
        previous = seg.rate_ml_per_h
    if not segments:
        label(
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
            label(
                group,
                right - 4,
                rp.top + 13,
                svg.ellipsize(data.concentration_label, 90),
                size=SMALL_FONT_SIZE,
                anchor="end",
                fill=MUTED,
                cls="concentration-note",
            )
        return
    c_max = max(c for _, c in conc)
    c_lo, c_hi, c_step = svg.nice_range(0.0, max(c_max * 1.1, 1.0), 3)
    cs = LinearScale(0.0, c_hi, rp.bottom, rp.top + 6)
    c_axis = svg.group(group, cls="axis axis-concentration")
    y_axis(c_axis, svg.ticks(c_lo, c_hi, c_step), cs, right, side="right", colour=CONC_COLOUR)
    axis_title(c_axis, right + 48, (rp.top + rp.bottom) / 2, "ng/mL", CONC_COLOUR)
    line = svg.path(
        group,
        svg.monotone_path_data([(xs(m), cs(c)) for m, c in conc]),
        fill="none",
        stroke=CONC_COLOUR,
        stroke_width="2.2",
        stroke_linejoin="round",
        cls="concentration-line",
    )
    svg.tooltip(line, data.concentration_label)
