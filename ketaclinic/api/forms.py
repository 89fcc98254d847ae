"""The clinic admin's form for issuing an API token."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from ketaclinic.accounts.models import User
from ketaclinic.api.models import NAME_MAX_LENGTH
from ketaclinic.api.services import token_expiry_at
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.core.forms import StyledForm


class ApiTokenIssueForm(StyledForm):
    name = forms.CharField(
        label="Integration", max_length=NAME_MAX_LENGTH, help_text="e.g. EHR sync"
    )
    user = forms.ModelChoiceField(
        label="Acts as", queryset=User.objects.none(), help_text="The token has this person's role."
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a token that lasts until revoked.",
    )

    def __init__(self, *args: Any, clinic: Clinic, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self._expires_at: datetime.datetime | None = None
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = User.objects.filter(
            is_active=True, memberships__clinic=clinic, memberships__is_active=True
        ).order_by("full_name", "email")

    def clean_expires_on(self) -> datetime.date | None:
        expires_on: datetime.date | None = self.cleaned_data["expires_on"]
        self._expires_at = None
        if expires_on is not None:
            try:
                self._expires_at = token_expiry_at(clinic=self.clinic, expires_on=expires_on)
            except InvalidInput as refusal:
                raise forms.ValidationError(refusal.message) from None
        return expires_on

    def expires_at(self) -> datetime.datetime | None:
        """The start of the chosen day in the clinic's time zone: "expires on 1 March". (The
        one worked out when the date was checked: the clinic's day may have turned since.)"""
        return self._expires_at
