"""REST endpoints under /api/v1/. Thin: parse, call the same selectors and services as the pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ketaclinic.accounts.models import User
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic
from ketaclinic.api.serializers import (
    ClinicSerializer,
    ErrorSerializer,
    InquiryDetailSerializer,
    InquirySerializer,
    InquiryUpdateSerializer,
    MeSerializer,
    PatientSerializer,
)
from ketaclinic.clinics.models import Chair, Clinic, Room
from ketaclinic.clinics.selectors import membership_list_for_user
from ketaclinic.inquiries.models import Inquiry, InquiryStatus
from ketaclinic.inquiries.selectors import inquiry_get_for_staff, inquiry_list_for_clinic
from ketaclinic.inquiries.services import inquiry_update
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.models import Patient
from ketaclinic.patients.selectors import patient_list_for_clinic

ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Invalid input"),
    401: OpenApiResponse(ErrorSerializer, description="Not authenticated"),
    403: OpenApiResponse(ErrorSerializer, description="Not allowed"),
    404: OpenApiResponse(ErrorSerializer, description="Not found (or not at this clinic)"),
}


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


class MeView(APIView):
    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(operation_id="me", responses={200: MeSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        user = _user(request)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        data = MeSerializer(
            {
                "id": user.pk,
                "email": user.email,
                "full_name": user.full_name,
                "memberships": list(membership_list_for_user(user=user)),
                "acting_clinic_id": clinic.pk if clinic else None,
            }
        ).data
        return Response(data)


class ClinicListView(generics.ListAPIView):
    """The clinics the caller works at (a token: its own clinic only)."""

    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = ClinicSerializer

    def get_queryset(self) -> QuerySet[Clinic]:
        user = _user(self.request)
        clinics = Clinic.objects.filter(
            memberships__user=user, memberships__is_active=True, is_active=True
        )
        if self.request.auth is not None:
            clinics = clinics.filter(pk=api_clinic(self.request).pk)
        return clinics.order_by("name").prefetch_related(
            "opening_hours",
            Prefetch(
                "rooms",
                queryset=Room.objects.order_by("name").prefetch_related(
                    Prefetch("chairs", queryset=Chair.objects.order_by("name"))
                ),
            ),
        )

    @extend_schema(
        operation_id="clinics_list", responses={200: ClinicSerializer(many=True), **ERRORS}
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PatientListView(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = PatientSerializer

    def get_queryset(self) -> QuerySet[Patient]:
        return patient_list_for_clinic(
            user=self.request.user,
            clinic=api_clinic(self.request),
            search=self.request.query_params.get("q", "")[:100],
        )

    @extend_schema(
        operation_id="patients_list",
        parameters=[OpenApiParameter("q", str, description="Name, MRN, phone or email")],
        responses={200: PatientSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class PatientDetailView(APIView):
    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(operation_id="patients_retrieve", responses={200: PatientSerializer, **ERRORS})
    def get(self, request: Request, patient_id: int) -> Response:
        patient = patient_get_for_staff(
            user=request.user, clinic=api_clinic(request), patient_id=patient_id
        )
        return Response(PatientSerializer(patient).data)


class InquiryListView(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = InquirySerializer

    def get_queryset(self) -> QuerySet[Inquiry]:
        return inquiry_list_for_clinic(
            user=self.request.user,
            clinic=api_clinic(self.request),
            status=self.request.query_params.get("status", "open"),
            search=self.request.query_params.get("q", "")[:100],
        )

    @extend_schema(
        operation_id="inquiries_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=["open", "all", *InquiryStatus.values],
                description="Default: open (new, contacted, consult booked)",
            ),
            OpenApiParameter("q", str, description="Name, email or phone"),
        ],
        responses={200: InquirySerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class InquiryDetailView(APIView):
    permission_classes = [IsStaffWithSecondFactor]

    @extend_schema(
        operation_id="inquiries_retrieve", responses={200: InquiryDetailSerializer, **ERRORS}
    )
    def get(self, request: Request, inquiry_id: int) -> Response:
        inquiry = inquiry_get_for_staff(
            user=request.user, clinic=api_clinic(request), inquiry_id=inquiry_id
        )
        return Response(InquiryDetailSerializer(inquiry).data)

    @extend_schema(
        operation_id="inquiries_update",
        request=InquiryUpdateSerializer,
        responses={200: InquiryDetailSerializer, **ERRORS},
    )
    def patch(self, request: Request, inquiry_id: int) -> Response:
        payload = InquiryUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        clinic = api_clinic(request)
        inquiry = inquiry_get_for_staff(user=request.user, clinic=clinic, inquiry_id=inquiry_id)
        status_value = payload.validated_data.get("status")
        inquiry_update(
            acting_user=_user(request),
            inquiry=inquiry,
            status=InquiryStatus(status_value) if status_value else None,
            note_text=payload.validated_data.get("note", ""),
        )
        refreshed = inquiry_get_for_staff(user=request.user, clinic=clinic, inquiry_id=inquiry_id)
        return Response(InquiryDetailSerializer(refreshed).data, status=status.HTTP_200_OK)
