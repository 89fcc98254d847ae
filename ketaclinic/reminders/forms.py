"""The patient's attendance form. The rules (a driver for a treatment, a valid phone) are the
service's; the form only collects."""

from __future__ import annotations

from django import forms

from ketaclinic.core.forms import StyledForm

ATTENDING_CHOICES = [("yes", "Yes, I am coming"), ("no", "No, I cannot come")]


class AttendanceForm(StyledForm):
    attending = forms.ChoiceField(
        label="Are you coming to this appointment?",
        choices=ATTENDING_CHOICES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        initial="yes",
    )
    escort_name = forms.CharField(
        label="Name of the adult driving you home",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    escort_phone = forms.CharField(
        label="Their phone number",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
