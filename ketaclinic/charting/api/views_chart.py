"""What is charted at the chair: vital signs and alarms, side effects, PRNs and scores."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import (
    ERRORS,
    StaffEndpoint,
    allowed,
    validated_body,
)
from ketaclinic.charting.access import session_in_clinic
from ketaclinic.charting.api.common import (
    ALARM_NOT_FOUND,
    IDEMPOTENCY_PARAMETER,
    RETRIED,
    SIDE_EFFECT_NOT_FOUND,
    WRITE_REFUSALS,
    SessionEndpoint,
    SessionListEndpoint,
    fields_named,
    idempotency_key,
    idempotent_response,
    respond,
    sent_once_status,
    session_read,
)
from ketaclinic.charting.api.inputs import (
    AlarmAcknowledgeInputSerializer,
    PrnInputSerializer,
    ScoreInputSerializer,
    SideEffectInputSerializer,
    SideEffectResolveInputSerializer,
    VitalsInputSerializer,
)
from ketaclinic.charting.api.outputs import (
    AlarmSerializer,
    PrnSerializer,
    ScoreSerializer,
    SideEffectSerializer,
    VitalsSerializer,
    reading_body,
)
from ketaclinic.charting.models import (
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.charting.selectors import (
    prn_dose_with_responses,
    session_alarm_get_for_clinic,
    side_effect_get_for_clinic,
    side_effect_get_for_session,
    vital_sign_reading_list_for_session,
    vital_sign_reading_with_alarms,
)
from ketaclinic.charting.services import (
    alarm_acknowledge,
    prn_record,
    session_reference,
    session_score_record,
    side_effect_record,
    side_effect_resolve,
    vitals_record,
)
from ketaclinic.core.errors import InvalidInput, NotFound

# --- vitals and alarms ----------------------------------------------------------------------------


def _readings(session: TreatmentSession) -> list[VitalSignReading]:
    return vital_sign_reading_list_for_session(session=session)


class SessionVitalsView(SessionListEndpoint):
    serializer_class = VitalsSerializer
    parser_classes = StaffEndpoint.parser_classes

    def get_queryset(self) -> list[VitalSignReading]:  # type: ignore[override]
        _, _, session = session_read(self.request, self.kwargs["session_id"], "vitals")
        return _readings(session)

    @extend_schema(
        operation_id="sessions_vitals_list",
        summary="The session's vital-sign readings, in time order, with their alarms",
        description="Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: VitalsSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="sessions_vitals_create",
        summary="Record one vital-signs reading",
        description="A reading no patient could have (systolic 400, SpO2 120, heart rate 0) is "
        "a 400 and nothing is stored; a time in the future or before check-in is a 400 on "
        "`measured_at`. Before the start the clinical rules decide go / review / hold "
        "(`pre_infusion_decision`, feeding the checklist); after it they raise alarms "
        "(`alarm_level` 1 warning, 2 critical), answered here with the reading and escalated "
        "to the physician when not acknowledged in time. Needs `session.chart`; recorded as "
        "`session.vitals_recorded`.",
        request=VitalsInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: VitalsSerializer,
            200: OpenApiResponse(VitalsSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        key = idempotency_key(request)
        data = validated_body(VitalsInputSerializer, request)
        # The service reads the session once, under its lock and within the clinic (404 else).
        session = session_reference(clinic=clinic, session_id=session_id)
        reading = vitals_record(acting_user=user, session=session, idempotency_key=key, **data)
        if reading.is_retry:
            # A new reading comes with the alarms it raised; a stored one reads them.
            reading = vital_sign_reading_with_alarms(reading=reading)
        return Response(reading_body(reading, clinic.zone), status=sent_once_status(reading))


class AlarmAcknowledgeView(SessionEndpoint):
    @extend_schema(
        operation_id="alarms_acknowledge",
        summary="Acknowledge an alarm and say what was done",
        description="Late is allowed (the time is when it is acknowledged) until the session's "
        "note is signed; after that 409: what was done goes in an addendum to the note. 409 "
        "when already acknowledged. Needs `session.chart`; recorded as "
        "`session.alarm_acknowledged`.",
        request=AlarmAcknowledgeInputSerializer,
        responses={200: AlarmSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, alarm_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        alarm = session_alarm_get_for_clinic(clinic=clinic, alarm_id=alarm_id)
        if alarm is None:
            raise NotFound(ALARM_NOT_FOUND)
        data = validated_body(AlarmAcknowledgeInputSerializer, request)
        updated = alarm_acknowledge(
            acting_user=user, alarm=alarm, action_taken=data["action_taken"]
        )
        return respond(AlarmSerializer, updated, clinic)


# --- side effects, PRNs and scores ----------------------------------------------------------------


class SideEffectView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_side_effects_create",
        summary="Record a side effect",
        description="Its kind, severity and the action taken (`other` needs a description). "
        "Needs `session.chart`; recorded as `session.charted`.",
        request=SideEffectInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: SideEffectSerializer,
            200: OpenApiResponse(SideEffectSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_reference(clinic=clinic, session_id=session_id)  # read under its lock
        key = idempotency_key(request)
        data = validated_body(SideEffectInputSerializer, request)
        effect = side_effect_record(acting_user=user, session=session, idempotency_key=key, **data)
        return idempotent_response(SideEffectSerializer, effect, clinic, effect)


class SideEffectResolveView(SessionEndpoint):
    @extend_schema(
        operation_id="side_effects_resolve",
        summary="Mark a side effect resolved",
        description="Not before its onset, not in the future; 409 when already resolved, and "
        "409 once the session is discharged or not given (its chart is closed: the resolution "
        "goes in an addendum to the signed note). Needs `session.chart`.",
        request=SideEffectResolveInputSerializer,
        responses={200: SideEffectSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, side_effect_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        effect = side_effect_get_for_clinic(clinic=clinic, side_effect_id=side_effect_id)
        if effect is None:
            raise NotFound(SIDE_EFFECT_NOT_FOUND)
        data = validated_body(SideEffectResolveInputSerializer, request)
        updated = side_effect_resolve(
            acting_user=user, side_effect=effect, resolved_at=data["resolved_at"], note=data["note"]
        )
        return respond(SideEffectSerializer, updated, clinic)


class PrnView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_prns_create",
        summary="Record a PRN medication given",
        description="Drug, dose, unit, route and time, linked to the side effect it treats "
        "(`side_effect_id`, of this session). Needs `medication.administer`; recorded as "
        "`session.charted`.",
        request=PrnInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PrnSerializer,
            200: OpenApiResponse(PrnSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.MEDICATION_ADMINISTER)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        key = idempotency_key(request)
        data = validated_body(PrnInputSerializer, request)
        effect = None
        if data["side_effect_id"] is not None:
            effect = side_effect_get_for_session(
                session=session, side_effect_id=data["side_effect_id"]
            )
            if effect is None:
                raise InvalidInput(
                    "That side effect is not one of this session's.",
                    fields={"side_effect_id": ["Not a side effect of this session."]},
                )
        prn = prn_record(
            acting_user=user,
            session=session,
            drug=data["drug"],
            dose=data["dose"],
            unit=data["unit"],
            route=data["route"],
            side_effect=effect,
            given_at=data["given_at"],
            response=data["response"],
            dose_override_reason=data["dose_override_reason"],
            idempotency_key=key,
        )
        prn = prn_dose_with_responses(prn=prn)
        return idempotent_response(PrnSerializer, prn, clinic, prn)


class ScoreView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_scores_create",
        summary="Record a score: CADSS-6, modified Aldrete, PADSS or the post-session form",
        description="Scored by the clinical rules; answers they do not accept are a 400. Needs "
        "`session.chart`.",
        request=ScoreInputSerializer,
        responses={201: ScoreSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_reference(clinic=clinic, session_id=session_id)  # read under its lock
        data = validated_body(ScoreInputSerializer, request)
        with fields_named({data["instrument"]: "answers"}):
            score = session_score_record(
                acting_user=user,
                session=session,
                instrument=data["instrument"],
                answers=data["answers"],
            )
        return respond(ScoreSerializer, score, clinic, status.HTTP_201_CREATED)
