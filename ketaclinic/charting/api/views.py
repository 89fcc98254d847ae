"""The day board and the front desk's arrivals list, one session, check-in and the checklist.
The arrivals list (issue 13) is the front desk's view of the day without clinical detail: the
same door as the staff page (charting/board.py), so the same permission and audit."""

from __future__ import annotations

import datetime
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.permissions import require_permission
from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    allowed,
    staff_caller,
    validated_body,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.charting.access import session_in_clinic
from ketaclinic.charting.api.common import (
    WRITE_REFUSALS,
    SessionEndpoint,
    SessionListEndpoint,
    fields_named,
    respond,
    session_read,
    session_response,
)
from ketaclinic.charting.api.inputs import (
    ChecklistAnswerInputSerializer,
    EscortInputSerializer,
    MeasurementsInputSerializer,
    OverrideInputSerializer,
    SessionDayQuerySerializer,
)
from ketaclinic.charting.api.outputs import (
    ArrivalSerializer,
    BoardRowSerializer,
    SessionDetailSerializer,
    _session_data,
)
from ketaclinic.charting.board import ArrivalRow, arrivals_for_user, session_board_for_user
from ketaclinic.charting.selectors import BoardRow
from ketaclinic.charting.services import (
    checklist_answer,
    checklist_override,
    session_check_in,
    session_escort_confirm,
    session_measurements_record,
)
from ketaclinic.scheduling.access import appointment_get_for_staff

# --- reads ----------------------------------------------------------------------------------------


class SessionDayView(SessionListEndpoint):
    serializer_class = BoardRowSerializer

    def get_queryset(self) -> list[BoardRow]:  # type: ignore[override]
        user = staff_caller(self.request)
        clinic = api_clinic(self.request)
        require_permission(user=user, action=Action.SESSION_BOARD_VIEW, clinic=clinic)
        query = SessionDayQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        day: datetime.date = query.validated_data.get("date") or clinic.local_today()
        board = session_board_for_user(user=user, clinic=clinic, day=day, via="api")
        rows = [row for chair in board for row in chair.rows]
        rows.sort(key=lambda row: (row.appointment.starts_at, row.appointment.pk))
        return rows

    @extend_schema(
        operation_id="sessions_list",
        summary="The day board: the clinic's treatments on one day with their live state",
        description="Every treatment visit starting on the clinic's day (booked, completed or "
        "missed), in time order: its chair, the patient, the board status (expected, arrived, "
        "checklist, infusing, recovery, ready_for_discharge, discharged, not_given, no_show), "
        "since when, open alarms, whether the escort is confirmed and when vitals are next "
        "due. Needs `session_board.view` (physicians, medical director, nurses; the front "
        "desk's view is `GET /sessions/arrivals`); each call is recorded as "
        "`session_board.viewed`.",
        parameters=[SessionDayQuerySerializer],
        responses={200: BoardRowSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SessionDetailView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_retrieve",
        summary="One session: status, checklist, dose, times and discharge",
        description="The checklist as it stands now (each item with its status and detail, and "
        "whether the treatment can start, what blocks it and whether a physician may override "
        "it), the active dose preparation with every figure and who verified it, the pump or "
        "device times, the delivered dose, the end of the minimum observation and the "
        "discharge. Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: SessionDetailSerializer, **ERRORS},
    )
    def get(self, request: Request, session_id: int) -> Response:
        user, clinic, session = session_read(request, session_id, "session")
        return respond(SessionDetailSerializer, _session_data(session), clinic, viewer=user)


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


# --- check-in and checklist -----------------------------------------------------------------------


class CheckInView(SessionEndpoint):
    @extend_schema(
        operation_id="appointments_check_in",
        summary="Check the patient in for a booked treatment: the session begins",
        description="On the visit's day, for a booked treatment under a course (front desk, "
        "nurses, physicians: `appointment.book`). 409 `conflict` when already checked in, "
        "`precondition_failed` for a visit that is not a booked treatment today. The escort on "
        "file is copied to the session. Recorded as `session.checked_in`.",
        request=None,
        responses={201: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, appointment_id: int) -> Response:
        user, clinic = allowed(request, Action.APPOINTMENT_BOOK)
        appointment = appointment_get_for_staff(
            user=user, clinic=clinic, appointment_id=appointment_id
        )
        session = session_check_in(acting_user=user, appointment=appointment)
        return session_response(session.pk, clinic, user, status.HTTP_201_CREATED)


class ChecklistAnswerView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_checklist_answer",
        summary="Answer one item of the pre-infusion checklist",
        description="The items the nurse answers by hand; the latest answer counts. A failed "
        "item needs `detail`. Closed once the treatment has started (409). Needs "
        "`session.chart`; answers with the session and its checklist.",
        request=ChecklistAnswerInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(ChecklistAnswerInputSerializer, request)
        checklist_answer(
            acting_user=user,
            session=session,
            item=data["item"],
            status=data["status"],
            detail=data["detail"],
        )
        return session_response(session.pk, clinic, user)


class MeasurementsView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_measurements",
        summary="Today's weight (and height)",
        description="The dose is computed from today's weight, never an old one; refused (409) "
        "once a dose has been prepared. An implausible weight or height is a 400. Needs "
        "`session.chart`.",
        request=MeasurementsInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(MeasurementsInputSerializer, request)
        session_measurements_record(
            acting_user=user,
            session=session,
            weight_kg=data["weight_kg"],
            height_cm=data.get("height_cm"),
        )
        return session_response(session.pk, clinic, user)


class EscortView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_escort",
        summary="Confirm the escort's name and phone",
        description="The responsible adult who takes the patient home, before dosing. Needs "
        "`session.chart`.",
        request=EscortInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(EscortInputSerializer, request)
        with fields_named({"escort_name": "name", "escort_phone": "phone"}):
            session_escort_confirm(
                acting_user=user, session=session, name=data["name"], phone=data["phone"]
            )
        return session_response(session.pk, clinic, user)


class ChecklistOverrideView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_checklist_override",
        summary="A physician lets the treatment start despite a failed item (with a reason)",
        description="Only when every blocker is one a physician may override (a failed item "
        "other than identity, consent, REMS enrolment and escort, or a review-level reading); "
        "409 otherwise. Needs `checklist.override`; recorded as `session.overridden`.",
        request=OverrideInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.CHECKLIST_OVERRIDE)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(OverrideInputSerializer, request)
        checklist_override(acting_user=user, session=session, reason=data["reason"])
        return session_response(session.pk, clinic, user)
