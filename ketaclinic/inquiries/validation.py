"""The rules an inquiry's details must meet, in one place.

The public form uses them for its field messages and `inquiry_submit` checks them again, so an
inquiry that arrives by any other path (an import, a future API endpoint) meets the same rules.
Messages are written for a member of the public, not for staff.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ketaclinic.inquiries.models import ConditionOfInterest, ContactMethod

FULL_NAME_MAX_LENGTH = 200
EMAIL_MAX_LENGTH = 254  # RFC 5321 path limit, as Django's EmailField
PHONE_MAX_LENGTH = 32
MESSAGE_MAX_LENGTH = 4000
# A US number with its area code has 10 digits; E.164 allows at most 15 with a country code.
PHONE_MIN_DIGITS = 10
PHONE_MAX_DIGITS = 15

_PHONE_CHARACTERS = re.compile(r"^\+?[0-9()\-. ]+$")

NAME_MISSING = "Please enter your name."
NAME_TOO_LONG = f"Please keep your name under {FULL_NAME_MAX_LENGTH} characters."
EMAIL_INVALID = "Enter a valid email address, like name@example.com."
EMAIL_TOO_LONG = f"An email address has at most {EMAIL_MAX_LENGTH} characters."
PHONE_INVALID = (
    f"Enter a phone number with its area code ({PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits), "
    "e.g. (303) 555-0142."
)
CONTACT_MISSING = "Give us an email address or a phone number."
EMAIL_NEEDED_FOR_METHOD = "You chose email: please enter your email address."
PHONE_NEEDED_FOR_METHOD = "You chose a call or text: please enter your phone number."
METHOD_INVALID = "Choose how we should contact you."
CONDITION_INVALID = "Choose what you would like help with."
MESSAGE_TOO_LONG = (
    f"Please keep your message to {MESSAGE_MAX_LENGTH} characters; we can talk about the rest "
    "when we call."
)
CONSENT_MISSING = "We can only reply if you agree to be contacted."


def normalize_full_name(value: str) -> str:
    """Collapse runs of spaces and line breaks, so "Rachel  Simmons " is "Rachel Simmons"."""
    return " ".join(value.split())


def full_name_problem(full_name: str) -> str | None:
    if len(full_name) < 2:
        return NAME_MISSING
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        return NAME_TOO_LONG
    return None


def email_problem(email: str) -> str | None:
    """Blank is allowed here; whether one is needed depends on the contact method."""
    if not email:
        return None
    if len(email) > EMAIL_MAX_LENGTH:
        return EMAIL_TOO_LONG
    try:
        validate_email(email)
    except ValidationError:
        return EMAIL_INVALID
    return None


def phone_digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def phone_problem(phone: str) -> str | None:
    """Blank is allowed here; otherwise digits and the usual separators, 10 to 15 digits."""
    if not phone:
        return None
    if len(phone) > PHONE_MAX_LENGTH or not _PHONE_CHARACTERS.match(phone):
        return PHONE_INVALID
    if not PHONE_MIN_DIGITS <= len(phone_digits(phone)) <= PHONE_MAX_DIGITS:
        return PHONE_INVALID
    return None


def contact_problems(*, email: str, phone: str, method: str) -> dict[str, str]:
    """An email or a phone number, and the one the chosen contact method needs."""
    if not email and not phone:
        return {"email": CONTACT_MISSING}
    if method == ContactMethod.EMAIL and not email:
        return {"email": EMAIL_NEEDED_FOR_METHOD}
    if method in {ContactMethod.PHONE, ContactMethod.TEXT} and not phone:
        return {"phone": PHONE_NEEDED_FOR_METHOD}
    return {}


def inquiry_problems(
    *,
    full_name: str,
    email: str,
    phone: str,
    preferred_contact_method: str,
    condition_of_interest: str,
    message: str,
    has_consented_to_contact: bool,
) -> dict[str, list[str]]:
    """Every problem with an inquiry's details, by field name; empty when it may be stored."""
    checks: dict[str, str | None] = {
        "full_name": full_name_problem(full_name),
        "email": email_problem(email),
        "phone": phone_problem(phone),
        "preferred_contact_method": (
            None if preferred_contact_method in ContactMethod.values else METHOD_INVALID
        ),
        "condition_of_interest": (
            None if condition_of_interest in ConditionOfInterest.values else CONDITION_INVALID
        ),
        "message": MESSAGE_TOO_LONG if len(message) > MESSAGE_MAX_LENGTH else None,
        "has_consented_to_contact": None if has_consented_to_contact else CONSENT_MISSING,
    }
    problems = {field: text for field, text in checks.items() if text is not None}
    if "email" not in problems and "phone" not in problems:
        problems.update(contact_problems(email=email, phone=phone, method=preferred_contact_method))
    return {field: [text] for field, text in problems.items()}
