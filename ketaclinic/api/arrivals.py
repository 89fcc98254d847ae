"""The arrivals list (issue 13): the front desk's view of the session day, without clinical
detail. The same door as the staff page (charting/board.py), so the same permission and audit."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import ERRORS, staff_caller
from ketaclinic.api.fields import ClinicDateTimeField, NamedEnum
from ketaclinic.api.permissions import api_clinic
from ketaclinic.api.sessions import SessionDayQuerySerializer, SessionListEndpoint
from ketaclinic.charting.board import ArrivalRow, ArrivalStatus, arrivals_for_user


class ArrivalStatusField(serializers.ChoiceField):
    """Where the patient is in their visit, as the `ArrivalStatusEnum` component."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=list(ArrivalStatus.LABELS.items()), **kwargs)


class ArrivalStatusEnum(NamedEnum):
    target_class = "ketaclinic.api.arrivals.ArrivalStatusField"
    component_name = "ArrivalStatusEnum"
    choices = list(ArrivalStatus.LABELS.items())


class ArrivalSerializer(serializers.Serializer):
    appointment_id = serializers.IntegerField()
    starts_at = ClinicDateTimeField()
    patient_id = serializers.IntegerField()
    patient_name = serializers.CharField()
    chair = serializers.CharField(allow_null=True)
    status = ArrivalStatusField()
    status_label = serializers.CharField()
    arrived_at = ClinicDateTimeField(allow_null=True, help_text="When the patient checked in.")
    escort_confirmed = serializers.BooleanField()
    can_check_in = serializers.BooleanField(
        help_text="Expected and not yet checked in (`POST /appointments/{id}/check-in`)."
    )


class ArrivalsView(SessionListEndpoint):
    serializer_class = ArrivalSerializer

    def get_queryset(self) -> list[ArrivalRow]:  # type: ignore[override]
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        # Permission first: a refused caller learns nothing from validation.
        require_permission(user=user, action=Action.ARRIVALS_VIEW, clinic=clinic)
        query = SessionDayQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        day: datetime.date = query.validated_data.get("date") or clinic.local_today()
        return arrivals_for_user(user=user, clinic=clinic, day=day, via="api")

    @extend_schema(
        operation_id="sessions_arrivals_list",
        summary="The arrivals list: the day's treatment visits without clinical detail",
        description="Every treatment visit starting on the clinic's day, in time order: the "
        "time, the patient, the chair, where they are in the visit (expected, arrived, "
        "in_treatment, ready_to_go_home, visit_over, no_show), when they checked in, whether "
        "their escort home is confirmed, and whether they can be checked in now. No alarms, "
        "vitals, doses or treatment steps: those are on `GET /sessions` for clinicians. Needs "
        "`arrivals.view` (front desk, clinic admin); each call is recorded as "
        "`arrivals.viewed`.",
        parameters=[SessionDayQuerySerializer],
        responses={200: ArrivalSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
