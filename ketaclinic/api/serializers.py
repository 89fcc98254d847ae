"""Shapes of the API's requests and responses. Validation of input only; no rules live here."""

from __future__ import annotations

from rest_framework import serializers

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.api.fields import WallClockTimeField
from ketaclinic.api.models import ApiToken
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Room


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
