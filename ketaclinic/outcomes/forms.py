"""A form built from an instrument's definition: one required radio group per item."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.medicine.questionnaires.base import Instrument
from ketaclinic.outcomes.models import ResponseContext


def instrument_fields(instrument: Instrument, *, prefix: str = "") -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for number, item in enumerate(instrument.items, start=1):
        labels = instrument.answer_labels
        choices = [
            (str(value), f"{value} — {labels[value]}" if value in labels else str(value))
            for value in item.allowed
        ]
        fields[f"{prefix}{item.code}"] = forms.TypedChoiceField(
            label=f"{number}. {item.text}"
            if item.text
            else f"{number}. Item {item.code} (wording from the clinic's licensed copy)",
            choices=choices,
            coerce=int,
            widget=forms.RadioSelect,
            error_messages={"required": "Please answer this question."},
        )
    return fields


class QuestionnaireEntryForm(StyledForm):
    context = forms.ChoiceField(
        label="When", choices=ResponseContext.choices, initial=ResponseContext.SCREENING
    )

    def __init__(self, *args: Any, instrument: Instrument, **kwargs: Any) -> None:
        self.instrument = instrument
        super().__init__(*args, **kwargs)
        self.fields.update(instrument_fields(instrument))
        self._apply_styles()

    def answers(self) -> dict[str, int]:
        return {code: self.cleaned_data[code] for code in self.instrument.item_codes}


class LinkIssueForm(StyledForm):
    instruments = forms.MultipleChoiceField(
        label="Questionnaires", widget=forms.CheckboxSelectMultiple
    )
    context = forms.ChoiceField(
        label="When", choices=ResponseContext.choices, initial=ResponseContext.SCREENING
    )
    valid_hours = forms.IntegerField(
        label="Valid for (hours)", min_value=1, max_value=336, initial=72
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instruments"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = choices


class TaskCompleteForm(StyledForm):
    note = forms.CharField(
        label="What was done", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TaskAcknowledgeForm(StyledForm):
    note = forms.CharField(
        label="I have it — what I am doing",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
