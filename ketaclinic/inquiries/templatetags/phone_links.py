"""`tel:` links that phones dial correctly, whatever way the number was typed."""

from __future__ import annotations

import re

from django import template

register = template.Library()


@register.filter
def tel_href(phone: str) -> str:
    """ "(303) 555-0142" → "tel:+13035550142" (RFC 3966 allows no spaces in a tel: URI).

    Ten digits are taken as a US number; a number typed with "+" keeps its country code.
    """
    digits = re.sub(r"\D", "", phone or "")
    if not digits:
        return ""
    if phone.strip().startswith("+"):
        return f"tel:+{digits}"
    if len(digits) == 10:
        return f"tel:+1{digits}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"tel:+{digits}"
    return f"tel:{digits}"
