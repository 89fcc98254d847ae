"""The end of the session: the controlled-substance record, discharge and the signed note."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.roles import Action
from ketaclinic.api.base import allowed, validated_body
from ketaclinic.api.selectors import witness_get
from ketaclinic.charting.access import session_in_clinic
from ketaclinic.charting.api.common import (
    RATE_LIMITED,
    WRITE_REFUSALS,
    SessionEndpoint,
    fields_named,
    respond,
    session_response,
)
from ketaclinic.charting.api.inputs import (
    ControlledSubstanceInputSerializer,
    DischargeInputSerializer,
    SessionAddendumInputSerializer,
)
from ketaclinic.charting.api.outputs import (
    NoteSerializer,
    SessionDetailSerializer,
    SubstanceRecordSerializer,
)
from ketaclinic.charting.models import (
    SessionNote,
)
from ketaclinic.charting.selectors import (
    session_note_get_for_session,
    session_note_with_addenda,
)
from ketaclinic.charting.services import (
    controlled_substance_reconcile,
    session_addendum_add,
    session_discharge,
    session_note_sign,
)
from ketaclinic.core.errors import InvalidInput, NotFound, PermissionRefused
from ketaclinic.inventory.stock_forms import witness_signature_check

# --- controlled substance, discharge and the note -------------------------------------------------


def _with_addenda(note: SessionNote) -> SessionNote:
    """The note with its addenda read in the order they were written."""
    return session_note_with_addenda(note=note)


class ControlledSubstanceView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_controlled_substance",
        summary="After the stop: post what was given and waste the rest before a witness",
        description="The amount given comes from the pump events; the rest of the draw is "
        "wasted before a witness who signs with their own password (`witness_id`, "
        "`witness_password`), checked like a sign-in as for `POST /inventory/draws/{id}/waste`: "
        "a wrong password is a 400 on `witness_password` and nothing is recorded; 429 once "
        "signing as the witness is paused. The caller as witness, or a witness without a current "
        "licence, is a 400 on `witness_id`. 409 before the stop or when already recorded. "
        "Needs `medication.administer`.",
        request=ControlledSubstanceInputSerializer,
        responses={201: SubstanceRecordSerializer, **WRITE_REFUSALS, **RATE_LIMITED},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.MEDICATION_ADMINISTER)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(ControlledSubstanceInputSerializer, request)
        witness = witness_get(clinic=clinic, user_id=data["witness_id"])
        witness_signature_check(
            request=request._request,
            witness=witness,
            password=data["witness_password"],
            field="witness_password",
        )
        try:
            with fields_named({"witness": "witness_id"}):
                record = controlled_substance_reconcile(
                    acting_user=user,
                    session=session,
                    witness=witness,
                    waste_reason=data["waste_reason"],
                )
        except PermissionRefused as error:
            if "witness" not in error.fields:
                raise
            # About the witness, not the caller: a problem with the body.
            raise InvalidInput(error.message, fields={"witness_id": [error.message]}) from error
        return respond(SubstanceRecordSerializer, record, clinic, status.HTTP_201_CREATED)


class DischargeView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_discharge",
        summary="Discharge the patient to their escort",
        description="From recovery, with the escort present, the instructions given and the "
        "controlled substance recorded, once the discharge criteria are met (minimum "
        "observation, score, vitals back near baseline, sedation resolved). Not ready: 409 "
        "`precondition_failed` with the reasons in the message, unless a physician "
        "(`checklist.override`) gives `override_reason`. Completes the appointment. Needs "
        "`session.chart`; recorded as `session.discharged`.",
        request=DischargeInputSerializer,
        responses={200: SessionDetailSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        data = validated_body(DischargeInputSerializer, request)
        session_discharge(
            acting_user=user,
            session=session,
            escort_name=data["escort_name"],
            instructions_given=data["instructions_given"],
            override_reason=data["override_reason"],
        )
        return session_response(session.pk, clinic, user)


class NoteSignView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_note_sign",
        summary="Sign the session note (the nurse), then co-sign it (a physician)",
        description="After discharge (409 before). The first signature freezes the generated "
        "summary; the second is a different physician's (`checklist.override`). 409 once both "
        "have signed. Recorded as `session.note_signed`.",
        request=None,
        responses={200: NoteSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        note = session_note_sign(acting_user=user, session=session)
        return respond(NoteSerializer, _with_addenda(note), clinic)


class NoteAddendumView(SessionEndpoint):
    @extend_schema(
        operation_id="sessions_note_addenda_create",
        summary="Add an addendum to the signed note",
        description="A signed note never changes; corrections are addenda. 404 before the note "
        "is signed. Needs `session.chart`; recorded as `session.note_addendum`.",
        request=SessionAddendumInputSerializer,
        responses={201: NoteSerializer, **WRITE_REFUSALS},
    )
    def post(self, request: Request, session_id: int) -> Response:
        user, clinic = allowed(request, Action.SESSION_CHART)
        session = session_in_clinic(clinic=clinic, session_id=session_id)
        note = session_note_get_for_session(session=session)
        if note is None:
            raise NotFound("This session's note is not signed yet.")
        data = validated_body(SessionAddendumInputSerializer, request)
        session_addendum_add(acting_user=user, note=note, text=data["text"])
        return respond(NoteSerializer, _with_addenda(note), clinic, status.HTTP_201_CREATED)
