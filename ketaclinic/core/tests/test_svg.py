"""The SVG toolkit: numbers written short, scales that map and never divide by zero, round ticks,
escaped text, attributes in the order given, and a root a screen reader can name."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.core import svg
from ketaclinic.core.svg import LinearScale, TimeScale

NS = "{http://www.w3.org/2000/svg}"


def _root(
    *,
    title: str = "PHQ-9",
    desc: str | None = None,
    title_id: str | None = None,
    desc_id: str | None = None,
) -> ET.Element:
    return svg.svg_root(
        width=300,
        height=100,
        title=title,
        desc=desc,
        title_id=title_id,
        desc_id=desc_id,
        cls="chart",
        font_family="sans-serif",
    )


def _parse(document: str) -> ET.Element:
    return ET.fromstring(document)  # noqa: S314 - our own output, not untrusted input


# --- numbers


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (0, 2, "0"),
        (10, 2, "10"),
        (12.5, 2, "12.5"),
        (1 / 3, 2, "0.33"),
        (2.005, 2, "2"),  # binary 2.00499…: rounded as written, not as read
        (-0.001, 2, "0"),  # never "-0"
        (-3.25, 2, "-3.25"),
        (1 / 3, 1, "0.3"),
        (120.04, 1, "120"),
        (10, 0, "10"),  # no decimals: the zero of ten is kept
        (9.6, 0, "10"),
    ],
)
def test_numbers_are_short_and_stable(value: float, decimals: int, expected: str) -> None:
    assert svg.number(value, decimals=decimals) == expected


def test_points_are_written_as_pairs() -> None:
    assert svg.points_text([(0, 1.5), (10.004, -2)]) == "0,1.5 10,-2"
    assert svg.points_text([(1.25, 2.75)], decimals=1) == "1.2,2.8"


def test_ellipsize_keeps_short_text_and_cuts_long_text_with_an_ellipsis() -> None:
    assert svg.ellipsize("Ondansetron", 11) == "Ondansetron"
    assert svg.ellipsize("Ondansetron 4 mg IV", 12) == "Ondansetron…"  # trailing space dropped
    assert svg.ellipsize("Ondansetron", 1) == "…"


# --- scales


def test_linear_scale_maps_the_domain_onto_the_pixels() -> None:
    scale = LinearScale(0, 100, 200, 0)  # y grows downwards: 0 at the bottom
    assert scale(0) == 200
    assert scale(100) == 0
    assert scale(25) == 150
    assert scale(150) == -100  # outside the domain it extrapolates, it does not clamp


def test_linear_scale_with_a_zero_width_domain_maps_everything_to_its_start() -> None:
    scale = LinearScale(5, 5, 40, 400)
    assert scale(5) == 40
    assert scale(1000) == 40


def test_time_scale_counts_days_from_its_start() -> None:
    start = datetime.date(2026, 3, 1)
    scale = TimeScale(start, datetime.date(2026, 3, 11), 40, 140)
    assert scale(start) == 40
    assert scale(datetime.date(2026, 3, 11)) == 140
    assert scale(datetime.date(2026, 3, 4)) == 70


def test_time_scale_takes_datetimes_to_the_hour() -> None:
    start = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    scale = TimeScale(start, start + datetime.timedelta(days=2), 0, 480)
    assert scale(start + datetime.timedelta(hours=12)) == 120


def test_time_scale_with_a_zero_length_span_maps_everything_to_its_start() -> None:
    day = datetime.date(2026, 3, 1)
    assert TimeScale(day, day, 40, 400)(day + datetime.timedelta(days=3)) == 40


@given(
    d0=st.floats(-1e6, 1e6),
    width=st.floats(1e-3, 1e6),
    fraction=st.floats(0, 1),
)
def test_linear_scale_keeps_values_inside_the_domain_inside_the_pixels(
    d0: float, width: float, fraction: float
) -> None:
    scale = LinearScale(d0, d0 + width, 10, 510)
    pixel = scale(d0 + fraction * width)
    assert 10 - 1e-6 <= pixel <= 510 + 1e-6


# --- ticks


@pytest.mark.parametrize(
    ("span", "target", "step"),
    [(100, 5, 20), (10, 5, 2), (13.5, 3, 5), (0.7, 5, 0.2), (1, 4, 0.25), (0, 5, 1)],
)
def test_nice_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten(
    span: float, target: int, step: float
) -> None:
    assert svg.nice_step(span, target) == pytest.approx(step)


def test_nice_range_widens_outward_to_round_ticks() -> None:
    assert svg.nice_range(0, 172.5, 4) == (0, 200, 50)
    assert svg.nice_range(13, 87) == (0, 100, 20)
    assert svg.nice_range(4, 4) == (4, 5, 0.2)  # an empty range becomes one unit wide


def test_range_with_steps_takes_the_smallest_step_that_fits() -> None:
    assert svg.range_with_steps(40, 200, (20, 40, 50, 100), 6) == (40, 200, 40)
    assert svg.range_with_steps(30, 250, (20, 40, 50, 100), 6) == (0, 250, 50)
    # no listed step fits: fall back to a nice range
    assert svg.range_with_steps(0, 5000, (20, 40), 6) == (0, 5000, 1000)


def test_ticks_run_from_lo_to_hi() -> None:
    assert svg.ticks(0, 200, 50) == [0, 50, 100, 150, 200]
    assert svg.ticks(80, 100, 10) == [80, 90, 100]


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 27, [0, 5, 10, 15, 20, 25]),  # PHQ-9
        (0, 21, [0, 5, 10, 15, 20]),  # GAD-7
        (0, 60, [0, 10, 20, 30, 40, 50, 60]),  # MADRS
        (3, 8, [3, 4, 5, 6, 7, 8]),
        (7, 40, [10, 20, 30, 40]),
    ],
)
def test_whole_ticks_for_questionnaire_ranges(lo: int, hi: int, expected: list[int]) -> None:
    assert svg.whole_ticks(lo, hi, steps=(1, 2, 5, 10, 20, 25, 50), max_intervals=6) == expected


def test_date_ticks_step_by_days_then_weeks() -> None:
    start = datetime.date(2026, 3, 2)
    weekly = svg.date_ticks(
        start, datetime.date(2026, 4, 13), steps_days=(1, 2, 7), max_intervals=7, fallback_days=14
    )
    assert weekly == [start + datetime.timedelta(days=7 * k) for k in range(7)]
    fallback = svg.date_ticks(
        start, datetime.date(2026, 6, 1), steps_days=(1, 7), max_intervals=7, fallback_days=30
    )
    assert fallback == [start + datetime.timedelta(days=30 * k) for k in range(4)]


# --- elements


def test_text_is_escaped() -> None:
    root = _root()
    svg.text(root, 1, 2, "<script>alert('x')</script> & \"quotes\"")
    document = svg.to_string(root)
    assert "<script>" not in document
    assert "&lt;script&gt;" in document
    assert "&amp;" in document
    text = _parse(document).find(f"{NS}text")
    assert text is not None
    assert text.text == "<script>alert('x')</script> & \"quotes\""


def test_attribute_values_and_tooltips_are_escaped() -> None:
    root = _root()
    dot = svg.circle(root, 1, 2, 3, cls='a" onload="x')
    svg.tooltip(dot, "BP <90 & falling")
    parsed = _parse(svg.to_string(root))
    circle = parsed.find(f"{NS}circle")
    assert circle is not None
    assert circle.get("class") == 'a" onload="x'
    assert circle.get("onload") is None
    title = circle.find(f"{NS}title")
    assert title is not None
    assert title.text == "BP <90 & falling"


def test_attributes_are_named_written_and_ordered_as_given() -> None:
    root = _root()
    node = svg.line(
        root, 0, 1.005, 10, 2, stroke="#000", stroke_width=1.5, stroke_dasharray=None, cls="grid"
    )
    assert list(node.attrib.items()) == [
        ("x1", "0"),
        ("y1", "1"),
        ("x2", "10"),
        ("y2", "2"),
        ("stroke", "#000"),
        ("stroke-width", "1.5"),
        ("class", "grid"),
    ]
    # A string is written as given: a chart keeps its own number format.
    assert svg.rect(root, "0", "18.0", 10, "2.50").attrib == {
        "x": "0",
        "y": "18.0",
        "width": "10",
        "height": "2.50",
    }


def test_shapes_carry_their_geometry() -> None:
    root = _root()
    assert svg.ellipse(root, 1, 2, 3, 4).attrib == {"cx": "1", "cy": "2", "rx": "3", "ry": "4"}
    assert svg.polyline(root, [(0, 0), (1, 2)]).get("points") == "0,0 1,2"
    assert svg.polygon(root, "0,0 1,1 2,0").get("points") == "0,0 1,1 2,0"
    assert svg.path(root, "M0,0 L1,1", fill="none").attrib == {"d": "M0,0 L1,1", "fill": "none"}
    assert svg.group(root, cls="axis").tag == "g"


def test_monotone_path_passes_through_every_point_without_overshoot() -> None:
    assert svg.monotone_path_data([]) == ""
    assert svg.monotone_path_data([(1, 2)]) == "M1,2"
    data = svg.monotone_path_data([(0, 100), (10, 50), (20, 50), (30, 0)])
    assert data.startswith("M0,100 C")
    for end in ("10,50", "20,50", "30,0"):
        assert f" {end}" in data
    # between the two equal points the curve stays flat (no bump above or below 50)
    flat = data.split(" C")[2]
    assert flat == "13.33,50 16.67,50 20,50"


# --- the root


def test_root_names_itself_for_screen_readers() -> None:
    root = _root(title="PHQ-9 over time", desc="5 scores", title_id="t1", desc_id="d1")
    parsed = _parse(svg.to_string(root))
    assert parsed.tag == f"{NS}svg"
    assert parsed.get("role") == "img"
    assert parsed.get("aria-labelledby") == "t1 d1"
    assert parsed.get("viewBox") == "0 0 300 100"
    assert parsed.get("class") == "chart"
    children = list(parsed)
    assert [child.tag for child in children[:2]] == [f"{NS}title", f"{NS}desc"]
    assert (children[0].get("id"), children[0].text) == ("t1", "PHQ-9 over time")
    assert (children[1].get("id"), children[1].text) == ("d1", "5 scores")


def test_root_without_ids_is_named_by_its_title_alone() -> None:
    parsed = _parse(svg.to_string(_root(title="Scores")))
    assert parsed.get("aria-labelledby") is None
    assert parsed.find(f"{NS}desc") is None
    title = parsed.find(f"{NS}title")
    assert title is not None
    assert title.text == "Scores"
    assert title.get("id") is None


def test_root_attributes_keep_their_order_and_leave_out_what_is_not_given() -> None:
    root = svg.svg_root(
        width=960,
        height=520,
        display_width="960",
        display_height="520",
        preserve_aspect_ratio="xMidYMid meet",
        title="<Session & chart>",
        title_id="sc-title",
        desc="d",
        desc_id="sc-desc",
        cls="session-chart",
        element_id="sc",
        font_family="sans-serif",
        font_size="12",
    )
    assert list(root.attrib) == [
        "xmlns",
        "viewBox",
        "width",
        "height",
        "preserveAspectRatio",
        "role",
        "aria-labelledby",
        "class",
        "id",
        "font-family",
        "font-size",
    ]
    assert "&lt;Session &amp; chart&gt;" in svg.to_string(root)
    assert "style" not in svg.to_string(root)
