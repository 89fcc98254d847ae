"""Shapes of the API's requests and responses. Validation of input only; no rules live here."""

from __future__ import annotations

from rest_framework import serializers

from ketaclinic.accounts.models import StaffMembership, User
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


class ErrorSerializer(serializers.Serializer):
    """The one error body every endpoint returns."""

    error = ErrorDetailSerializer()
    request_id = serializers.CharField(allow_null=True)


class MembershipSerializer(serializers.ModelSerializer):
    clinic_id = serializers.IntegerField()
    clinic_name = serializers.CharField(source="clinic.name")
    role_label = serializers.CharField()

    class Meta:
        model = StaffMembership
        fields = ["clinic_id", "clinic_name", "role", "role_label", "nurse_type", "title"]


class MeSerializer(serializers.ModelSerializer):
    memberships = MembershipSerializer(many=True)
    acting_clinic_id = serializers.IntegerField(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "memberships", "acting_clinic_id"]


class OpeningHoursSerializer(serializers.ModelSerializer):
    # Declared so the schema is the same on every database (0 = Monday … 6 = Sunday).
    weekday = serializers.IntegerField(min_value=0, max_value=6)

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
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
