"""The error summary at the top of a form page: every error of every form and list on it, each
after its field's label and linked to the field, so that one submit shows the whole list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template

register = template.Library()


@dataclass(frozen=True)
class ErrorSummaryItem:
    text: str
    field_id: str = ""  # the id of the field the error is about; empty for the form's own


def _form_items(form: forms.BaseForm, *, row: str = "") -> list[ErrorSummaryItem]:
    items = [
        ErrorSummaryItem(f"{row[0].upper()}{row[1:]}: {error}" if row else str(error))
        for error in form.non_field_errors()
    ]
    for field in form:
        for error in field.errors:
            label = f"{field.label}, {row}" if row else field.label
            items.append(ErrorSummaryItem(f"{label}: {error}", field.id_for_label))
    return items


def error_summary_items(*parts: Any) -> list[ErrorSummaryItem]:
    """The errors of the given forms and formsets, in page order. A formset's rows are named by
    its `row_name` ("medication 2"); its rows without errors add nothing."""
    items: list[ErrorSummaryItem] = []
    for part in parts:
        if part is None or not part.is_bound:
            continue
        if isinstance(part, forms.BaseFormSet):
            items.extend(ErrorSummaryItem(str(error)) for error in part.non_form_errors())
            row_name = getattr(part, "row_name", "row")
            for number, form in enumerate(part.forms, start=1):
                items.extend(_form_items(form, row=f"{row_name} {number}"))
        else:
            items.extend(_form_items(part))
    return items


@register.inclusion_tag("includes/form_error_summary.html")
def form_error_summary(*parts: Any) -> dict[str, Any]:
    """`{% form_error_summary form formset … %}`: the summary of their errors, or nothing."""
    return {"items": error_summary_items(*parts)}
