"""The public inquiry form: every field validated with a message a member of the public follows."""

from __future__ import annotations

import re
from typing import Any

from django import forms

from ketaclinic.core.forms import StyledForm
from ketaclinic.inquiries.models import ConditionOfInterest, ContactMethod

_PHONE_CHARACTERS = re.compile(r"^[0-9()+\-. ]+$")


class InquiryForm(StyledForm):
    full_name = forms.CharField(label="Your name", max_length=200)
    email = forms.EmailField(label="Email", required=False, max_length=254)
    phone = forms.CharField(
        label="Phone",
        required=False,
        max_length=32,
        help_text="With area code, e.g. (303) 555-0142.",
    )
    preferred_contact_method = forms.ChoiceField(
        label="How should we contact you?", choices=ContactMethod.choices, widget=forms.RadioSelect
    )
    condition_of_interest = forms.ChoiceField(
        label="What would you like help with?",
        choices=[("", "Choose one"), *ConditionOfInterest.choices],
    )
    message = forms.CharField(
        label="Anything you would like us to know (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=(
            "Please don't include details you would not want in an email. "
            "We will ask about your health when we speak."
        ),
    )
    has_consented_to_contact = forms.BooleanField(
        label="I agree that the clinic may contact me about my inquiry by the method I chose.",
        error_messages={"required": "We can only reply if you agree to be contacted."},
    )
    # Spam trap: hidden from people (CSS and aria-hidden), irresistible to form-filling bots.
    website = forms.CharField(label="Leave this field empty", required=False)

    def clean_full_name(self) -> str:
        name: str = " ".join(self.cleaned_data["full_name"].split())
        if len(name) < 2:
            raise forms.ValidationError("Please enter your name.")
        return name

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"].strip()
        if not phone:
            return ""
        digits = re.sub(r"\D", "", phone)
        if not _PHONE_CHARACTERS.match(phone) or not 10 <= len(digits) <= 15:
            raise forms.ValidationError(
                "Enter a phone number with its area code (10 to 15 digits), e.g. (303) 555-0142."
            )
        return phone

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        assert cleaned is not None
        method = cleaned.get("preferred_contact_method")
        email, phone = cleaned.get("email"), cleaned.get("phone")
        if "email" not in self.errors and "phone" not in self.errors:
            if not email and not phone:
                self.add_error("email", "Give us an email address or a phone number.")
            elif method == ContactMethod.EMAIL and not email:
                self.add_error("email", "You chose email: please enter your email address.")
            elif method in {ContactMethod.PHONE, ContactMethod.TEXT} and not phone:
                self.add_error("phone", "You chose a call or text: please enter your phone number.")
        return cleaned

    def inquiry_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "full_name": data["full_name"],
            "email": data["email"],
            "phone": data["phone"],
            "preferred_contact_method": ContactMethod(data["preferred_contact_method"]),
            "condition_of_interest": ConditionOfInterest(data["condition_of_interest"]),
            "message": data["message"].strip(),
        }
