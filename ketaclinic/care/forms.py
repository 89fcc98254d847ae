"""Forms for combined care: a therapy note and a medication change (the services check them)."""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.care.models import MedicationChangeKind, TherapyNote, TherapyNoteKind
from ketaclinic.core.forms import StyledForm


class TherapyNoteForm(StyledForm):
    kind = forms.ChoiceField(label="Session", choices=TherapyNoteKind.choices)
    session_date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    minutes = forms.IntegerField(label="Minutes", min_value=1, max_value=600, initial=50)
    text = forms.CharField(
        label="Note",
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Saved once and not editable; to correct it, write a new note that corrects it.",
    )
    corrects = forms.ModelChoiceField(
        label="Corrects an earlier note",
        queryset=TherapyNote.objects.none(),
        required=False,
        empty_label="— a new note —",
    )

    def __init__(self, *args: Any, patient_notes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        corrects = self.fields["corrects"]
        assert isinstance(corrects, forms.ModelChoiceField)
        corrects.queryset = patient_notes
        self._apply_styles()


class MedicationChangeForm(StyledForm):
    medication_name = forms.CharField(label="Medication", max_length=200)
    change = forms.ChoiceField(label="Change", choices=MedicationChangeKind.choices)
    dose_text = forms.CharField(
        label="Dose", max_length=200, required=False, help_text="e.g. '150 mg daily'."
    )
    changed_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", max_length=500, required=False)
