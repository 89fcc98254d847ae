from __future__ import annotations

from django import forms

from ketaclinic.consent.models import WitnessMethod
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


class PortalConsentSignForm(StyledForm):
    """The same signature in the patient's own words, for the portal."""

    has_read = forms.BooleanField(
        label="I have read this consent. I understand it, and I agree to the treatment.",
        error_messages={"required": "Please confirm that you have read and agree to the consent."},
    )
    typed_name = forms.CharField(
        label="Your full legal name",
        max_length=200,
        help_text="As on your ID and the clinic's records.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    drawn_signature = forms.CharField(
        widget=forms.HiddenInput(attrs={"data-signature-input": ""}), required=False
    )


class ConsentWitnessForm(StyledForm):
    method = forms.ChoiceField(
        label="How you confirmed the patient's identity",
        choices=WitnessMethod.choices,
        widget=forms.RadioSelect,
    )
    has_confirmed = forms.BooleanField(
        label="I confirmed the patient's identity, and they confirmed they signed this consent "
        "and had their questions answered.",
        error_messages={"required": "Confirm the patient's identity before witnessing."},
    )


class ConsentWitnessDeclineForm(StyledForm):
    reason = forms.CharField(
        label="Why the signature cannot be confirmed",
        max_length=500,
        error_messages={"required": "Say why the signature cannot be confirmed."},
    )
