"""The dose: prepared, independently verified, then given by the pump or device by device."""

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
    IDEMPOTENCY_PARAMETER,
    RETRIED,
    WRITE_REFUSALS,
    SessionEndpoint,
    SessionListEndpoint,
    fields_named,
    idempotency_key,
    idempotent_response,
    preparation_response,
    session_read,
)
from ketaclinic.charting.api.inputs import (
    DeviceInputSerializer,
    DosePrepareInputSerializer,
    DoseVerifyInputSerializer,
    PumpEventInputSerializer,
)
from ketaclinic.charting.api.outputs import (
    DoseSerializer,
    PumpEventSerializer,
)
from ketaclinic.charting.models import PumpEvent
from ketaclinic.charting.services import (
    active_preparation,
    device_administer,
    dose_prepare,
    dose_verify,
    pump_event_record,
    session_reference,
)
from ketaclinic.core.errors import NotFound
from ketaclinic.inventory.catalog import container_get


class DosePrepareView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_dose_prepare",
        summary="Compute, draw and record the dose",
        description="From the course's signed dose order and today's weight (IV: dosing "
        "weight, volumes, concentration and pump rate; esketamine: devices). The draw is "
        "posted to the controlled-substance ledger in the same transaction. A dose other than "
        "the order's needs a physician and `dose_change_reason`. 409 without a signed order in "
        "date, without today's weight, or when a dose is already prepared. Needs "
        "`medication.administer`; recorded as `session.dose_prepared`.",
        request=DosePrepareInputSerializer,
        responses={201: DoseSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.MEDICATION_ADMINISTER)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(DosePrepareInputSerializer, request)
        container = container_get(clinic=clinic, container_id=data["container_id"])
        with fields_named({"container": "container_id"}):
            preparation = dose_prepare(
                acting_user=user,
                session=session,
                container=container,
                dose=data["dose"],
                dose_change_reason=data["dose_change_reason"],
                bag_or_syringe=data["container_kind"],
                diluent_volume_ml=data["diluent_volume_ml"],
                syringe_concentration_mg_per_ml=data["syringe_concentration_mg_per_ml"],
                diluent_lot=data["diluent_lot"],
                diluent_expires_on=data["diluent_expires_on"],
            )
        return preparation_response(preparation.pk, clinic, user, status.HTTP_201_CREATED)


class DoseVerifyView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_dose_verify",
        summary="Independently verify the prepared dose",
        description="A second clinician (not the one who prepared it: 409) reads the label and "
        "the pump and types what they see: `dose_mg` and, for IV, `rate_ml_per_h` (esketamine: "
        "`devices`). A mismatch is a 400 naming each field that differs, never the prepared "
        "values: the check is blind (until it passes only the preparer reads the figures). "
        "Needs `dose.verify`; recorded as `session.dose_verified`.",
        request=DoseVerifyInputSerializer,
        responses={200: DoseSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.DOSE_VERIFY)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(DoseVerifyInputSerializer, request)
        preparation = active_preparation(session)
        if preparation is None:
            raise NotFound("No dose is prepared for this session.")
        dose_verify(
            acting_user=user,
            preparation=preparation,
            dose_mg=data["dose_mg"],
            rate_ml_per_h=data["rate_ml_per_h"],
            devices=data["devices"],
        )
        return preparation_response(preparation.pk, clinic, user)


# --- pump events and devices ----------------------------------------------------------------------


class SessionEventsView(SessionListEndpoint):
    serializer_class = PumpEventSerializer
    parser_classes = StaffEndpoint.parser_classes

    def get_queryset(self) -> list[PumpEvent]:  # type: ignore[override]
        _, _, session = session_read(self.request, self.kwargs["session_id"], "events")
        events = session.pump_events.select_related("recorded_by").order_by("occurred_at", "id")
        return list(events)

    @extend_schema(
        operation_id="sessions_events_list",
        summary="The session's pump events and esketamine devices, in time order",
        description="Needs `patient.chart_view`; recorded as `session.viewed`.",
        responses={200: PumpEventSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="sessions_events_create",
        summary="Start, pause, resume, change the rate of, or stop the IV infusion",
        description="Start needs the checklist passed (or overridden) and the dose verified, "
        "at the computed rate unless a physician gives a reason; a rate change needs a reason. "
        "Stop computes the delivered dose from the events and moves the session to recovery. "
        "An event the pump's state does not allow (a pause while paused) is a 400. Needs "
        "`session.chart` (start: `medication.administer`); recorded as `session.charted`.",
        request=PumpEventInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PumpEventSerializer,
            200: OpenApiResponse(PumpEventSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_reference(clinic=clinic, session_id=session_id)  # read under its lock
        key = idempotency_key(request)
        data = validated_body(PumpEventInputSerializer, request)
        event = pump_event_record(
            acting_user=user,
            session=session,
            kind=data["kind"],
            rate_ml_per_h=data["rate_ml_per_h"],
            reason=data["reason"],
            occurred_at=data["occurred_at"],
            idempotency_key=key,
        )
        return idempotent_response(PumpEventSerializer, event, clinic, event)


class DeviceView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_devices_create",
        summary="One esketamine device given",
        description="At least 5 minutes after the previous one, up to the devices prepared; "
        "each is posted to the ledger as an administration. The first starts the session "
        "clock; the last moves the session to recovery and records the controlled substance. "
        "Needs `medication.administer`.",
        request=DeviceInputSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: PumpEventSerializer,
            200: OpenApiResponse(PumpEventSerializer, description=RETRIED),
            **WRITE_REFUSALS,
        },
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.MEDICATION_ADMINISTER)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        key = idempotency_key(request)
        data = validated_body(DeviceInputSerializer, request)
        event = device_administer(
            acting_user=user,
            session=session,
            occurred_at=data["occurred_at"],
            idempotency_key=key,
        )
        return idempotent_response(PumpEventSerializer, event, clinic, event)
