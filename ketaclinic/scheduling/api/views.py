"""Scheduling's endpoints for appointments: a clinic's day, a patient's appointments, booking,
moving, cancelling, marking missed, and free chair time."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
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
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    StaffEndpoint,
    StaffListEndpoint,
    staff_caller,
    validated_body,
)
from ketaclinic.api.fields import clinic_context
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.courses.selectors import course_open_for_patient
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.access import appointment_get_for_staff, appointment_list_for_staff
from ketaclinic.scheduling.api.inputs import (
    AppointmentInputSerializer,
    AvailabilityQuerySerializer,
    DayQuerySerializer,
    ReasonInputSerializer,
    RescheduleInputSerializer,
)
from ketaclinic.scheduling.api.outputs import AppointmentSerializer, AvailabilitySerializer
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.selectors import (
    appointment_list_for_day,
    chair_availability_for_day,
    chair_get,
    clinician_get,
)
from ketaclinic.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    local_moment,
)


def _day(request: Request, clinic: Clinic) -> datetime.date:
    query = DayQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    day: datetime.date = query.validated_data.get("day") or clinic.local_today()
    return day


class AppointmentListEndpoint(StaffListEndpoint):
    serializer_class = AppointmentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **clinic_context(api_clinic(self.request))}


class AppointmentListView(AppointmentListEndpoint):
    def get_queryset(self) -> QuerySet[Appointment]:
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        # Permission before the query is read.
        require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
        return appointment_list_for_day(user=user, clinic=clinic, day=_day(self.request, clinic))

    @extend_schema(
        operation_id="appointments_list",
        summary="The clinic's appointments on one day",
        description=(
            "Every appointment starting on the clinic's day (whatever its status), in time order."
        ),
        parameters=[DayQuerySerializer],
        responses={200: AppointmentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="appointments_create",
        summary="Book an appointment",
        description=(
            "At the clinic's wall-clock `day` and `time`. A treatment (IV infusion, pain "
            "infusion, esketamine, booster) is booked under the patient's open treatment course "
            "and needs a chair. Refused with the scheduling service's reason: 409 `conflict` for "
            "the patient or the chair already booked, 409 `precondition_failed` for a time "
            "outside the opening hours, no open course, no current consent or dose order, the "
            "course's minimum interval or weekly maximum; 400 for a time in the past or skipped "
            "by a clock change. Recorded as `appointment.booked`."
        ),
        request=AppointmentInputSerializer,
        responses={201: AppointmentSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        # Permission first: a refused caller learns nothing from validation.
        require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
        data = validated_body(AppointmentInputSerializer, request)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=data["patient_id"], action=Action.APPOINTMENT_BOOK
        )
        kind = VisitKind(data["kind"])
        with api_field_names():
            appointment = appointment_book(
                acting_user=user,
                patient=patient,
                kind=kind,
                starts_at=local_moment(clinic=clinic, day=data["day"], time=data["time"]),
                chair=_chair(clinic, data["chair_id"]),
                clinician=(
                    clinician_get(clinic=clinic, user_id=data["clinician_id"])
                    if data["clinician_id"] is not None
                    else None
                ),
                note=data["note"],
                course=course_open_for_patient(patient=patient) if is_treatment(kind) else None,
            )
        response = Response(
            AppointmentSerializer(appointment, context=clinic_context(clinic)).data,
            status=status.HTTP_201_CREATED,
        )
        response["Location"] = reverse("api_appointment", kwargs={"appointment_id": appointment.pk})
        return response


# The scheduling service names its inputs `chair` and `clinician`; the API's are `…_id`.
_FIELD_NAMES = {"chair": "chair_id", "clinician": "clinician_id"}


@contextmanager
def api_field_names(prefix: str = "") -> Iterator[None]:
    """A service's field messages under the names of the API's body (`prefix` for a row)."""
    try:
        yield
    except InvalidInput as error:
        fields = {f"{prefix}{_FIELD_NAMES.get(k, k)}": v for k, v in error.fields.items()}
        raise InvalidInput(error.message, fields=fields) from error


def _chair(clinic: Clinic, chair_id: int | None) -> Chair | None:
    return None if chair_id is None else chair_get(clinic=clinic, chair_id=chair_id)


def _rendered(appointment_id: int, user: User, clinic: Clinic) -> Response:
    """The appointment as it now is."""
    appointment = appointment_get_for_staff(user=user, clinic=clinic, appointment_id=appointment_id)
    return Response(AppointmentSerializer(appointment, context=clinic_context(clinic)).data)


class AppointmentDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="appointments_retrieve",
        summary="One appointment",
        responses={200: AppointmentSerializer, **ERRORS},
    )
    def get(self, request: Request, appointment_id: int) -> Response:
        return _rendered(appointment_id, staff_caller(request), api_clinic(request))


class AppointmentRescheduleView(StaffEndpoint):
    @extend_schema(
        operation_id="appointments_reschedule",
        summary="Move a booked appointment",
        description=(
            "To another wall-clock `day` and `time` (and chair); every booking rule is checked "
            "again, and the old time is free at once. 409 when it is no longer booked. Recorded "
            "as `appointment.rescheduled`."
        ),
        request=RescheduleInputSerializer,
        responses={200: AppointmentSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        appointment = appointment_get_for_staff(
            user=user, clinic=clinic, appointment_id=appointment_id
        )
        data = validated_body(RescheduleInputSerializer, request)
        chair = _chair(clinic, data["chair_id"]) if "chair_id" in data else appointment.chair
        with api_field_names():
            appointment_reschedule(
                acting_user=user,
                appointment=appointment,
                starts_at=local_moment(clinic=clinic, day=data["day"], time=data["time"]),
                chair=chair,
                reason=data["reason"],
            )
        return _rendered(appointment_id, user, clinic)


class AppointmentCancelView(StaffEndpoint):
    @extend_schema(
        operation_id="appointments_cancel",
        summary="Cancel a booked appointment, with the reason",
        description=(
            "The time and chair are free at once. 409 when it is no longer booked. Recorded as "
            "`appointment.cancelled`."
        ),
        request=ReasonInputSerializer,
        responses={200: AppointmentSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        appointment = appointment_get_for_staff(
            user=user, clinic=clinic, appointment_id=appointment_id
        )
        payload = ReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        appointment_cancel(
            acting_user=user, appointment=appointment, reason=payload.validated_data["reason"]
        )
        return _rendered(appointment_id, user, clinic)


class AppointmentNoShowView(StaffEndpoint):
    @extend_schema(
        operation_id="appointments_no_show",
        summary="Mark a booked appointment missed, with the reason",
        description=("Only once it has started (409 before). Recorded as `appointment.no_show`."),
        request=ReasonInputSerializer,
        responses={200: AppointmentSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        appointment = appointment_get_for_staff(
            user=user, clinic=clinic, appointment_id=appointment_id
        )
        payload = ReasonInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        appointment_mark_no_show(
            acting_user=user, appointment=appointment, reason=payload.validated_data["reason"]
        )
        return _rendered(appointment_id, user, clinic)


class PatientAppointmentListView(AppointmentListEndpoint):
    def get_queryset(self) -> QuerySet[Appointment]:
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        return appointment_list_for_staff(
            user=user, clinic=clinic, patient_id=self.kwargs["patient_id"]
        )

    @extend_schema(
        operation_id="patients_appointments_list",
        summary="A patient's appointments, latest first",
        description=(
            "For clinical staff and for those who book appointments. Recorded as a view of the "
            "patient's chart."
        ),
        responses={200: AppointmentSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class AvailabilityView(StaffEndpoint):
    @extend_schema(
        operation_id="availability_retrieve",
        summary="Free chair time for a kind of visit on one day",
        description=(
            "Each chair in service with the stretches of the clinic's day, inside its opening "
            "hours and from the next quarter hour on, in which no booked or completed appointment "
            "holds it and a visit of `kind` fits. Advisory: a booking is still checked against "
            "every rule (the patient's other visits, the course's spacing, the dose order)."
        ),
        parameters=[AvailabilityQuerySerializer],
        responses={200: AvailabilitySerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        day = query.validated_data.get("day") or clinic.local_today()
        availability = chair_availability_for_day(
            clinic=clinic, day=day, kind=query.validated_data["kind"]
        )
        data = {
            "day": availability.day,
            "kind": availability.kind,
            "duration_minutes": int(availability.duration.total_seconds() // 60),
            "opening_hours": [
                {"opens_at": opens, "closes_at": closes}
                for opens, closes in availability.opening_hours
            ],
            "chairs": availability.chairs,
        }
        return Response(AvailabilitySerializer(data, context=clinic_context(clinic)).data)
