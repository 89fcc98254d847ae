from __future__ import annotations

import datetime
from typing import Any

from django import forms

from ketaclinic.accounts.roles import CredentialKind, NurseType, Role
from ketaclinic.core.forms import StyledForm


class CredentialForm(StyledForm):
    kind = forms.ChoiceField(label="Credential", choices=CredentialKind.choices)
    number = forms.CharField(label="Number", max_length=64)
    issuing_state = forms.CharField(
        label="Issuing state",
        max_length=2,
        required=False,
        help_text="Two letters, for licences (for example CO). Blank for DEA, ACLS and BLS.",
    )
    issued_on = forms.DateField(
        label="Issued on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(label="Expires on", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_issuing_state(self) -> str:
        state: str = self.cleaned_data["issuing_state"].strip().upper()
        if state and (len(state) != 2 or not state.isalpha()):
            raise forms.ValidationError("Use the two-letter state code, for example CO.")
        return state

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        assert cleaned is not None
        issued_on = cleaned.get("issued_on")
        expires_on = cleaned.get("expires_on")
        if (
            isinstance(issued_on, datetime.date)
            and isinstance(expires_on, datetime.date)
            and expires_on <= issued_on
        ):
            self.add_error("expires_on", "The expiry date must be after the issue date.")
        return cleaned


class MembershipForm(StyledForm):
    role = forms.ChoiceField(label="Role", choices=Role.choices)
    nurse_type = forms.ChoiceField(
        label="Nurse type", choices=[("", "—"), *NurseType.choices], required=False
    )
    title = forms.CharField(label="Title on signed records", max_length=100, required=False)
    is_active = forms.BooleanField(label="Active at this clinic", required=False, initial=True)

    def clean(self) -> dict[str, object] | None:
        cleaned = super().clean()
        assert cleaned is not None
        if cleaned.get("role") != Role.NURSE and cleaned.get("nurse_type"):
            self.add_error("nurse_type", "Only nurses have a nurse type.")
        if cleaned.get("role") == Role.NURSE and not cleaned.get("nurse_type"):
            self.add_error("nurse_type", "Choose RN, CRNA or NP.")
        return cleaned


class StaffMemberAddForm(MembershipForm):
    email = forms.EmailField(label="Work email")
    full_name = forms.CharField(label="Full name", max_length=200)
    field_order = ["full_name", "email", "role", "nurse_type", "title"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]
