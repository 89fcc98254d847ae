"""The public inquiry form: every field validated with a message a member of the public follows.

The rules themselves live in `ketaclinic.inquiries.validation`, which `inquiry_submit` checks
again; this form only places each message beside its field.
"""

from __future__ import annotations

from typing import Any

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.inquiries import validation
from ketaclinic.inquiries.models import ConditionOfInterest, ContactMethod

SPAM_TRAP_FIELD = "website"


class InquiryForm(StyledForm):
    full_name = forms.CharField(
        label="Your name",
        max_length=validation.FULL_NAME_MAX_LENGTH,
        error_messages={
            "required": validation.NAME_MISSING,
            "max_length": validation.NAME_TOO_LONG,
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Email",
        required=False,
        max_length=validation.EMAIL_MAX_LENGTH,
        error_messages={
            "invalid": validation.EMAIL_INVALID,
            "max_length": validation.EMAIL_TOO_LONG,
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=validation.PHONE_MAX_LENGTH,
        error_messages={"max_length": validation.PHONE_INVALID},
        help_text="With area code, e.g. (303) 555-0142.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    preferred_contact_method = forms.ChoiceField(
        label="How should we contact you?",
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": validation.METHOD_INVALID,
            "invalid_choice": "Select a valid choice: " + validation.METHOD_INVALID.lower(),
        },
    )
    condition_of_interest = forms.ChoiceField(
        label="What would you like help with?",
        choices=[("", "Choose one"), *ConditionOfInterest.choices],
        error_messages={
            "required": validation.CONDITION_INVALID,
            "invalid_choice": "Select a valid choice: " + validation.CONDITION_INVALID.lower(),
        },
    )
    message = forms.CharField(
        label="Anything you would like us to know (optional)",
        required=False,
        max_length=validation.MESSAGE_MAX_LENGTH,
        error_messages={"max_length": validation.MESSAGE_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            f"Up to {validation.MESSAGE_MAX_LENGTH:,} characters. Please don't include details "
            "you would not want in an email; we will ask about your health when we speak."
        ),
    )
    has_consented_to_contact = forms.BooleanField(
        label="I agree that the clinic may contact me about my inquiry by the method I chose.",
        error_messages={"required": validation.CONSENT_MISSING},
    )
    # Spam trap: moved off-screen by .hp-field and hidden from assistive technology, labelled
    # "leave empty" for anyone who reaches it anyway; form-filling bots fill it in.
    website = forms.CharField(label="Leave this field empty", required=False, max_length=200)

    def is_spam_trap_filled(self) -> bool:
        """Read from the raw data: a bot's submission is caught even if the rest is invalid."""
        return bool(str(self.data.get(SPAM_TRAP_FIELD, "")).strip())

    def clean_full_name(self) -> str:
        name = validation.normalize_full_name(self.cleaned_data["full_name"])
        problem = validation.full_name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        problem = validation.phone_problem(phone)
        if problem:
            raise forms.ValidationError(problem)
        return phone

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        if "email" not in self.errors and "phone" not in self.errors:
            problems = validation.contact_problems(
                email=cleaned.get("email", ""),
                phone=cleaned.get("phone", ""),
                method=cleaned.get("preferred_contact_method", ""),
            )
            for field, problem in problems.items():
                self.add_error(field, problem)
        return cleaned

    def inquiry_fields(self) -> dict[str, Any]:
        """The cleaned details, as `inquiry_submit` takes them."""
        data = self.cleaned_data
        return {
            "full_name": data["full_name"],
            "email": data["email"],
            "phone": data["phone"],
            "preferred_contact_method": ContactMethod(data["preferred_contact_method"]),
            "condition_of_interest": ConditionOfInterest(data["condition_of_interest"]),
            "message": data["message"],
            "has_consented_to_contact": data["has_consented_to_contact"],
        }
