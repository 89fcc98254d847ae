"""Scheduling's endpoints for a course's induction series: propose it in free chairs, and book it
whole. They sit at the course's URLs (`/courses/{id}/series…`); booking is scheduling's."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    StaffEndpoint,
    staff_caller,
    validated_body,
)
from ketaclinic.api.fields import clinic_context
from ketaclinic.api.permissions import api_clinic
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.courses.access import course_get_for_change
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.scheduling.api.inputs import SeriesInputSerializer, SeriesProposalInputSerializer
from ketaclinic.scheduling.api.outputs import AppointmentSerializer, SeriesProposalSerializer
from ketaclinic.scheduling.api.views import api_field_names
from ketaclinic.scheduling.selectors import chair_get
from ketaclinic.scheduling.series import ProposedSlot, series_book, series_propose
from ketaclinic.scheduling.services import local_moment


def _course_for_booking(request: Request, course_id: int) -> tuple[User, Clinic, TreatmentCourse]:
    user = staff_caller(request)
    clinic = api_clinic(request)
    course = course_get_for_change(
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
        data = validated_body(SeriesProposalInputSerializer, request)
        slots = series_propose(
            course=course,
            first_day=data["first_day"],
            weekdays=frozenset(data["weekdays"]),
            preferred_time=data["preferred_time"],
            count=data["count"],
        )
        return Response(
            SeriesProposalSerializer({"slots": slots}, context=clinic_context(clinic)).data
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
            chair = chair_get(clinic=clinic, chair_id=row["chair_id"], field=f"{prefix}chair_id")
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
