"""REST endpoint for the clinic dashboard's figures (issue 8), at the acting clinic.

Same figures, definitions and permission (REPORTS_VIEW) as the staff page `/staff/dashboard/`
(the `analytics.selectors` package); every rate comes with its numerator and denominator.
"""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.analytics.forms import DEFAULT_DAYS, MAX_DAYS
from ketaclinic.analytics.selectors import DashboardFilters, dashboard_figures
from ketaclinic.api.base import ERRORS, StaffEndpoint, staff_caller
from ketaclinic.api.permissions import api_clinic
from ketaclinic.core.errors import InvalidInput
from ketaclinic.scheduling.selectors import calendar_day_check

# --- inputs ------------------------------------------------------------------------------------


class DashboardQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


# --- outputs -----------------------------------------------------------------------------------


class RateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField(min_value=0)
    denominator = serializers.IntegerField(min_value=0)
    value = serializers.DecimalField(
        max_digits=9,
        decimal_places=1,
        allow_null=True,
        help_text="numerator / denominator × 100, one decimal; null when the denominator is 0.",
    )


class StageSerializer(serializers.Serializer):
    status = serializers.CharField()
    name = serializers.CharField(source="label")
    patients = serializers.IntegerField(min_value=0)


class OutcomeGroupSerializer(serializers.Serializer):
    indication = serializers.CharField(help_text="Empty in the overall row.")
    protocol_key = serializers.CharField(help_text="Empty in the overall row.")
    courses = serializers.IntegerField(min_value=0, help_text="Cohort courses in the group.")
    responded = RateSerializer(help_text="PHQ-9 response or remission, of courses measured.")
    remitted = RateSerializer(help_text="PHQ-9 remission, of courses measured.")


class DashboardSerializer(serializers.Serializer):
    date_from = serializers.DateField(source="filters.first_day")
    date_to = serializers.DateField(
        source="filters.last_day", help_text="Inclusive, in the clinic's calendar."
    )
    active_by_stage = StageSerializer(many=True, help_text="Patients with an open course, today.")
    cohort_courses = serializers.IntegerField(
        min_value=0, help_text="Courses whose first infusion fell in the period."
    )
    induction_completion = RateSerializer()
    outcomes = OutcomeGroupSerializer(many=True)
    outcomes_overall = OutcomeGroupSerializer()
    median_infusions_to_response = serializers.DecimalField(
        max_digits=5,
        decimal_places=1,
        allow_null=True,
        help_text="Infusions given before the first responding PHQ-9 after infusion 1, as on "
        "each patient's outcome page; the median over the courses that reached a response.",
    )
    responders_with_infusion_count = serializers.IntegerField(
        min_value=0, help_text="The courses that reached a response: the median's N."
    )
    infusions_given = serializers.IntegerField(min_value=0)
    side_effects = RateSerializer(help_text="Per 100 infusions given.")
    alarms = RateSerializer(help_text="Per 100 infusions given.")
    no_shows = RateSerializer(help_text="Percent of attended or missed appointments.")
    chair_utilisation = RateSerializer(
        help_text="Booked chair minutes over open chair minutes, percent."
    )


# --- endpoints ---------------------------------------------------------------------------------


class DashboardView(StaffEndpoint):
    @extend_schema(
        operation_id="dashboard_figures",
        summary="The clinic dashboard's figures for a period",
        description=(
            "Active patients by course stage, induction completion, PHQ-9 response and remission "
            "by indication and protocol (with counts), median infusions to response, side "
            "effects and alarms per 100 infusions, no-show rate and chair utilisation, at the "
            "acting clinic. Needs the reports permission (physicians, medical directors, clinic "
            f"admins, auditors). The period defaults to the last {DEFAULT_DAYS} days."
        ),
        parameters=[
            OpenApiParameter("date_from", datetime.date, required=False),
            OpenApiParameter("date_to", datetime.date, required=False),
        ],
        responses={200: DashboardSerializer, **ERRORS},
    )
    def get(self, request: Request) -> Response:
        user = staff_caller(request)
        clinic = api_clinic(request)
        require_permission(user=user, action=Action.REPORTS_VIEW, clinic=clinic)
        query = DashboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        last = calendar_day_check(day=query.validated_data.get("date_to") or clinic.local_today())
        first = query.validated_data.get("date_from") or last - datetime.timedelta(
            days=DEFAULT_DAYS - 1
        )
        calendar_day_check(day=first)
        if first > last:
            raise InvalidInput(
                "The end is before the start.", fields={"date_to": ["Before date_from."]}
            )
        if (last - first).days > MAX_DAYS:
            raise InvalidInput(
                "Choose a period of five years or less.",
                fields={"date_from": ["More than five years before date_to."]},
            )
        figures = dashboard_figures(
            filters=DashboardFilters(clinic=clinic, first_day=first, last_day=last)
        )
        return Response(DashboardSerializer(figures).data)
