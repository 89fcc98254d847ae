"""The course endpoints that show where a course stands against its review points (issue 5): a
patient's courses (listed, and a new one signed), one course, and its moves between states.

Their answer carries `course_review`, which reads the course's appointments (scheduling) and the
patient's PHQ-9 scores (outcomes), so they live here, on the floor above both, as the staff course
page lives in `staff`. The shapes are courses' (`ketaclinic.courses.api.outputs`); the courses
services decide everything.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
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
from ketaclinic.clinics.models import Clinic
from ketaclinic.courses.access import (
    course_get_for_change,
    course_get_for_staff,
    course_list_for_staff,
)
from ketaclinic.courses.api.inputs import CourseInputSerializer, CourseStatusInputSerializer
from ketaclinic.courses.api.outputs import CourseDetailSerializer, CourseSerializer, course_data
from ketaclinic.courses.models import CourseStatus, TreatmentCourse
from ketaclinic.courses.selectors import (
    course_reading_action,
    course_status_changes,
)
from ketaclinic.courses.services import course_create, course_transition
from ketaclinic.outcomes.course_review import course_review
from ketaclinic.patients.access import patient_get_for_staff


def _course_response(
    course: TreatmentCourse, clinic: Clinic, *, sees_chart: bool, code: int = status.HTTP_200_OK
) -> Response:
    review = course_review(course=course)
    data: dict[str, Any] = course_data(course, sees_chart=sees_chart)
    data["review"] = {
        "infusions_given": review.infusions_given,
        "infusions_booked": review.infusions_booked,
        "next_checkpoint": review.next_checkpoint,
        "recommendation": review.recommendation if sees_chart else None,
    }
    data["status_history"] = list(course_status_changes(course=course)) if sees_chart else None
    return Response(CourseDetailSerializer(data, context=clinic_context(clinic)).data, status=code)


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
        courses = course_list_for_staff(
            user=user, clinic=clinic, patient_id=patient_id, action=action
        )
        sees_chart = action == Action.PATIENT_CHART_VIEW
        data = [course_data(course, sees_chart=sees_chart) for course in courses]
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
        data = validated_body(CourseInputSerializer, request)
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
    course = course_get_for_staff(user=user, clinic=clinic, course_id=course_id, action=action)
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
        course = course_get_for_change(
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
