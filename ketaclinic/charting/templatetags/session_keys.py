"""`{% idempotency_key_field "pump" %}`: a fresh idempotency key for one form of the session
page. Each form a tablet may resend carries its own key, made when the page is drawn: resent, it
is stored once; two forms (a pause and a stop) never share one."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ketaclinic.charting.forms import new_idempotency_key

register = template.Library()


@register.simple_tag
def idempotency_key_field(prefix: str = "") -> SafeString:
    name = f"{prefix}-idempotency_key" if prefix else "idempotency_key"
    return format_html('<input type="hidden" name="{}" value="{}">', name, new_idempotency_key())
