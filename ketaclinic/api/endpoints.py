"""REST endpoints under /api/v1/. Thin: parse, call the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, staff_caller
from ketaclinic.api.inputs import InquiryRegistrationSerializer, PatientRegistrationSerializer
from ketaclinic.api.journey import patient_register_from_request
from ketaclinic.api.parsers import ApiJSONParser
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic, api_token
from ketaclinic.api.selectors import (
    OPEN_INQUIRY_STATUSES,
    api_inquiry_get,
    api_inquiry_list,
    clinic_list_for_caller,
    membership_list_for_caller,
)
from ketaclinic.api.serializers import (
    ClinicSerializer,
    InquiryDetailSerializer,
    InquiryListQuerySerializer,
    InquirySerializer,
    InquiryUpdateSerializer,
    MeSerializer,
    PatientListQuerySerializer,
    PatientSerializer,
    PossibleDuplicateErrorSerializer,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.inquiries.services import inquiry_update
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_list_for_clinic

POSSIBLE_DUPLICATE = {
    409: OpenApiResponse(
        PossibleDuplicateErrorSerializer,
        description=(
            "Possible duplicates: look at them, then send `confirmed_not_duplicate: true` if "
            "this is a different person"
        ),
    ),
}
# The service names its input `note_text`; the API's field is `note`.
_INQUIRY_UPDATE_FIELDS = {"note_text": "note"}


class MeView(StaffEndpoint):
    @extend_schema(
        operation_id="me",
        summary="Who is calling, and at which clinic",
        responses={200: MeSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        user = staff_caller(request)
        token = api_token(request)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        data = MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "memberships": list(membership_list_for_caller(user=user, token=token)),
                "acting_clinic_id": clinic.pk if clinic else None,
                "authentication": "token" if token else "session",
                "token": token,
            }
        ).data
        return Response(data)


class ClinicListView(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = ClinicSerializer

    def get_queryset(self) -> QuerySet[Clinic]:
        return clinic_list_for_caller(
            user=staff_caller(self.request), token=api_token(self.request)
        )

    @extend_schema(
        operation_id="clinics_list",
        summary="The caller's clinics",
        description=(
            "Address, phone, time zone, opening hours, rooms and chairs of every clinic the "
            "caller works at; a token sees only its own clinic."
        ),
        responses={200: ClinicSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PatientListView(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    parser_classes = [ApiJSONParser]
    serializer_class = PatientSerializer

    def get_queryset(self) -> QuerySet[Patient]:
        query = PatientListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return patient_list_for_clinic(
            user=staff_caller(self.request),
            clinic=api_clinic(self.request),
            search=query.validated_data.get("q", ""),
        )

    @extend_schema(
        operation_id="patients_list",
        summary="The acting clinic's patients",
        parameters=[PatientListQuerySerializer],
        responses={200: PatientSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="patients_create",
        summary="Register a patient",
        description=(
            "The staff registration form's fields and checks. A patient with the same name and "
            "date of birth, or the same phone number or email, is a possible duplicate: the "
            "call is refused with 409 and `possible_duplicates` (id, MRN, name, date of birth) "
            "until it is repeated with `confirmed_not_duplicate: true`. Recorded in the audit "
            "trail as `patient.created`."
        ),
        request=PatientRegistrationSerializer,
        responses={201: PatientSerializer, **ERRORS, **POSSIBLE_DUPLICATE},
    )
    def post(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        # Permission first: a refused caller learns nothing from validation.
        require_permission(user=user, action=Action.PATIENT_REGISTER, clinic=clinic)
        return patient_register_from_request(request, user=user, clinic=clinic)


class PatientDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_retrieve",
        summary="One patient",
        description="Recorded in the audit trail as a view of the patient's chart.",
        responses={200: PatientSerializer, **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=staff_caller(request), clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(PatientSerializer(patient).data)


def _statuses(value: str) -> frozenset[InquiryStatus] | None:
    """The `status` filter: "open" (the working queue), "all", or one status."""
    if value == "open":
        return OPEN_INQUIRY_STATUSES
    if value == "all":
        return None
    return frozenset({InquiryStatus(value)})


class InquiryListView(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = InquirySerializer

    def get_queryset(self) -> QuerySet[Inquiry]:
        query = InquiryListQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return api_inquiry_list(
            user=staff_caller(self.request),
            clinic=api_clinic(self.request),
            statuses=_statuses(query.validated_data["status"]),
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
        inquiry = api_inquiry_get(
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
        inquiry = api_inquiry_get(
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
        updated = api_inquiry_get(
            user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=False
        )
        return Response(InquiryDetailSerializer(updated).data)


class InquiryRegisterView(StaffEndpoint):
    @extend_schema(
        operation_id="inquiries_register",
        summary="Register the person behind an inquiry as a patient",
        description=(
            "As `POST /patients`, with the legal name, email and phone defaulting to the "
            "inquiry's (the name is split at its first space). The inquiry is linked to the new "
            "patient and gets a note with the MRN. Needs both `patient.register` and "
            "`inquiry.manage`."
        ),
        request=InquiryRegistrationSerializer,
        responses={201: PatientSerializer, **ERRORS, **POSSIBLE_DUPLICATE},
    )
    def post(self, request: Request, inquiry_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.PATIENT_REGISTER, clinic=clinic)
        inquiry = api_inquiry_get(
            user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=False
        )
        return patient_register_from_request(
            request,
            user=user,
            clinic=clinic,
            serializer_class=InquiryRegistrationSerializer,
            inquiry=inquiry,
        )
