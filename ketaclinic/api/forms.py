from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.core.forms import StyledForm


class ApiTokenIssueForm(StyledForm):
    name = forms.CharField(label="Integration", max_length=100, help_text="e.g. EHR sync")
    user = forms.ModelChoiceField(
        label="Acts as", queryset=User.objects.none(), help_text="The token has this person's role."
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for a token that lasts until revoked.",
    )

    def __init__(self, *args: Any, clinic_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        user_field.queryset = User.objects.filter(
            memberships__clinic_id=clinic_id, memberships__is_active=True
        ).order_by("full_name")

    def clean_expires_on(self) -> datetime.date | None:
        expires_on: datetime.date | None = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on <= timezone.localdate():
            raise forms.ValidationError("Choose a date after today.")
        return expires_on
