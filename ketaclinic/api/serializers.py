"""Shapes of the API's requests and responses. Validation of input only; no rules live here."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Room
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.patients.models import Patient

# Built with type(): a declared field called "fields" is fine for DRF (its metaclass moves declared
# fields off the class), but a class body would shadow Serializer.fields for the type checker.
ErrorDetailSerializer = type(
    "ErrorDetailSerializer",
    (serializers.Serializer,),
    {
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "__doc__": "What went wrong: a stable code, a sentence, and messages per input field.",
    },
)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Invalid input",
            value={
                "error": {
                    "code": "invalid_input",
                    "message": "Some fields are not valid.",
                    "fields": {"status": ['"teleported" is not a valid choice.']},
                },
                "request_id": "5b0c8f0e2d6e4f7c9a1b2c3d4e5f6a7b",
            },
            response_only=True,
            status_codes=["400"],
        ),
        OpenApiExample(
            "Token refused",
            value={
                "error": {
                    "code": "authentication_failed",
                    "message": "The API token is not valid, has expired or was revoked.",
                    "fields": {},
                },
                "request_id": "0d6f2b1c9e8a4b7d8c6e5f4a3b2c1d0e",
            },
            response_only=True,
            status_codes=["401"],
        ),
        OpenApiExample(
            "Refused by role",
            value={
                "error": {
                    "code": "permission_refused",
                    "message": (
                        "Your role (Therapist) at Catalyst Clinic does not allow you to "
                        "work the inquiry queue."
                    ),
                    "fields": {},
                },
                "request_id": "9a8b7c6d5e4f40312a1b0c9d8e7f6a5b",
            },
            response_only=True,
            status_codes=["403"],
        ),
        OpenApiExample(
            "Not found (or another clinic's)",
            value={
                "error": {
                    "code": "not_found",
                    "message": "No such patient at this clinic.",
                    "fields": {},
                },
                "request_id": "1f2e3d4c5b6a47988a7b6c5d4e3f2a1b",
            },
            response_only=True,
            status_codes=["404"],
        ),
    ]
)
class ErrorSerializer(serializers.Serializer):
    """The one error body every endpoint returns."""

    error = ErrorDetailSerializer()
    request_id = serializers.CharField(allow_null=True)


class DuplicateCandidateSerializer(serializers.Serializer):
    """A registered patient who may be the same person: enough to look them up, nothing more."""

    id = serializers.IntegerField()
    medical_record_number = serializers.CharField()
    legal_first_name = serializers.CharField()
    legal_last_name = serializers.CharField()
    date_of_birth = serializers.DateField()


class PossibleDuplicateErrorSerializer(ErrorSerializer):
    """The error body, with the registered patients who may be the same person."""

    possible_duplicates = DuplicateCandidateSerializer(many=True)


class MembershipSerializer(serializers.ModelSerializer):
    clinic_id = serializers.IntegerField()
    clinic_name = serializers.CharField(source="clinic.name")
    role_label = serializers.CharField()

    class Meta:
        model = StaffMembership
        fields = ["clinic_id", "clinic_name", "role", "role_label", "nurse_type", "title"]


class CallerTokenSerializer(serializers.ModelSerializer):
    """The token the call was made with (never its secret)."""

    class Meta:
        model = ApiToken
        fields = ["name", "prefix", "clinic_id", "expires_at"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(
        many=True, help_text="Active memberships; with a token, only the token's clinic."
    )
    acting_clinic_id = serializers.IntegerField(
        allow_null=True, help_text="The clinic every other endpoint reads and writes at."
    )
    authentication = serializers.ChoiceField(choices=["token", "session"])
    token = CallerTokenSerializer(allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "full_name",
            "memberships",
            "acting_clinic_id",
            "authentication",
            "token",
        ]


@extend_schema_field(
    {
        "type": "string",
        "format": "time",
        "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "example": "09:00:00",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day on the clinic's wall clock, always `HH:MM:SS` (RFC 3339 partial-time, the
    schema's `format: time`, with no offset: the clinic's offset changes with the season). The
    one shape of every time of day the API answers with (issue 13 item 11d)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M:%S", **kwargs)


class OpeningHoursSerializer(serializers.ModelSerializer):
    # Declared so the schema is the same on every database (0 = Monday … 6 = Sunday).
    weekday = serializers.IntegerField(min_value=0, max_value=6)
    opens_at = WallClockTimeField()
    closes_at = WallClockTimeField()

    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens_at", "closes_at"]


class ChairSerializer(serializers.ModelSerializer):
    class Meta:
        model = Chair
        fields = ["id", "name", "has_cardiac_monitor", "is_active"]


class RoomSerializer(serializers.ModelSerializer):
    chairs = ChairSerializer(many=True)

    class Meta:
        model = Room
        fields = ["id", "name", "is_active", "chairs"]


class ClinicSerializer(serializers.ModelSerializer):
    opening_hours = OpeningHoursSerializer(many=True)
    rooms = RoomSerializer(many=True)

    class Meta:
        model = Clinic
        fields = [
            "id",
            "name",
            "slug",
            "address_line1",
            "address_line2",
            "city",
            "state",
            "postal_code",
            "phone",
            "email",
            "timezone",
            "dea_registration_number",
            "opening_hours",
            "rooms",
        ]


class PatientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Patient
        fields = [
            "id",
            "medical_record_number",
            "legal_first_name",
            "legal_last_name",
            "preferred_name",
            "date_of_birth",
            "sex_at_birth",
            "email",
            "phone",
            "journey_stage",
        ]


class InquiryNoteSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.full_name")

    class Meta:
        model = InquiryNote
        fields = ["text", "author", "status_before", "status_after", "created_at"]


class InquirySerializer(serializers.ModelSerializer):
    class Meta:
        model = Inquiry
        fields = [
            "id",
            "full_name",
            "email",
            "phone",
            "preferred_contact_method",
            "condition_of_interest",
            "message",
            "status",
            "created_at",
        ]


class InquiryDetailSerializer(InquirySerializer):
    notes = InquiryNoteSerializer(many=True)

    class Meta(InquirySerializer.Meta):
        fields = [*InquirySerializer.Meta.fields, "notes"]


class InquiryUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InquiryStatus.choices, required=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Kept as a note on the inquiry; a status change alone writes one too.",
    )


SEARCH_MAX_LENGTH = 100


class PatientListQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of a name or phone number, or a whole MRN or email address.",
    )


class InquiryListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["open", "all", *InquiryStatus.values],
        required=False,
        default="open",
        help_text="open (new, contacted, consult booked; the default), all, or one status.",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SEARCH_MAX_LENGTH,
        help_text="Part of a name or phone number, or a whole email address.",
    )
