"""The registration form: field-level messages for every entry a front desk can get wrong, all
of them in one submit (the service's date-of-birth rule included, when the form knows the
clinic)."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms

from ketaclinic.clinics.models import Clinic
from ketaclinic.core.forms import StyledForm
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.patients.models import SexAtBirth
from ketaclinic.patients.services import date_of_birth_problem

_PHONE = re.compile(r"^[0-9()+\-. ]{7,32}$")


def _phone(value: str, label: str) -> str:
    value = value.strip()
    digits = re.sub(r"\D", "", value)
    if value and (not _PHONE.match(value) or not 10 <= len(digits) <= 15):
        raise forms.ValidationError(f"Enter the {label} with its area code, e.g. (303) 555-0142.")
    return value


class PatientRegistrationForm(StyledForm):
    legal_first_name = forms.CharField(label="Legal first name", max_length=100)
    legal_last_name = forms.CharField(label="Legal last name", max_length=100)
    preferred_name = forms.CharField(label="Preferred name", max_length=100, required=False)
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"})
    )
    # No default: a pre-chosen sex would be registered unread (it sets pregnancy-test rules).
    sex_at_birth = forms.ChoiceField(
        label="Sex at birth",
        choices=[("", "Choose…"), *SexAtBirth.choices],
        error_messages={"required": "Choose the sex at birth."},
    )
    gender_identity = forms.CharField(label="Gender identity", max_length=100, required=False)
    phone = forms.CharField(label="Phone", max_length=32, required=False)
    email = forms.EmailField(label="Email", required=False)
    address_line1 = forms.CharField(label="Address", max_length=200, required=False)
    address_line2 = forms.CharField(label="Address line 2", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100, required=False)
    state = forms.CharField(label="State", max_length=40, required=False, help_text="Two letters.")
    postal_code = forms.RegexField(
        label="ZIP code",
        regex=r"^\d{5}(-\d{4})?$",
        required=False,
        error_messages={"invalid": "Use 12345 or 12345-6789."},
    )
    preferred_language = forms.CharField(
        label="Preferred language", max_length=50, required=False, initial="English"
    )
    emergency_contact_name = forms.CharField(
        label="Emergency contact", max_length=200, required=False
    )
    emergency_contact_relationship = forms.CharField(
        label="Relationship", max_length=50, required=False
    )
    emergency_contact_phone = forms.CharField(
        label="Emergency contact phone", max_length=32, required=False
    )
    escort_name = forms.CharField(
        label="Driver home (escort)",
        max_length=200,
        required=False,
        help_text="Every infusion patient goes home with a responsible adult.",
    )
    escort_phone = forms.CharField(label="Escort phone", max_length=32, required=False)
    referring_clinician = forms.CharField(
        label="Referring clinician", max_length=200, required=False
    )
    primary_care_clinician = forms.CharField(
        label="Primary care clinician", max_length=200, required=False
    )
    payment_note = forms.CharField(
        label="Payment note",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirmed_not_duplicate = forms.BooleanField(
        label="I have checked the possible matches: this is a different person.", required=False
    )

    GROUPS = (
        (
            "Identity",
            (
                "legal_first_name",
                "legal_last_name",
                "preferred_name",
                "date_of_birth",
                "sex_at_birth",
                "gender_identity",
            ),
        ),
        (
            "Contact and address",
            (
                "phone",
                "email",
                "address_line1",
                "address_line2",
                "city",
                "state",
                "postal_code",
                "preferred_language",
            ),
        ),
        (
            "People",
            (
                "emergency_contact_name",
                "emergency_contact_relationship",
                "emergency_contact_phone",
                "escort_name",
                "escort_phone",
                "referring_clinician",
                "primary_care_clinician",
                "payment_note",
            ),
        ),
    )

    def __init__(self, *args: Any, clinic: Clinic | None = None, **kwargs: Any) -> None:
        # With the clinic, the date of birth is checked against its calendar and minimum age
        # here, beside the other fields, and not only by patient_register after they pass.
        self.clinic = clinic
        super().__init__(*args, **kwargs)

    def groups(self) -> list[tuple[str, list[Any]]]:
        """The fields in their fieldsets, for the template."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_date_of_birth(self) -> datetime.date:
        born: datetime.date = self.cleaned_data["date_of_birth"]
        problem = date_of_birth_problem(born, clinic=self.clinic) if self.clinic else None
        if problem is not None:
            raise forms.ValidationError(problem)
        return born

    def clean_phone(self) -> str:
        return _phone(self.cleaned_data["phone"], "phone number")

    def clean_emergency_contact_phone(self) -> str:
        return _phone(self.cleaned_data["emergency_contact_phone"], "emergency contact's phone")

    def clean_escort_phone(self) -> str:
        return _phone(self.cleaned_data["escort_phone"], "escort's phone")

    def clean_state(self) -> str:
        state: str = self.cleaned_data["state"].strip().upper()
        if state and (len(state) != 2 or not state.isalpha()):
            raise forms.ValidationError("Use the two-letter state code, for example CO.")
        return state

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        if (
            not cleaned.get("phone")
            and not cleaned.get("email")
            and "phone" not in self.errors
            and "email" not in self.errors
        ):
            self.add_error("phone", "Give a phone number or an email address.")
        return cleaned


def registration_initial_from_inquiry(inquiry: Inquiry) -> dict[str, str]:
    """What registration fills in from an inquiry, on the staff page and in the API alike: the
    name split at its first space, and the email and phone the person left."""
    first, _, last = inquiry.full_name.partition(" ")
    return {
        "legal_first_name": first,
        "legal_last_name": last,
        "email": inquiry.email,
        "phone": inquiry.phone,
    }
