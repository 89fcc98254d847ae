"""`{{ name|intake_field_words }}`: an intake field (a version's change) as the clinic says it."""

from __future__ import annotations

from django import template

from ketaclinic.intake.versions import FIELD_WORDS

register = template.Library()


@register.filter
def intake_field_words(name: str) -> str:
    words = FIELD_WORDS.get(name, name.replace("_", " "))
    return words[:1].upper() + words[1:]
