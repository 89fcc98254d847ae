"""The form on a patient's invitation link: the password typed twice. Whether the password is
good enough is the service's (Django's validators, in portal/invitations.py), so that every path
to an account checks it alike."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation

from ketaclinic.core.forms import StyledForm


class InvitationPasswordForm(StyledForm):
    password = forms.CharField(
        label="Choose a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=" ".join(password_validation.password_validators_help_texts()),
    )
    password_again = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password"), cleaned.get("password_again")
        if first and second and first != second:
            self.add_error("password_again", "The two passwords are not the same.")
        return cleaned
