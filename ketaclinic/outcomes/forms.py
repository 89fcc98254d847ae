"""A form built from an instrument's definition: one required radio group per item."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.medicine.questionnaires.base import Instrument
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.wording import WORDING_NOT_LOADED


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
            else f"{number}. ({WORDING_NOT_LOADED})",  # pages refuse such a scale first
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


MAX_WORDING_FILE_BYTES = 200_000


class WordingLoadForm(StyledForm):
    """The wording of one licensed questionnaire, as a file or pasted, `item_code,text` lines."""

    instrument = forms.ChoiceField(label="Questionnaire")
    wording_file = forms.FileField(
        label="Wording file (CSV)",
        required=False,
        help_text="The blank file for the questionnaire, filled in from your licensed copy.",
    )
    wording = forms.CharField(
        label="Or paste the lines",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One line per question: the item code, a comma, then the question.",
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("wording_file")
        if upload is not None:
            if upload.size > MAX_WORDING_FILE_BYTES:
                self.add_error("wording_file", "That file is too large for a questionnaire.")
                return cleaned
            try:
                cleaned["wording"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("wording_file", "Save the file as CSV (UTF-8) and load it again.")
                return cleaned
        if not str(cleaned.get("wording", "")).strip():
            self.add_error("wording", "Choose the file or paste the lines.")
        return cleaned
