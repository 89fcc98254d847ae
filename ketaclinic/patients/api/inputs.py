"""Request bodies and query parameters of the patient endpoints: JSON types and lengths only;
the staff registration form and the registration service decide what is accepted."""

from __future__ import annotations

from rest_framework import serializers

from ketaclinic.api.fields import InputSerializer, StrictBooleanField
from ketaclinic.api.fields import text_field as _text
from ketaclinic.patients.models import SexAtBirth

SEARCH_MAX_LENGTH = 100


class PatientRegistrationSerializer(InputSerializer):
    """A patient's details, as on the staff registration form (whose checks they pass too)."""

    legal_first_name = serializers.CharField(max_length=100)
    legal_last_name = serializers.CharField(max_length=100)
    preferred_name = _text(100)
    date_of_birth = serializers.DateField(help_text="YYYY-MM-DD; the patient must be an adult.")
    sex_at_birth = serializers.ChoiceField(choices=SexAtBirth.choices)
    gender_identity = _text(100)
    phone = _text(32, help_text="With its area code. A phone number or an email is needed.")
    email = _text(254)
    address_line1 = _text(200)
    address_line2 = _text(200)
    city = _text(100)
    state = _text(40, help_text="The two-letter state code, e.g. CO.")
    postal_code = _text(10, help_text="12345 or 12345-6789.")
    preferred_language = serializers.CharField(max_length=50, allow_blank=True, default="English")
    emergency_contact_name = _text(200)
    emergency_contact_relationship = _text(50)
    emergency_contact_phone = _text(32)
    escort_name = _text(200, help_text="The adult who usually drives the patient home.")
    escort_phone = _text(32)
    referring_clinician = _text(200)
    primary_care_clinician = _text(200)
    payment_note = _text(500)
    confirmed_not_duplicate = StrictBooleanField(
        default=False,
        help_text=(
            "Send true only after checking the possible duplicates a 409 listed: this is a "
            "different person."
        ),
    )


class InquiryRegistrationSerializer(PatientRegistrationSerializer):
    """As a direct registration; name, email and phone default to the inquiry's."""

    legal_first_name = serializers.CharField(
        max_length=100, required=False, help_text="Defaults to the inquiry's first name."
    )
    legal_last_name = serializers.CharField(
        max_length=100, required=False, help_text="Defaults to the rest of the inquiry's name."
    )
    phone = serializers.CharField(
        max_length=32, allow_blank=True, required=False, help_text="Defaults to the inquiry's."
    )
    email = serializers.CharField(
        max_length=254, allow_blank=True, required=False, help_text="Defaults to the inquiry's."
    )


class PatientListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        help_text=(
            "Name words (each part of the legal or preferred name), part of a phone number, a "
            "whole MRN or email address, or a date of birth (04/12/1985 or 1985-04-12)."
        ),
    )
