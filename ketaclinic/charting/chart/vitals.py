"""The vitals panels: BP range bars with carets and the heart rate on one mmHg/bpm axis, SpO2 on
its own thin panel, and a ring around every reading that raised an alarm."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

from ketaclinic.charting.chart.data import SessionChartData
from ketaclinic.charting.chart.layout import Panel, axis_title, label, symbol, y_axis
from ketaclinic.charting.chart.style import (
    BP_COLOUR,
    CRITICAL_COLOUR,
    GRID,
    HR_COLOUR,
    MUTED,
    SPO2_COLOUR,
    WARNING_COLOUR,
)
from ketaclinic.charting.chart.summary import reading_title
from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale, number
from ketaclinic.medicine.vital_signs import AlarmLevel


def draw_vitals(
    parent: ET.Element,
    data: SessionChartData,
    xs: LinearScale,
    vit: Panel,
    sp: Panel,
    left: float,
    right: float,
) -> None:
    vitals = sorted(data.vitals, key=lambda v: v.minute)
    group = svg.group(parent, cls="chart-vitals")

    # BP and HR share one left axis (mmHg / bpm), at least 40–200.
    values = [
        float(v) for r in vitals for v in (r.systolic_mmhg, r.diastolic_mmhg, r.heart_rate_bpm)
    ]
    lo = min([40.0, *[v - 10 for v in values]])
    hi = max([200.0, *[v + 10 for v in values]])
    lo, hi, step = svg.range_with_steps(max(lo, 0.0), hi, (20, 40, 50, 100), 6)
    ys = LinearScale(lo, hi, vit.bottom - 4, vit.top + 14)
    axis = svg.group(group, cls="axis axis-bp")
    ticks = svg.ticks(lo, hi, step)
    for t in ticks:
        svg.line(axis, left, ys(t), right, ys(t), stroke=GRID, stroke_width=1)
    y_axis(axis, ticks, ys, left, side="left")
    axis_title(axis, 16, (vit.top + vit.bottom) / 2, "BP mmHg · HR bpm")

    # SpO2 on its own thin panel, 80–100 % unless a reading is lower.
    sp_lo = 80.0
    if vitals:
        sp_lo = min(sp_lo, math.floor((min(v.spo2_percent for v in vitals) - 2) / 10) * 10)
    sps = LinearScale(sp_lo, 100.0, sp.bottom - 4, sp.top + 5)
    sp_axis = svg.group(group, cls="axis axis-spo2")
    sp_ticks = svg.ticks(sp_lo, 100.0, 10.0)
    for t in sp_ticks:
        svg.line(sp_axis, left, sps(t), right, sps(t), stroke=GRID, stroke_width=1)
    y_axis(sp_axis, sp_ticks, sps, left, side="left")
    axis_title(sp_axis, 16, (sp.top + sp.bottom) / 2, "SpO2 %")

    if not vitals:
        label(
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
    svg.polyline(
        group,
        [(xs(v.minute), ys(v.heart_rate_bpm)) for v in vitals],
        fill="none",
        stroke=HR_COLOUR,
        stroke_width="2",
        cls="hr-line",
    )
    svg.polyline(
        group,
        [(xs(v.minute), sps(v.spo2_percent)) for v in vitals],
        fill="none",
        stroke=SPO2_COLOUR,
        stroke_width="1.6",
        cls="spo2-line",
    )

    for v in vitals:
        x = xs(v.minute)
        reading = svg.group(group, cls="reading")
        svg.tooltip(reading, reading_title(v))
        y_sys, y_dia = ys(v.systolic_mmhg), ys(v.diastolic_mmhg)
        bar = svg.group(reading, cls="bp-bar")
        svg.line(bar, x, y_sys, x, y_dia, stroke=BP_COLOUR, stroke_width=2)
        # carets: systolic ∨ (pointing down at its value), diastolic ∧ (pointing up at its value)
        svg.path(
            bar,
            f"M{number(x - 4.5)},{number(y_sys - 5)} L{number(x)},{number(y_sys)} "
            f"L{number(x + 4.5)},{number(y_sys - 5)} M{number(x - 4.5)},{number(y_dia + 5)} "
            f"L{number(x)},{number(y_dia)} L{number(x + 4.5)},{number(y_dia + 5)}",
            fill="none",
            stroke=BP_COLOUR,
            stroke_width="1.8",
            stroke_linejoin="round",
        )
        y_hr = ys(v.heart_rate_bpm)
        dot = symbol(reading, "circle", x, y_hr, 3.4, HR_COLOUR)
        dot.set("class", "hr-dot")
        sq = symbol(reading, "square", x, sps(v.spo2_percent), 2.8, SPO2_COLOUR)
        sq.set("class", "spo2-dot")

        if v.alarm_level >= AlarmLevel.WARNING:
            critical = v.alarm_level >= AlarmLevel.CRITICAL
            cls = "alarm-ring alarm-critical" if critical else "alarm-ring alarm-warning"
            colour = CRITICAL_COLOUR if critical else WARNING_COLOUR
            dash = None if critical else "4 2.5"
            y_top = min(y_sys, y_hr) - 8
            y_bottom = max(y_dia, y_hr) + 8
            svg.ellipse(
                reading,
                x,
                (y_top + y_bottom) / 2,
                10,
                (y_bottom - y_top) / 2,
                fill="none",
                stroke=colour,
                stroke_width="2.6" if critical else "2",
                cls=cls,
                stroke_dasharray=dash,
            )
            svg.circle(
                reading,
                x,
                sps(v.spo2_percent),
                7,
                fill="none",
                stroke=colour,
                stroke_width="2.2" if critical else "1.8",
                cls=cls,
                stroke_dasharray=dash,
            )
