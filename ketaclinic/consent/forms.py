from __future__ import annotations

from django import forms

from ketaclinic.core.forms import StyledForm


class ConsentSignForm(StyledForm):
    typed_name = forms.CharField(label="Patient's legal name, typed by the patient", max_length=200)
    drawn_signature = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-input": ""}), required=False
    )
    has_read = forms.BooleanField(
        label="The patient has read this consent, asked their questions, and agrees.",
        error_messages={"required": "The patient must confirm they have read and agree."},
    )
