"""Shapes of the API's requests and responses. Validation of input only; no rules live here."""

from __future__ import annotations

from rest_framework import serializers

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.api.base import ErrorSerializer
from ketaclinic.api.fields import WallClockTimeField
from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Room
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.patients.models import Patient


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
