"""REST endpoints for treatment courses (issue 5): a patient's courses, creating and signing one,
its review, moving it between states, its dose orders, and booking its induction series.

As on the staff course page, clinical staff read a course whole, and the front desk, who books its
treatments, reads what scheduling needs: no doses, plans or recommendation (`clinical` is null and
`review.recommendation` is null for them). The courses and scheduling services decide everything.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Action
from ketaclinic.api.appointments import (
    AppointmentSerializer,
    ClinicDateTimeField,
    api_field_names,
    clinic_context,
)
from ketaclinic.api.base import ERRORS, REFUSED_BY_STATE, StaffEndpoint, staff_caller
from ketaclinic.api.fields import WallClockTimeField
from ketaclinic.api.inputs import (
    CourseInputSerializer,
    CourseStatusField,
    CourseStatusInputSerializer,
    DoseOrderInputSerializer,
    SeriesInputSerializer,
    SeriesProposalInputSerializer,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.selectors import (
    api_chair_get,
    api_course_get,
    api_course_list_for_patient,
    api_dose_order_list_for_course,
    course_reading_action,
)
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.courses.models import CourseStatus, DoseOrder, TreatmentCourse
from ketaclinic.courses.selectors import course_status_changes
from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
from ketaclinic.medicine.protocols import protocol_get
from ketaclinic.outcomes.course_review import CourseReview, course_review
from ketaclinic.patients.access import patient_get_for_staff
from ketaclinic.scheduling.series import ProposedSlot, series_book, series_propose
from ketaclinic.scheduling.services import local_moment

# --- shapes ------------------------------------------------------------------------------------


class CourseClinicalSerializer(serializers.Serializer):
    starting_dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = serializers.CharField()
    titration_plan = serializers.CharField()
    booster_plan = serializers.CharField()
    rems_patient_enrollment = serializers.CharField()
    note = serializers.CharField()


class CourseReviewSerializer(serializers.Serializer):
    infusions_given = serializers.IntegerField(min_value=0)
    infusions_booked = serializers.IntegerField(min_value=0)
    next_checkpoint = serializers.IntegerField(
        allow_null=True, help_text="The infusion at which the course is next reviewed."
    )
    recommendation = serializers.CharField(
        allow_null=True,
        help_text=(
            "What the course rules recommend at the review reached (stop, extend, continue); "
            "empty before the first review point; null for those who may not read the chart."
        ),
    )


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    patient_id = serializers.IntegerField()
    protocol_key = serializers.CharField()
    protocol_name = serializers.CharField()
    indication = serializers.CharField()
    status = CourseStatusField()
    status_reason = serializers.CharField()
    target_infusions = serializers.IntegerField(min_value=0)
    maximum_infusions = serializers.IntegerField(min_value=0)
    minimum_interval_hours = serializers.IntegerField(min_value=0)
    maximum_per_week = serializers.IntegerField(min_value=0)
    review_checkpoints = serializers.ListField(
        child=serializers.IntegerField(min_value=0), help_text="Infusion numbers of the reviews."
    )
    signed_by = serializers.CharField()
    signed_at = ClinicDateTimeField()
    clinical = CourseClinicalSerializer(
        allow_null=True, help_text="Doses and plans; null for those who may not read the chart."
    )


class CourseStatusChangeSerializer(serializers.Serializer):
    from_status = CourseStatusField()
    to_status = CourseStatusField()
    reason = serializers.CharField()
    changed_by = serializers.CharField(source="changed_by.full_name")
    changed_at = ClinicDateTimeField()


class CourseDetailSerializer(CourseSerializer):
    review = CourseReviewSerializer()
    status_history = CourseStatusChangeSerializer(
        many=True,
        allow_null=True,
        help_text="Every earlier move between states with its reason, oldest first (the course "
        "keeps only the current reason); null for those who may not read the chart.",
    )


class DoseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    dose = serializers.DecimalField(max_digits=6, decimal_places=3)
    dose_unit = serializers.CharField()
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="What the dosing rules said at signing."
    )
    override_reason = serializers.CharField()
    note = serializers.CharField()
    signed_by = serializers.CharField(source="signed_by.full_name")
    signed_at = ClinicDateTimeField()
    expires_at = ClinicDateTimeField()
    is_current = serializers.BooleanField(help_text="Signed and not yet expired.")


class ProposedSlotSerializer(serializers.Serializer):
    day = serializers.DateField(help_text="The clinic's day.")
    time = WallClockTimeField(help_text="The clinic's wall-clock time.")
    starts_at = ClinicDateTimeField()
    chair_id = serializers.IntegerField()
    chair_name = serializers.CharField()


class SeriesProposalSerializer(serializers.Serializer):
    slots = ProposedSlotSerializer(
        many=True, help_text="Send them (adjusted if need be) to `POST /courses/{id}/series`."
    )


def course_data(
    course: TreatmentCourse, *, sees_chart: bool, review: CourseReview | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": course.pk,
        "patient_id": course.patient_id,
        "protocol_key": course.protocol_key,
        "protocol_name": protocol_get(course.protocol_key).name,
        "indication": course.indication,
        "status": course.status,
        "status_reason": course.status_reason,
        "target_infusions": course.target_infusions,
        "maximum_infusions": course.maximum_infusions,
        "minimum_interval_hours": course.minimum_interval_hours,
        "maximum_per_week": course.maximum_per_week,
        "review_checkpoints": course.review_checkpoints,
        "signed_by": course.signed_by.full_name,
        "signed_at": course.signed_at,
        "clinical": course if sees_chart else None,
    }
    if review is not None:
        data["review"] = {
            "infusions_given": review.infusions_given,
            "infusions_booked": review.infusions_booked,
            "next_checkpoint": review.next_checkpoint,
            "recommendation": review.recommendation if sees_chart else None,
        }
    return data


def _course_response(
    course: TreatmentCourse, clinic: Clinic, *, sees_chart: bool, code: int = status.HTTP_200_OK
) -> Response:
    review = course_review(course=course)
    data = course_data(course, sees_chart=sees_chart, review=review)
    data["status_history"] = list(course_status_changes(course=course)) if sees_chart else None
    return Response(CourseDetailSerializer(data, context=clinic_context(clinic)).data, status=code)


def _dose_order_data(order: DoseOrder) -> dict[str, Any]:
    now = timezone.now()
    return {
        "id": order.pk,
        "course_id": order.course_id,
        "dose": order.dose,
        "dose_unit": order.dose_unit,
        "warnings": order.warnings,
        "override_reason": order.override_reason,
        "note": order.note,
        "signed_by": order.signed_by,
        "signed_at": order.signed_at,
        "expires_at": order.expires_at,
        "is_current": order.signed_at <= now < order.expires_at,
    }


# --- endpoints ---------------------------------------------------------------------------------


class PatientCoursesView(StaffEndpoint):
    @extend_schema(
        operation_id="patients_courses_list",
        summary="A patient's treatment courses, newest first",
        description=(
            "For clinical staff, and for the front desk without doses and plans. Recorded as a "
            "view of the patient's chart."
        ),
        responses={200: CourseSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        action = course_reading_action(user=user, clinic=clinic)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=action
        )
        sees_chart = action == Action.PATIENT_CHART_VIEW
        data = [
            course_data(course, sees_chart=sees_chart)
            for course in api_course_list_for_patient(patient=patient)
        ]
        return Response(CourseSerializer(data, many=True, context=clinic_context(clinic)).data)

    @extend_schema(
        operation_id="patients_courses_create",
        summary="Create and sign a treatment course (physicians)",
        description=(
            "Under the protocol of the patient's signed approval, with current consent for its "
            "treatment, within the clinic's course rules and the protocol's dose cap; one open "
            "course per patient. 409 `precondition_failed` without approval or consent, 409 "
            "`conflict` while another course is open. Recorded as `course.signed`."
        ),
        request=CourseInputSerializer,
        responses={201: CourseDetailSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, patient_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        patient = patient_get_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=Action.COURSE_SIGN
        )
        payload = CourseInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        course = course_create(
            acting_user=user,
            patient=patient,
            target_infusions=data["target_infusions"],
            starting_dose=data["starting_dose"],
            titration_plan=data["titration_plan"],
            booster_plan=data["booster_plan"],
            rems_patient_enrollment=data["rems_patient_enrollment"],
            note=data["note"],
        )
        response = _course_response(course, clinic, sees_chart=True, code=status.HTTP_201_CREATED)
        response["Location"] = reverse("api_course", kwargs={"course_id": course.pk})
        return response


def _course_for_reading(request: Request, course_id: int) -> tuple[TreatmentCourse, bool]:
    """The course, through the patient access door (a chart view), and whether the caller sees
    its clinical detail."""
    user = staff_caller(request)
    clinic = api_clinic(request)
    action = course_reading_action(user=user, clinic=clinic)
    course = api_course_get(user=user, clinic=clinic, course_id=course_id, action=action)
    patient_get_for_staff(user=user, clinic=clinic, patient_id=course.patient_id, action=action)
    return course, action == Action.PATIENT_CHART_VIEW


class CourseDetailView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_retrieve",
        summary="One treatment course, with where it stands against its review points",
        description=(
            "Infusions given and booked and the next review point for everyone who books; the "
            "doses, plans and the course rules' recommendation for clinical staff only. Recorded "
            "as a view of the patient's chart."
        ),
        responses={200: CourseDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, course_id: int) -> Response:
        course, sees_chart = _course_for_reading(request, course_id)
        return _course_response(course, api_clinic(request), sees_chart=sees_chart)


class CourseStatusView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_status_create",
        summary="Move a course along its lifecycle (physicians)",
        description=(
            "planned → induction → extended → maintenance → completed, or stopped from any open "
            "state; extended and stopped need a reason. 409 for a move the lifecycle does not "
            "allow. Recorded as `course.status_changed`."
        ),
        request=CourseStatusInputSerializer,
        responses={200: CourseDetailSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, course_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        course = api_course_get(
            user=user, clinic=clinic, course_id=course_id, action=Action.COURSE_SIGN
        )
        payload = CourseStatusInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        updated = course_transition(
            acting_user=user,
            course=course,
            to_status=CourseStatus(payload.validated_data["to_status"]),
            reason=payload.validated_data["reason"],
        )
        updated.signed_by = course.signed_by
        return _course_response(updated, clinic, sees_chart=True)


class CourseDoseOrdersView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_dose_orders_list",
        summary="A course's dose orders, newest first (clinical staff)",
        responses={200: DoseOrderSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, course_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        course = api_course_get(
            user=user, clinic=clinic, course_id=course_id, action=Action.PATIENT_CHART_VIEW
        )
        patient_get_for_staff(user=user, clinic=clinic, patient_id=course.patient_id)
        orders = [
            _dose_order_data(order) for order in api_dose_order_list_for_course(course=course)
        ]
        return Response(DoseOrderSerializer(orders, many=True, context=clinic_context(clinic)).data)

    @extend_schema(
        operation_id="courses_dose_orders_create",
        summary="Sign a dose order (physicians with a licence and DEA registration)",
        description=(
            "Checked against the protocol: a dose above its cap needs `override_reason`. Valid "
            "for `valid_days` (at most the clinic's maximum, its default). 409 when the course "
            "is closed. Recorded as `dose_order.signed`."
        ),
        request=DoseOrderInputSerializer,
        responses={201: DoseOrderSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, course_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        course = api_course_get(
            user=user, clinic=clinic, course_id=course_id, action=Action.DOSE_ORDER_SIGN
        )
        payload = DoseOrderInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        order = dose_order_sign(
            acting_user=user,
            course=course,
            dose=data["dose"],
            override_reason=data["override_reason"],
            note=data["note"],
            valid_days=data["valid_days"],
        )
        return Response(
            DoseOrderSerializer(_dose_order_data(order), context=clinic_context(clinic)).data,
            status=status.HTTP_201_CREATED,
        )


def _course_for_booking(request: Request, course_id: int) -> tuple[User, Clinic, TreatmentCourse]:
    user = staff_caller(request)
    clinic = api_clinic(request)
    course = api_course_get(
        user=user, clinic=clinic, course_id=course_id, action=Action.APPOINTMENT_BOOK
    )
    return user, clinic, course


class CourseSeriesProposalView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_series_proposal_create",
        summary="Propose the course's induction series in free chairs",
        description=(
            "The earliest series of `count` treatments on the preferred weekdays, at the "
            "preferred time or the nearest free quarter hour, that every booking rule allows "
            "(opening hours, free chair, the patient's other visits, the course's interval and "
            "weekly maximum, a dose order covering each). Nothing is booked. 409 when no dose "
            "order is signed or the series does not fit in six weeks."
        ),
        request=SeriesProposalInputSerializer,
        responses={200: SeriesProposalSerializer, **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, course_id: int) -> Response:
        _, clinic, course = _course_for_booking(request, course_id)
        payload = SeriesProposalInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        slots = series_propose(
            course=course,
            first_day=data["first_day"],
            weekdays=frozenset(data["weekdays"]),
            preferred_time=data["preferred_time"],
            count=data["count"],
        )
        rows = []
        for slot in slots:
            local = slot.starts_at.astimezone(clinic.zone)
            rows.append(
                {
                    "day": local.date(),
                    "time": local.time(),
                    "starts_at": slot.starts_at,
                    "chair_id": slot.chair.pk,
                    "chair_name": slot.chair.name,
                }
            )
        return Response(
            SeriesProposalSerializer({"slots": rows}, context=clinic_context(clinic)).data
        )


class CourseSeriesView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_series_create",
        summary="Book the course's series: every row or none",
        description=(
            "Each row is booked as a single treatment would be, in one transaction. A refused row "
            "books nothing: the answer names it (its number in time order, day, time and chair) "
            "with the booking rule's reason, 409 or 400 as for a single booking. Recorded as "
            "`appointment.booked` for each."
        ),
        request=SeriesInputSerializer,
        responses={201: AppointmentSerializer(many=True), **ERRORS, **REFUSED_BY_STATE},
    )
    def post(self, request: Request, course_id: int) -> Response:
        user, clinic, course = _course_for_booking(request, course_id)
        payload = SeriesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        slots = []
        for index, row in enumerate(payload.validated_data["slots"]):
            prefix = f"slots[{index}]."
            with api_field_names(prefix):
                starts_at = local_moment(clinic=clinic, day=row["day"], time=row["time"])
            chair = api_chair_get(
                clinic=clinic, chair_id=row["chair_id"], field=f"{prefix}chair_id"
            )
            slots.append(ProposedSlot(starts_at, chair))
        try:
            booked = series_book(acting_user=user, course=course, slots=slots)
        except InvalidInput as error:
            # The message names the row; a field of no one row would mislead.
            raise InvalidInput(error.message) from error
        return Response(
            AppointmentSerializer(booked, many=True, context=clinic_context(clinic)).data,
            status=status.HTTP_201_CREATED,
        )
