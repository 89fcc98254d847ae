"""The patient endpoints. Thin: the staff registration form checks what the staff page checks,
the registration service decides (permission, duplicates, audit); a refusal becomes the API's
error body."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, StaffEndpoint, StaffListEndpoint, staff_caller
from ketaclinic.api.errors import error_body, form_refusal
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.inquiries.models import Inquiry
from ketaclinic.inquiries.selectors import inquiry_get_for_staff
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.patients.api.inputs import (
    InquiryRegistrationSerializer,
    PatientListQuerySerializer,
    PatientRegistrationSerializer,
)
from ketaclinic.patients.api.outputs import (
    POSSIBLE_DUPLICATE,
    DuplicateCandidateSerializer,
    PatientSerializer,
)
from ketaclinic.patients.forms import PatientRegistrationForm, registration_initial_from_inquiry
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.patients.selectors import patient_list_for_clinic
from ketaclinic.patients.services import PatientDetails, PossibleDuplicate, patient_register


def patient_register_from_request(
    request: Request,
    *,
    user: User,
    clinic: Clinic,
    serializer_class: type[PatientRegistrationSerializer] = PatientRegistrationSerializer,
    inquiry: Inquiry | None = None,
) -> Response:
    payload = serializer_class(data=request.data)
    payload.is_valid(raise_exception=True)
    values: dict[str, Any] = {**(registration_initial_from_inquiry(inquiry) if inquiry else {})}
    values.update(payload.validated_data)
    values["date_of_birth"] = values["date_of_birth"].isoformat()
    # The staff form's own checks (phone numbers, state, ZIP code, email, a way to reach them).
    form = PatientRegistrationForm(data=values)
    if not form.is_valid():
        raise form_refusal(form)
    data = form.cleaned_data
    details = PatientDetails(
        **{name: data[name] for name in PatientDetails.__dataclass_fields__ if name in data}
        | {"sex_at_birth": SexAtBirth(data["sex_at_birth"])}
    )
    try:
        patient = patient_register(
            acting_user=user,
            clinic=clinic,
            details=details,
            confirmed_not_duplicate=data["confirmed_not_duplicate"],
            from_inquiry=inquiry,
        )
    except PossibleDuplicate as duplicate:
        body = error_body(
            duplicate.code.value,
            f'{duplicate.message} To register anyway, send "confirmed_not_duplicate": true.',
        )
        body["possible_duplicates"] = DuplicateCandidateSerializer(
            duplicate.candidates, many=True
        ).data
        return Response(body, status=duplicate.http_status)
    response = Response(PatientSerializer(patient).data, status=status.HTTP_201_CREATED)
    response["Location"] = reverse("api_patient", kwargs={"patient_id": patient.pk})
    return response


class PatientListView(StaffListEndpoint):
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
        inquiry = inquiry_get_for_staff(
            user=user, clinic=clinic, inquiry_id=inquiry_id, record_view=False
        )
        return patient_register_from_request(
            request,
            user=user,
            clinic=clinic,
            serializer_class=InquiryRegistrationSerializer,
            inquiry=inquiry,
        )
