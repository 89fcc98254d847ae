"""Response shapes of the patient endpoints: the patient, and the possible-duplicate refusal."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from ketaclinic.api.base import ErrorSerializer
from ketaclinic.patients.models import Patient


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


POSSIBLE_DUPLICATE = {
    409: OpenApiResponse(
        PossibleDuplicateErrorSerializer,
        description=(
            "Possible duplicates: look at them, then send `confirmed_not_duplicate: true` if "
            "this is a different person"
        ),
    ),
}
