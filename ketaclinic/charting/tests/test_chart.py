"""The session chart: valid, CSP-safe, escaped SVG that shows what the nurse needs to see."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from ketaclinic.charting.chart import (
    ChartMarker,
    ChartRateSegment,
    ChartVital,
    SessionChartData,
    session_chart_svg,
)

NS = "{http://www.w3.org/2000/svg}"
CONC_LABEL = "Predicted plasma ketamine (Kamp 2020, venous)"


def _sample(**overrides) -> SessionChartData:
    vitals = (
        ChartVital(-5, 124, 78, 70, 98, 14, 5),
        ChartVital(0, 126, 80, 72, 98),
        ChartVital(10, 138, 86, 78, 97),
        ChartVital(20, 146, 90, 84, 97, moaa_s=4),
        ChartVital(25, 172, 104, 96, 96, alarm_level=2),
        ChartVital(30, 158, 96, 82, 97, alarm_level=1),
        ChartVital(45, 130, 82, 74, 98),
    )
    fields = {
        "title": "Infusion — Pat Example, 30 Nov 2026",
        "vitals": vitals,
        "rate_segments": (
            ChartRateSegment(0, 20, Decimal("150")),
            ChartRateSegment(25, 45, Decimal("75")),
        ),
        "markers": (
            ChartMarker(0, "Start", "pump"),
            ChartMarker(20, "Paused", "pump"),
            ChartMarker(22, "Ondansetron 4 mg IV", "prn"),
            ChartMarker(25, "Resumed", "pump"),
            ChartMarker(45, "Stop", "pump"),
        ),
        "concentration": tuple((float(m), 200.0 * min(m, 20) / 20) for m in range(0, 61, 5)),
        "concentration_label": CONC_LABEL,
        "now_minute": None,
        "end_minute": 75.0,
        "infusion_end_minute": 45.0,
    }
    fields.update(overrides)
    return SessionChartData(**fields)


def _empty(**overrides) -> SessionChartData:
    fields = {
        "title": "Infusion — not started",
        "vitals": (),
        "rate_segments": (),
        "markers": (),
        "concentration": (),
        "concentration_label": "",
        "now_minute": None,
        "end_minute": 60.0,
    }
    fields.update(overrides)
    return SessionChartData(**fields)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _desc(root: ET.Element) -> str:
    desc = root.find(f"{NS}desc")
    assert desc is not None
    return desc.text or ""


def _with_class(root: ET.Element, cls: str) -> list[ET.Element]:
    return [el for el in root.iter() if cls in (el.get("class") or "").split()]


def _tooltip(el: ET.Element) -> str:
    title = el.find(f"{NS}title")
    assert title is not None
    return title.text or ""


def _texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{NS}text")]


def test_renders_valid_svg_with_accessible_title_and_description():
    svg = session_chart_svg(_sample())
    root = _parse(svg)
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 960 520"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{NS}title")
    desc = root.find(f"{NS}desc")
    assert title.get("id") == title_id
    assert title.text == "Infusion — Pat Example, 30 Nov 2026"
    assert desc.get("id") == desc_id
    assert desc.text.startswith(
        "7 readings, BP 124–172 systolic, HR 70–96, SpO2 96–98%, 2 alarms (1 critical); "
        "75 mL delivered"
    )


def test_size_follows_the_arguments():
    root = _parse(session_chart_svg(_sample(), width=800, height=600))
    assert root.get("viewBox") == "0 0 800 600"


def test_no_inline_styles():
    for data in (_sample(), _empty(), _sample(now_minute=30.0, infusion_end_minute=None)):
        svg = session_chart_svg(data)
        assert "style=" not in svg
        assert "<style" not in svg
        assert all(el.get("style") is None for el in _parse(svg).iter())


def test_text_is_escaped():
    hostile = '<script>alert("x")</script> & co'
    data = _sample(
        title=f"Pat {hostile}",
        markers=(ChartMarker(10, hostile, "side_effect"),),
        concentration_label=f"Model {hostile}",
    )
    svg = session_chart_svg(data)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "&amp; co" in svg
    root = _parse(svg)
    assert not list(root.iter("script"))
    assert not list(root.iter(f"{NS}script"))
    tooltips = [el.text for el in root.iter(f"{NS}title")]
    assert f"10 min: {hostile}" in tooltips  # the full label, unescaped once parsed


def test_critical_and_warning_readings_get_their_rings():
    root = _parse(session_chart_svg(_sample()))
    readings = _with_class(root, "reading")
    critical = [r for r in readings if _with_class(r, "alarm-critical")]
    warning = [r for r in readings if _with_class(r, "alarm-warning")]
    assert len(critical) == 1
    assert "25 min" in _tooltip(critical[0])
    assert len(warning) == 1
    assert "30 min" in _tooltip(warning[0])
    for ring in _with_class(critical[0], "alarm-ring"):
        assert ring.get("stroke-dasharray") is None  # solid: the shape differs, not only colour
    for ring in _with_class(warning[0], "alarm-ring"):
        assert ring.get("stroke-dasharray")


def test_empty_data_renders_axes_and_the_message():
    svg = session_chart_svg(_empty())
    root = _parse(svg)
    assert "No readings yet" in _texts(root)
    assert _with_class(root, "axis-bp")
    assert _with_class(root, "axis-rate")
    bp_ticks = [t for t in _texts(_with_class(root, "axis-bp")[0]) if t.isdigit()]
    assert int(bp_ticks[0]) <= 40
    assert int(bp_ticks[-1]) >= 200
    assert not _with_class(root, "bp-bar")
    assert "No readings yet" in _desc(root)


def test_concentration_legend_shows_the_model_label():
    root = _parse(session_chart_svg(_sample()))
    legend = _with_class(root, "chart-legend")[0]
    assert CONC_LABEL in _texts(legend)
    assert _with_class(root, "concentration-line")


def test_no_concentration_curve_still_names_the_model_note():
    note = "No IV model for intranasal esketamine"
    root = _parse(session_chart_svg(_sample(concentration=(), concentration_label=note)))
    assert not _with_class(root, "concentration-line")
    assert note in _texts(root)


def test_one_bp_bar_per_reading():
    data = _sample()
    root = _parse(session_chart_svg(data))
    assert len(_with_class(root, "bp-bar")) == len(data.vitals)


def _bar_x(bar: ET.Element) -> float:
    return float(bar.find(f"{NS}line").get("x1"))


def _zero_line_x(root: ET.Element) -> float:
    grid = _with_class(root, "chart-grid")[0]
    labels = [el for el in grid.iter(f"{NS}text") if el.text == "0"]
    return float(labels[0].get("x"))


def test_baseline_readings_sit_left_of_zero():
    root = _parse(session_chart_svg(_sample()))
    zero = _zero_line_x(root)
    xs = sorted(_bar_x(bar) for bar in _with_class(root, "bp-bar"))
    assert xs[0] < zero  # the -5 min baseline
    assert xs[1] == zero  # the reading at minute 0
    assert all(x > zero for x in xs[2:])
    assert "-10" in _texts(_with_class(root, "chart-grid")[0])


def test_bp_bar_runs_from_diastolic_to_systolic():
    root = _parse(session_chart_svg(_sample(vitals=(ChartVital(5, 150, 90, 80, 98),))))
    line = _with_class(root, "bp-bar")[0].find(f"{NS}line")
    y_sys, y_dia = float(line.get("y1")), float(line.get("y2"))
    assert y_sys < y_dia  # systolic higher up the page


def test_rate_step_area_and_delivered_volume():
    root = _parse(session_chart_svg(_sample()))
    assert len(_with_class(root, "rate-step")) == 2  # the pause splits the area in two
    assert "75 mL delivered" in _desc(root)


def test_now_line_only_while_live():
    assert not _with_class(_parse(session_chart_svg(_sample())), "now-line")
    live = _parse(session_chart_svg(_sample(now_minute=32.0, infusion_end_minute=None)))
    now = _with_class(live, "now-line")
    assert len(now) == 1
    assert "now 32 min" in _texts(now[0])
    assert "live, now at 32 min" in _desc(live)


def test_periods_are_shaded():
    root = _parse(session_chart_svg(_sample()))
    assert _with_class(root, "period-infusion")
    assert _with_class(root, "period-recovery")


def test_crowded_marker_labels_do_not_overlap_in_a_row():
    markers = tuple(ChartMarker(20 + i * 2, f"Event number {i} label", "prn") for i in range(12))
    root = _parse(session_chart_svg(_sample(markers=markers)))
    labels = _with_class(root, "marker-label")
    rows: dict[str, list[tuple[float, str]]] = {}
    for el in labels:
        assert el.text
        rows.setdefault(el.get("y"), []).append((float(el.get("x")), el.text))
    assert len(rows) > 1  # staggered
    for row in rows.values():
        row.sort()
        for (x1, text1), (x2, _) in itertools.pairwise(row):
            assert x1 + len(text1) * 10 * 0.55 < x2  # the width estimate used for the layout
    assert any(el.text.endswith("…") for el in labels)  # shortened to make room
    # every marker keeps its full label as a tooltip
    tooltips = [el.text for el in root.iter(f"{NS}title")]
    assert all(f"{_m(m.minute)} min: {m.label}" in tooltips for m in markers)


def test_markers_too_close_to_label_keep_their_symbol():
    markers = tuple(ChartMarker(20 + i * 0.5, f"Event number {i} label", "prn") for i in range(12))
    root = _parse(session_chart_svg(_sample(markers=markers)))
    assert len(_with_class(root, "marker-prn")) == 12
    assert 5 <= len(_with_class(root, "marker-label")) < 12


def _m(minute: float) -> str:
    return str(int(minute)) if minute == int(minute) else f"{minute:.1f}"


def test_long_marker_label_is_shortened_with_an_ellipsis():
    label = "Ondansetron 4 mg IV given slowly over two minutes for moderate nausea"
    root = _parse(session_chart_svg(_sample(markers=(ChartMarker(10, label, "prn"),))))
    (text,) = [el.text for el in _with_class(root, "marker-label")]
    assert text.endswith("…")
    assert len(text) < len(label)
    assert f"10 min: {label}" in [el.text for el in root.iter(f"{NS}title")]


def test_same_minute_markers_of_one_kind_share_a_tick():
    markers = (ChartMarker(25, "Resumed", "pump"), ChartMarker(25, "Rate 75 mL/h", "pump"))
    root = _parse(session_chart_svg(_sample(markers=markers)))
    assert [el.text for el in _with_class(root, "marker-label")] == ["Resumed · Rate 75 mL/h"]


def test_marker_kinds_differ_in_shape():
    kinds = ("pump", "prn", "side_effect", "device", "alarm")
    markers = tuple(ChartMarker(i * 12, k, k) for i, k in enumerate(kinds))
    root = _parse(session_chart_svg(_sample(markers=markers)))
    shapes = set()
    for kind in kinds:
        (entry,) = _with_class(root, f"marker-{kind}")
        shape = next(el for el in entry if el.tag not in (f"{NS}title", f"{NS}line"))
        shapes.add((shape.tag, _outline(shape.get("points", ""))))
    assert len(shapes) == len(kinds)
    assert _with_class(
        _parse(session_chart_svg(_sample(markers=(ChartMarker(5, "x", "?!"),)))), "marker-other"
    )


def _outline(points: str) -> tuple[tuple[int, int], ...]:
    """A polygon's corners relative to its centre, so equal shapes compare equal anywhere."""
    pairs = [tuple(float(v) for v in p.split(",")) for p in points.split()]
    if not pairs:
        return ()
    cx = sum(p[0] for p in pairs) / len(pairs)
    cy = sum(p[1] for p in pairs) / len(pairs)
    return tuple((round(p[0] - cx), round(p[1] - cy)) for p in pairs)


def test_bp_axis_widens_for_high_readings():
    root = _parse(session_chart_svg(_sample(vitals=(ChartVital(5, 235, 130, 120, 97),))))
    ticks = [int(t) for t in _texts(_with_class(root, "axis-bp")[0]) if t.isdigit()]
    assert ticks[-1] >= 240


def test_low_spo2_extends_its_axis():
    root = _parse(
        session_chart_svg(
            _sample(vitals=(ChartVital(5, 130, 80, 80, 84), ChartVital(10, 130, 80, 80, 76)))
        )
    )
    ticks = [t for t in _texts(_with_class(root, "axis-spo2")[0]) if t.isdigit()]
    assert ticks[0] == "70"
    assert ticks[-1] == "100"


def test_output_is_deterministic():
    assert session_chart_svg(_sample()) == session_chart_svg(_sample())
    assert session_chart_svg(_empty()) == session_chart_svg(_empty())


def test_ids_differ_between_charts():
    a = _parse(session_chart_svg(_sample())).get("id")
    b = _parse(session_chart_svg(_sample(title="Another session"))).get("id")
    assert a != b
    assert re.fullmatch(r"sc-[0-9a-f]{10}", a)
