"""REST endpoints of the inquiry queue: the acting clinic's inquiries, one inquiry with its notes,
and a change of status or a note. Registering the person behind an inquiry is a patient's
registration (patients/api/). The same selectors and service as the staff queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.api.base import ERRORS, StaffEndpoint, StaffListEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.models import Inquiry, InquiryNote, InquiryStatus
from ketaclinic.inquiries.selectors import (
    QUEUE_FILTERS,
    inquiry_get_for_staff,
    inquiry_list_for_clinic,
)
from ketaclinic.inquiries.services import inquiry_update

SEARCH_MAX_LENGTH = 100
# The service names its input `note_text`; the API's field is `note`.
_INQUIRY_UPDATE_FIELDS = {"note_text": "note"}


# --- inputs --------------------------------------------------------------------------------------


class InquiryListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=list(QUEUE_FILTERS),
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


class InquiryUpdateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=InquiryStatus.choices, required=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="Kept as a note on the inquiry; a status change alone writes one too.",
    )


# --- outputs -------------------------------------------------------------------------------------


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


# --- endpoints -----------------------------------------------------------------------------------


class InquiryListView(StaffListEndpoint):
    serializer_class = InquirySerializer

    def get_queryset(self) -> QuerySet[Inquiry]:
        query = InquiryListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return inquiry_list_for_clinic(
            user=staff_caller(self.request),
            clinic=api_clinic(self.request),
            status=query.validated_data["status"],
            search=query.validated_data.get("q", ""),
        )

    @extend_schema(
        operation_id="inquiries_list",
        summary="The acting clinic's inquiry queue",
        parameters=[InquiryListQuerySerializer],
        responses={200: InquirySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InquiryDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="inquiries_retrieve",
        summary="One inquiry with its notes",
        responses={200: InquiryDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, inquiry_id: int) -> Response:
        inquiry = inquiry_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), inquiry_id=inquiry_id
        )
        return Response(InquiryDetailSerializer(inquiry).data)

    @extend_schema(
        operation_id="inquiries_update",
        summary="Change an inquiry's status and/or add a note",
        description="Every change is kept as a note and recorded in the audit trail.",
        request=InquiryUpdateSerializer,
        responses={200: InquiryDetailSerializer, **ERRORS},
    )
    def patch(self, request: Request, inquiry_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        # Permission and existence first: a refused caller learns nothing from validation.
        inquiry = inquiry_get_for_staff(
            user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=False
        )
        payload = InquiryUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        status_value = payload.validated_data.get("status")
        try:
            inquiry_update(
                acting_user=user,
                inquiry=inquiry,
                status=InquiryStatus(status_value) if status_value else None,
                note_text=payload.validated_data.get("note", ""),
            )
        except InvalidInput as error:
            fields = {_INQUIRY_UPDATE_FIELDS.get(k, k): v for k, v in error.fields.items()}
            raise InvalidInput(error.message, fields=fields) from error
        updated = inquiry_get_for_staff(
            user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=False
        )
        return Response(InquiryDetailSerializer(updated).data)
