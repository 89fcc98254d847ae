"""One retry path for every write that takes an `Idempotency-Key` (pump events, devices, vital
signs, side effects, PRNs): the first answer is 201; the same key with the same values answers
200 with the row already stored (also when the retries race, on PostgreSQL); the same key with
other values is a 409 that says so, and stores nothing."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.utils import timezone

from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.charting.models import (
    PrnDose,
    PumpEvent,
    SideEffect,
    TreatmentSession,
    VitalSignReading,
)
from ketaclinic.charting.services import pump_event_record
from ketaclinic.charting.tests.support import (
    GOOD_VITALS,
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.charting.tests.test_esketamine import _verified, booked_esketamine
from ketaclinic.testing.concurrency import race as _race
from ketaclinic.testing.personas import Personas, make_personas

REUSED = "already sent with different values"


@dataclass(frozen=True)
class Retriable:
    suffix: str
    model: type[Model]
    body: Callable[[], dict[str, Any]]
    other: Callable[[], dict[str, Any]]  # the same key, something else


def _earlier(minutes: int) -> str:
    return (timezone.now() - datetime.timedelta(minutes=minutes)).isoformat()


IV_ENDPOINTS = [
    Retriable(
        "events",
        PumpEvent,
        lambda: {"kind": "pause"},
        lambda: {"kind": "pause", "reason": "Patient asked for a break"},
    ),
    Retriable(
        "vitals",
        VitalSignReading,
        lambda: GOOD_VITALS,
        lambda: {**GOOD_VITALS, "temperature_c": "38.4"},
    ),
    Retriable(
        "side-effects",
        SideEffect,
        lambda: {"kind": "nausea", "severity": "mild", "action": "none"},
        lambda: {"kind": "nausea", "severity": "severe", "action": "stop"},
    ),
    Retriable(
        "prns",
        PrnDose,
        lambda: {"drug": "Ondansetron", "dose": "4", "unit": "mg", "route": "IV"},
        lambda: {"drug": "Ondansetron", "dose": "4", "unit": "mg", "route": "ODT"},
    ),
]


def test_every_endpoint_taking_a_key_is_tested_here() -> None:
    document = json.loads((Path(settings.BASE_DIR) / "docs" / "openapi.json").read_text())
    keyed = {
        path.rsplit("/", 1)[-1]
        for path, operations in document["paths"].items()
        for operation in operations.values()
        if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    assert keyed == {endpoint.suffix for endpoint in IV_ENDPOINTS} | {"devices"}


def _infusing(personas: Personas, clock: Any, appointment: Any) -> TreatmentSession:
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    pump_event_record(acting_user=personas.nina, session=session, kind="start")
    advance(clock, 5)
    return session


def _assert_retry_path(
    client: Client, token: str, session: TreatmentSession, endpoint: Retriable
) -> None:
    path = f"sessions/{session.pk}/{endpoint.suffix}"
    rows = endpoint.model._default_manager.filter(session=session)
    before = rows.count()
    first = post(client, path, endpoint.body(), token, HTTP_IDEMPOTENCY_KEY="tab-1")
    assert first.status_code == 201, first.json()
    again = post(client, path, endpoint.body(), token, HTTP_IDEMPOTENCY_KEY="tab-1")
    assert again.status_code == 200, again.json()
    assert again.json() == first.json()
    other = post(client, path, endpoint.other(), token, HTTP_IDEMPOTENCY_KEY="tab-1")
    assert other.status_code == 409, other.json()
    assert REUSED in assert_error_shape(other, "conflict")["error"]["message"]
    assert rows.count() == before + 1


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", IV_ENDPOINTS, ids=lambda endpoint: endpoint.suffix)
def test_every_retriable_write_answers_201_then_200_and_409_for_other_values(
    client: Client, personas: Personas, endpoint: Retriable
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        _assert_retry_path(client, token_for(personas, personas.nina), session, endpoint)


@pytest.mark.django_db
def test_an_esketamine_device_retried_answers_200_and_409_for_another_time(
    client: Client, personas: Personas
) -> None:
    appointment = booked_esketamine(personas)
    with at_appointment(appointment) as clock:
        session = _verified(personas, appointment)
        advance(clock, 2)
        moment = _earlier(1)
        device = Retriable(
            "devices",
            PumpEvent,
            lambda: {"occurred_at": moment},
            lambda: {"occurred_at": _earlier(0)},
        )
        _assert_retry_path(client, token_for(personas, personas.nina), session, device)


@pytest.mark.django_db
def test_a_retried_stop_answers_with_the_stop_after_the_session_moved_on(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        advance(clock, 35)
        nina = token_for(personas, personas.nina)
        path = f"sessions/{session.pk}/events"
        stopped = post(client, path, {"kind": "stop"}, nina, HTTP_IDEMPOTENCY_KEY="stop-1")
        assert stopped.status_code == 201, stopped.json()
        advance(clock, 1)
        again = post(client, path, {"kind": "stop"}, nina, HTTP_IDEMPOTENCY_KEY="stop-1")
    assert again.status_code == 200, again.json()
    assert again.json()["id"] == stopped.json()["id"]


# --- racing retries (PostgreSQL) ----------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(2))
def test_retries_racing_one_key_answer_201_once_and_200_with_the_same_row(
    repetition: int,
) -> None:
    personas = make_personas()
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        nina = token_for(personas, personas.nina)
        path = f"sessions/{session.pk}/vitals"

        def send() -> tuple[int, int]:
            response = post(Client(), path, GOOD_VITALS, nina, HTTP_IDEMPOTENCY_KEY="tab-race")
            return response.status_code, response.json()["id"]

        outcomes = _race([send, send, send])
    codes = sorted(code for code, _ in outcomes)
    assert codes == [200, 200, 201]
    assert len({row for _, row in outcomes}) == 1
    assert VitalSignReading.objects.filter(session=session, idempotency_key="tab-race").count() == 1
