"""REST endpoints for appointments (issue 5): a clinic's day, a patient's appointments, booking,
moving, cancelling, marking missed, and free chair time.

Times in: the clinic's wall clock, `day` (YYYY-MM-DD) and `time` (HH:MM), turned into an instant by
`scheduling.services.local_moment`, which refuses a time the clocks skip. Times out: instants as
ISO 8601 with the clinic's UTC offset, times of day (opening hours) as `HH:MM:SS`. So a 09:00
booking reads 09:00 on either side of a clock change.
Every rule that refuses a booking is the scheduling service's; these views parse and render.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller
from ketaclinic.api.fields import ClinicDateTimeField, WallClockTimeField, clinic_context
from ketaclinic.api.inputs import (
    AppointmentInputSerializer,
    AppointmentStatusField,
    ReasonInputSerializer,
    RescheduleInputSerializer,
)
from ketaclinic.api.permissions import IsStaffWithSecondFactor, api_clinic
from ketaclinic.api.selectors import (
    api_appointment_get,
    api_appointment_list_for_day,
    api_appointment_list_for_patient,
    api_chair_get,
    api_clinician_get,
    course_reading_action,
)
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.courses.selectors import course_open_for_patient
from ketaclinic.medicine.visits import VisitKind, is_treatment
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.models import VISIT_KIND_CHOICES, Appointment
from ketaclinic.scheduling.selectors import chair_availability_for_day
from ketaclinic.scheduling.services import (
    appointment_book,
    appointment_cancel,
    appointment_mark_no_show,
    appointment_reschedule,
    local_moment,
)

# --- shapes ------------------------------------------------------------------------------------


class AppointmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField(source="patient.display_name")
    medical_record_number = serializers.CharField(source="patient.medical_record_number")
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    status = AppointmentStatusField()
    starts_at = ClinicDateTimeField()
    ends_at = ClinicDateTimeField(help_text="Preparation, treatment and recovery included.")
    chair_id = serializers.IntegerField(allow_null=True)
    chair_name = serializers.CharField(source="chair.name", allow_null=True, default=None)
    course_id = serializers.IntegerField(
        allow_null=True, help_text="The treatment course a treatment is given under."
    )
    clinician_id = serializers.IntegerField(allow_null=True)
    clinician_name = serializers.CharField(
        source="clinician.full_name", allow_null=True, default=None
    )
    note = serializers.CharField()
    status_reason = serializers.CharField(help_text="Why it was cancelled or missed.")


class DayQuerySerializer(serializers.Serializer):
    day = serializers.DateField(
        required=False, help_text="The clinic's day, YYYY-MM-DD; today at the clinic by default."
    )


class AvailabilityQuerySerializer(DayQuerySerializer):
    kind = serializers.ChoiceField(
        choices=VISIT_KIND_CHOICES, help_text="The kind of visit, which sets its length."
    )


class FreePeriodSerializer(serializers.Serializer):
    starts_at = ClinicDateTimeField()
    ends_at = ClinicDateTimeField()
    latest_start = ClinicDateTimeField(
        help_text="The last moment a visit of this kind can start here and end by `ends_at`."
    )


class ChairAvailabilitySerializer(serializers.Serializer):
    chair_id = serializers.IntegerField(source="chair.pk")
    chair_name = serializers.CharField(source="chair.name")
    free = FreePeriodSerializer(many=True)


class PeriodSerializer(serializers.Serializer):
    opens_at = WallClockTimeField()
    closes_at = WallClockTimeField()


class AvailabilitySerializer(serializers.Serializer):
    day = serializers.DateField()
    kind = serializers.ChoiceField(choices=VISIT_KIND_CHOICES)
    duration_minutes = serializers.IntegerField(min_value=0, max_value=24 * 60)
    opening_hours = PeriodSerializer(many=True, help_text="Empty: the clinic is closed that day.")
    chairs = ChairAvailabilitySerializer(many=True, help_text="Every chair in service.")


# --- endpoints ---------------------------------------------------------------------------------


def _day(request: Request, clinic: Clinic) -> datetime.date:
    query = DayQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    day: datetime.date = query.validated_data.get("day") or clinic.local_today()
    return day


class AppointmentListEndpoint(generics.ListAPIView):
    permission_classes = [IsStaffWithSecondFactor]
    serializer_class = AppointmentSerializer

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **clinic_context(api_clinic(self.request))}


class AppointmentListView(AppointmentListEndpoint):
    def get_queryset(self) -> QuerySet[Appointment]:
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        # Permission before the query is read.
        require_permission(user=user, action=Action.APPOINTMENT_BOOK, clinic=clinic)
        return api_appointment_list_for_day(
            user=user, clinic=clinic, day=_day(self.request, clinic)
        )

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
        payload = AppointmentInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
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
                    api_clinician_get(clinic=clinic, user_id=data["clinician_id"])
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
    return None if chair_id is None else api_chair_get(clinic=clinic, chair_id=chair_id)


def _rendered(appointment_id: int, user: User, clinic: Clinic) -> Response:
    """The appointment as it now is."""
    appointment = api_appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)
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
        appointment = api_appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)
        payload = RescheduleInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
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
        appointment = api_appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)
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
        appointment = api_appointment_get(user=user, clinic=clinic, appointment_id=appointment_id)
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
        patient = patient_get_for_staff(
            user=user,
            clinic=clinic,
            patient_id=self.kwargs["patient_id"],
            action=course_reading_action(user=user, clinic=clinic),
        )
        return api_appointment_list_for_patient(patient=patient)

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
