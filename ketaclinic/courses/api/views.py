"""Courses' endpoints: a course's dose orders. The courses services decide everything."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

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
from ketaclinic.courses.access import course_get_for_change, course_get_for_staff
from ketaclinic.courses.api.inputs import DoseOrderInputSerializer
from ketaclinic.courses.api.outputs import DoseOrderSerializer
from ketaclinic.courses.selectors import dose_order_list_for_course
from ketaclinic.courses.services import dose_order_sign


class CourseDoseOrdersView(StaffEndpoint):
    @extend_schema(
        operation_id="courses_dose_orders_list",
        summary="A course's dose orders, newest first (clinical staff)",
        responses={200: DoseOrderSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, course_id: int) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        course = course_get_for_staff(
            user=user, clinic=clinic, course_id=course_id, action=Action.PATIENT_CHART_VIEW
        )
        orders = dose_order_list_for_course(course=course)
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
        course = course_get_for_change(
            user=user, clinic=clinic, course_id=course_id, action=Action.DOSE_ORDER_SIGN
        )
        data = validated_body(DoseOrderInputSerializer, request)
        order = dose_order_sign(
            acting_user=user,
            course=course,
            dose=data["dose"],
            override_reason=data["override_reason"],
            note=data["note"],
            valid_days=data["valid_days"],
        )
        return Response(
            DoseOrderSerializer(order, context=clinic_context(clinic)).data,
            status=status.HTTP_201_CREATED,
        )
