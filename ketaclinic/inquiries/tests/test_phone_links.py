"""Phone numbers become tel: links a phone can dial, however they were typed."""

from __future__ import annotations

import pytest

from ketaclinic.inquiries.templatetags.phone_links import tel_href


@pytest.mark.parametrize(
    ("typed", "link"),
    [
        ("(303) 555-0142", "tel:+13035550142"),
        ("303.555.0142", "tel:+13035550142"),
        ("1 303 555 0142", "tel:+13035550142"),
        ("+44 20 7946 0958", "tel:+442079460958"),
        ("988", "tel:988"),
        ("", ""),
    ],
)
def test_tel_links_carry_digits_only(typed: str, link: str) -> None:
    assert tel_href(typed) == link
