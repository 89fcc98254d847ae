"""What every session-day endpoint shares: the lookups within the acting clinic, the role check
before the body, the idempotency key and the answer. A read goes through its door
(`charting.access`), which records it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from ketaclinic.accounts.models import User
from ketaclinic.api.base import (
    ERRORS,
    REFUSED_BY_STATE,
    ErrorSerializer,
    StaffEndpoint,
    StaffListEndpoint,
    staff_caller,
)
from ketaclinic.api.fields import (
    clinic_context,
)
from ketaclinic.api.permissions import api_clinic
from ketaclinic.charting.access import session_get_for_staff, session_in_clinic
from ketaclinic.charting.api.outputs import (
    DoseSerializer,
    SessionDetailSerializer,
    _session_data,
)
from ketaclinic.charting.models import (
    SentOnce,
    TreatmentSession,
)
from ketaclinic.charting.selectors import dose_preparation_get
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import InvalidInput

ALARM_NOT_FOUND = "No such alarm at this clinic."
SIDE_EFFECT_NOT_FOUND = "No such side effect at this clinic."
IDEMPOTENCY_HEADER = "Idempotency-Key"

# --- lookups and helpers ------------------------------------------------------------------------


def idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if len(key) > 64:
        raise InvalidInput(
            "The Idempotency-Key header is at most 64 characters.",
            fields={IDEMPOTENCY_HEADER: ["At most 64 characters."]},
        )
    return key


@contextmanager
def fields_named(names: dict[str, str]) -> Iterator[None]:
    """A service's field messages under the names of the API's body (`container` →
    `container_id`)."""
    try:
        yield
    except InvalidInput as error:
        fields = {names.get(key, key): value for key, value in error.fields.items()}
        raise InvalidInput(error.message, fields=fields) from error


def session_read(
    request: Request, session_id: int, part: str
) -> tuple[User, Clinic, TreatmentSession]:
    """The caller, the acting clinic and the session, through the door that checks
    `patient.chart_view` (403 before the body) and records the read as `session.viewed` with
    the `part` read."""
    user = staff_caller(request)
    clinic = api_clinic(request)
    session = session_get_for_staff(user=user, clinic=clinic, session_id=session_id, api_part=part)
    return user, clinic, session


def respond(
    serializer: type[serializers.Serializer],
    data: Any,
    clinic: Clinic,
    code: int = status.HTTP_200_OK,
    *,
    viewer: User | None = None,
) -> Response:
    """The serializer's answer, with instants in the clinic's zone; `viewer` is whom the dose's
    figures may be withheld from (the blind check)."""
    context = {**clinic_context(clinic), "viewer": viewer}
    return Response(serializer(data, context=context).data, status=code)


def session_response(
    session_id: int, clinic: Clinic, viewer: User, code: int = status.HTTP_200_OK
) -> Response:
    return respond(
        SessionDetailSerializer,
        _session_data(session_in_clinic(clinic=clinic, session_id=session_id)),
        clinic,
        code,
        viewer=viewer,
    )


class SessionEndpoint(StaffEndpoint):
    """Times the charting services read as dates (check-in on the visit's day, a diluent's
    expiry, the checklist's day) are the clinic's, as on the staff pages: a token's call is
    answered in its clinic's time zone."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        if clinic is not None:
            # The clinic middleware deactivates it when the response is done.
            timezone.activate(clinic.zone)


class SessionListEndpoint(StaffListEndpoint):
    """A list of the session day, in the clinic's time zone like `SessionEndpoint`."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        clinic: Clinic | None = getattr(request._request, "clinic", None)
        if clinic is not None:
            timezone.activate(clinic.zone)

    def get_serializer_context(self) -> dict[str, Any]:
        return {"request": self.request, **clinic_context(api_clinic(self.request))}


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="A key the device chooses for this entry (at most 64 characters). Sending the "
    "same key again with the same values (a retry) answers 200 with the entry already stored "
    "instead of storing it twice, also when the retries arrive at once (one 201, the others "
    "200); the same key with different values is a 409 `conflict` and stores nothing.",
)
RETRIED = "The entry already stored under this Idempotency-Key"
RATE_LIMITED = {
    429: OpenApiResponse(ErrorSerializer, description="Signing as the witness is paused"),
}
WRITE_REFUSALS = {**ERRORS, **REFUSED_BY_STATE}


def idempotent_response(
    serializer: type[serializers.Serializer], data: SentOnce, clinic: Clinic, row: SentOnce
) -> Response:
    """201 for a row stored by this request; 200 for one a retry found (the service says)."""
    return respond(serializer, data, clinic, sent_once_status(row))


def sent_once_status(row: SentOnce) -> int:
    """201 for a row stored by this request; 200 for one a retry found (the service says)."""
    return status.HTTP_200_OK if row.is_retry else status.HTTP_201_CREATED


def preparation_response(
    preparation_id: int, clinic: Clinic, viewer: User, code: int = status.HTTP_200_OK
) -> Response:
    preparation = dose_preparation_get(preparation_id=preparation_id)
    return respond(DoseSerializer, preparation, clinic, code, viewer=viewer)
