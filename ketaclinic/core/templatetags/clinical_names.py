"""`{{ code|instrument_name }}`, `{{ key|protocol_name }}`: the name a clinician reads for a stored
questionnaire code ("phq9" → "PHQ-9") or protocol key ("iv-ketamine-depression@1" → "IV racemic
ketamine, 0.5 mg/kg over 40 minutes"). Stored codes are the software's words, never the page's
(issue 16, item 4)."""

from __future__ import annotations

from django import template

from ketaclinic.medicine.errors import UnknownItem, UnknownProtocol
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.medicine.questionnaires import instrument_get

register = template.Library()


@register.filter
def instrument_name(code: str | None) -> str:
    if not code:
        return ""
    try:
        return instrument_get(code).name
    except UnknownItem:
        return code  # a retired questionnaire: its stored code is all there is to show


@register.filter
def protocol_name(key: str | None) -> str:
    if not key:
        return ""
    try:
        return protocol_get(key).name
    except UnknownProtocol:
        code, _, version = key.partition("@")
        return f"{code}, version {version}" if version else code
