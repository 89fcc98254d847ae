"""Who is calling: the caller themselves (`/me`) and the clinics the session or token reaches
(`/clinics`). About the caller and their clinics only (accounts and clinics, below the API's
floor); every app's own endpoints live in that app (`<app>/api`)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.api.base import ERRORS, StaffEndpoint, StaffListEndpoint, staff_caller
from ketaclinic.api.permissions import api_token
from ketaclinic.api.selectors import clinic_list_for_caller, membership_list_for_caller
from ketaclinic.api.serializers import ClinicSerializer, MeSerializer
from ketaclinic.clinics.models import Clinic


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


class ClinicListView(StaffListEndpoint):
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
