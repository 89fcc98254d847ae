"""A server-side SVG chart of one infusion session: the picture a nurse reads at a glance.

Pure rendering: dataclasses in, an SVG string out; no models, no database. The SVG is built with
`core.svg` (ElementTree underneath, so every text is escaped). The page's Content-Security-Policy
forbids inline styles, so the chart uses SVG presentation attributes and `class` attributes only
(never `style=`).

Layout, top to bottom, all panels sharing one x axis in minutes since the infusion start:
  vitals (BP range bars with caret marks, heart rate line with dots, alarm rings; `vitals`),
  SpO2 (thin panel, 80–100 %; `vitals`),
  infusion rate (filled step area, mL/h) with the predicted concentration (ng/mL, right axis;
  `infusion`),
  events (markers as labelled ticks, staggered in rows so labels do not overlap; `events`).
The title and legend (`legend`), the shaded periods, x grid and "now" line (`frame`) and the
accessible summary (`summary`) are put together by `render.session_chart_svg`.
"""

from ketaclinic.charting.chart.data import (
    ChartMarker,
    ChartRateSegment,
    ChartVital,
    SessionChartData,
)
from ketaclinic.charting.chart.render import session_chart_svg

__all__ = [
    "ChartMarker",
    "ChartRateSegment",
    "ChartVital",
    "SessionChartData",
    "session_chart_svg",
]
