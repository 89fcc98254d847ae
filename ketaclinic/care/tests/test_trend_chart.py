"""The trend SVG: well-formed, bands shaded, infusion ticks, thresholds, no inline styles."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

from ketaclinic.care.trend_chart import (
    TrendBand,
    TrendChartData,
    TrendPoint,
    TrendThreshold,
    trend_chart_svg,
)
from ketaclinic.medicine.questionnaires import PHQ9

NS = {"svg": "http://www.w3.org/2000/svg"}
DAY = datetime.date(2026, 3, 2)


def data(**changes: object) -> TrendChartData:
    fields: dict[str, object] = {
        "title": "PHQ-9",
        "total_range": PHQ9.total_range,
        "bands": tuple(TrendBand(b.low, b.high, b.label) for b in PHQ9.bands),
        "points": tuple(
            TrendPoint(DAY + datetime.timedelta(days=3 * k), total, "before a session")
            for k, total in enumerate([21, 17, 12, 8, 4])
        ),
        "infusions": tuple(DAY + datetime.timedelta(days=3 * k) for k in range(4)),
        "thresholds": (
            TrendThreshold(10.5, "response ≤ 10.5", "response"),
            TrendThreshold(4.5, "remission ≤ 4", "remission"),
        ),
    }
    fields.update(changes)
    return TrendChartData(**fields)


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314  (our own output, not untrusted XML)


def test_chart_is_valid_svg_with_a_band_per_severity_and_a_tick_per_infusion() -> None:
    svg = trend_chart_svg(data())
    root = parse(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(root.findall(".//svg:rect[@class='trend-band']", NS)) == 5
    assert len(root.findall(".//svg:g[@class='infusion-tick']", NS)) == 4
    assert len(root.findall(".//svg:circle[@class='trend-dot']", NS)) == 5
    labels = [t.text for t in root.findall(".//svg:text[@class='trend-band-label']", NS)]
    assert "severe 20–27" in labels
    assert "minimal 0–4" in labels
    assert (
        root.find(".//svg:line[@class='trend-threshold trend-threshold-response']", NS) is not None
    )
    assert (
        root.find(".//svg:line[@class='trend-threshold trend-threshold-remission']", NS) is not None
    )
    assert "style=" not in svg
    assert "Infusion 1, 02 Mar 2026" in svg


def test_band_fills_darken_with_severity() -> None:
    rects = parse(trend_chart_svg(data())).findall(".//svg:rect[@class='trend-band']", NS)
    fills = [r.get("fill") for r in rects]
    assert len(set(fills)) == 5


def test_lower_scores_are_drawn_lower() -> None:
    dots = parse(trend_chart_svg(data())).findall(".//svg:circle[@class='trend-dot']", NS)
    ys = [float(d.get("cy", "0")) for d in dots]
    assert ys == sorted(ys)  # 21 → 4: y grows downwards


def test_empty_chart_says_so_and_text_is_escaped() -> None:
    svg = trend_chart_svg(data(points=(), infusions=(), thresholds=(), title="<b>"))
    assert "No scores yet" in svg
    assert "<b>" not in svg
    parse(svg)


def test_out_of_range_thresholds_are_not_drawn() -> None:
    svg = trend_chart_svg(data(thresholds=(TrendThreshold(40, "x", "response"),)))
    assert (
        parse(svg).find(".//svg:line[@class='trend-threshold trend-threshold-response']", NS)
        is None
    )
