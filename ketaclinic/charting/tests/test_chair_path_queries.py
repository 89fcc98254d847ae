"""The chair-side write a device repeats every few minutes, pinned statement by statement
(issue 15): a charted reading is one transaction of six statements (eight with an alarm), the
token costs nothing once this worker knows it, and a token revoked, a person removed or a
credential lapsed is refused on the very next call all the same."""

from __future__ import annotations

import datetime
import select
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketaclinic.accounts.models import Credential
from ketaclinic.accounts.roles import Role
from ketaclinic.api import token_cache
from ketaclinic.api.models import ApiToken
from ketaclinic.api.services import api_token_revoke
from ketaclinic.api.tests.support import post, token_for
from ketaclinic.api.tests.test_session_idempotency import _infusing
from ketaclinic.charting.models import SessionAlarm, TreatmentSession, VitalSignReading
from ketaclinic.charting.services import ESCALATION_JOB
from ketaclinic.charting.tests.support import GOOD_VITALS, advance, at_appointment, booked_infusion
from ketaclinic.clinics.services import staff_membership_set
from ketaclinic.jobs.models import Job
from ketaclinic.testing.personas import Personas

HYPERTENSIVE = {**GOOD_VITALS, "systolic_mmhg": 185, "diastolic_mmhg": 95}


@pytest.fixture(autouse=True)
def _production_sealing(settings: Any) -> Iterator[None]:
    # As in production: the request only inserts its audit event; the sealer links it later.
    settings.AUDIT_SEAL_INLINE = False
    settings.API_TOKEN_CACHE_SECONDS = 5
    token_cache.forget()
    yield
    token_cache.forget()


def _vitals(client: Client, session: TreatmentSession, token: str, key: str, body: Any) -> Any:
    return post(client, f"sessions/{session.pk}/vitals", body, token, HTTP_IDEMPOTENCY_KEY=key)


def _statements(queries: CaptureQueriesContext) -> list[str]:
    # A connection's first cached token LISTENs for changes, once per connection.
    return [
        query["sql"] for query in queries.captured_queries if not query["sql"].startswith("LISTEN")
    ]


def _touching(statements: list[str], table: str) -> list[str]:
    return [sql for sql in statements if f'"{table}"' in sql]


@pytest.mark.django_db
def test_a_charted_reading_is_six_statements_in_one_transaction(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "warm", GOOD_VITALS).status_code == 201
        advance(clock, 1)  # within the minute its last use is recorded to
        with CaptureQueriesContext(connection) as queries:
            response = _vitals(client, session, token, "r-2", GOOD_VITALS)
    assert response.status_code == 201, response.json()
    statements = _statements(queries)
    # The transaction (a savepoint inside the test's own), the session read once under its
    # lock, one read of the key and the repeat window, the reading, the audit event; commit.
    assert len(statements) == 6, "\n".join(statements)
    assert statements[0].startswith("SAVEPOINT")
    assert statements[-1].startswith("RELEASE")
    assert len(_touching(statements, "charting_treatmentsession")) == 1
    assert len(_touching(statements, "charting_vitalsignreading")) == 2
    assert len(_touching(statements, "audit_auditevent")) == 1
    # No sealing, no token, membership, credential or clinic read on the request's path.
    for table in ("audit_auditseal", "api_apitoken", "accounts_staffmembership"):
        assert not _touching(statements, table), table
    assert not _touching(statements, "accounts_credential")
    assert not _touching(statements, "clinics_clinic")
    assert response.json()["alarms"] == []


@pytest.mark.django_db
def test_a_reading_that_raises_an_alarm_adds_the_alarm_and_its_escalation_in_the_same_transaction(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "warm", GOOD_VITALS).status_code == 201
        advance(clock, 1)  # within the minute its last use is recorded to
        with CaptureQueriesContext(connection) as queries:
            response = _vitals(client, session, token, "spike", HYPERTENSIVE)
    assert response.status_code == 201, response.json()
    statements = _statements(queries)
    assert len(statements) == 8, "\n".join(statements)
    assert len(_touching(statements, "charting_sessionalarm")) == 1
    assert len(_touching(statements, "jobs_job")) == 1
    # The alarms in the answer came from memory, and are the ones stored.
    body = response.json()
    stored = SessionAlarm.objects.filter(reading_id=body["id"]).order_by("-level", "id")
    assert [alarm["id"] for alarm in body["alarms"]] == [alarm.pk for alarm in stored]
    assert body["alarms"]
    assert body["alarms"][0]["parameter"] == "blood_pressure"
    job = Job.objects.get(name=ESCALATION_JOB)
    assert job.args == {"session_id": session.pk}
    assert job.run_at == max(alarm.acknowledge_by for alarm in stored)


@pytest.mark.django_db
def test_a_retried_alarm_reading_answers_with_the_stored_alarms(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        first = _vitals(client, session, token, "spike", HYPERTENSIVE)
        again = _vitals(client, session, token, "spike", HYPERTENSIVE)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert VitalSignReading.objects.filter(session=session, idempotency_key="spike").count() == 1
    assert Job.objects.filter(name=ESCALATION_JOB).count() == 1


@pytest.mark.django_db
def test_a_token_not_yet_known_to_this_worker_costs_two_reads_and_is_then_remembered(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        with CaptureQueriesContext(connection) as first:
            assert _vitals(client, session, token, "a", GOOD_VITALS).status_code == 201
        advance(clock, 1)  # within the minute its last use is recorded to
        with CaptureQueriesContext(connection) as second:
            assert _vitals(client, session, token, "b", GOOD_VITALS).status_code == 201
    # The token with its person, clinic and membership in one read; the credentials in one;
    # its first use recorded; then the six of the write.
    assert len(_touching(_statements(first), "api_apitoken")) == 2  # read, last_used_at
    assert len(_touching(_statements(first), "accounts_credential")) == 1
    assert len(_statements(first)) == 6 + 3
    assert len(_statements(second)) == 6


@pytest.mark.django_db
def test_a_revoked_token_is_refused_on_the_next_call_though_this_worker_knew_it(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "a", GOOD_VITALS).status_code == 201
        stored = VitalSignReading.objects.filter(session=session).count()
        api_token_revoke(
            acting_user=personas.ada, token=ApiToken.objects.get(prefix=token.split(".")[0])
        )
        advance(clock, 3)
        refused = _vitals(client, session, token, "b", GOOD_VITALS)
    assert refused.status_code == 401
    assert VitalSignReading.objects.filter(session=session).count() == stored


@pytest.mark.django_db
def test_a_person_removed_from_the_clinic_is_refused_on_the_next_call(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "a", GOOD_VITALS).status_code == 201
        staff_membership_set(
            acting_user=personas.ada,
            clinic=personas.clinic,
            user=personas.nina,
            role=Role.NURSE,
            nurse_type=personas.nina.memberships.get(clinic=personas.clinic).nurse_type,
            is_active=False,
        )
        advance(clock, 3)
        refused = _vitals(client, session, token, "b", GOOD_VITALS)
    assert refused.status_code == 401


@pytest.mark.django_db
def test_a_lapsed_licence_refuses_the_next_reading_though_this_worker_knew_the_token(
    client: Client, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "a", GOOD_VITALS).status_code == 201
        yesterday = personas.clinic.local_today() - datetime.timedelta(days=1)
        for credential in Credential.objects.filter(user=personas.nina):
            credential.expires_on = yesterday
            credential.save()
        advance(clock, 3)
        refused = _vitals(client, session, token, "b", GOOD_VITALS)
    assert refused.status_code == 403, refused.json()
    assert "expired" in refused.json()["error"]["message"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="LISTEN/NOTIFY is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_change_announced_by_another_worker_empties_this_workers_entry() -> None:
    from ketaclinic.testing.personas import make_personas

    personas = make_personas()
    appointment = booked_infusion(personas)
    client = Client()
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        assert _vitals(client, session, token, "a", GOOD_VITALS).status_code == 201
        prefix = token.split(".")[0]
        assert token_cache.cached(prefix) is not None

        def another_worker() -> None:
            # Only the announcement, as another process's revocation sends it: this process's
            # entries are not touched directly.
            try:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_notify(%s, %s)", [token_cache.CHANNEL, f"token:{prefix}"]
                    )
            finally:
                connections.close_all()

        thread = threading.Thread(target=another_worker)
        thread.start()
        thread.join()
        # The server sends the announcement to this idle connection once the other committed;
        # wait for it to reach the socket (an event, not a sleep), as the next request would
        # find it there.
        raw = connection.connection
        assert raw is not None
        readable, _, _ = select.select([raw.fileno()], [], [], 10)
        assert readable, "no announcement arrived"
        assert token_cache.cached(prefix) is None


@pytest.mark.django_db
def test_the_answer_to_a_charted_reading_is_the_reading_as_the_list_shows_it(
    client: Client, personas: Personas
) -> None:
    # The answer is built as data, not by `VitalsSerializer`: it must still be exactly the
    # reading that `GET /sessions/{id}/vitals` lists, alarms included, and a retry's answer the
    # same again.
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = _infusing(personas, clock, appointment)
        token = token_for(personas, personas.nina)
        body = {**HYPERTENSIVE, "temperature_c": "37.2", "rhythm": "sinus"}
        created = _vitals(client, session, token, "answer-1", body)
        retried = _vitals(client, session, token, "answer-1", body)
        listed = client.get(
            f"/api/v1/sessions/{session.pk}/vitals", HTTP_AUTHORIZATION=f"Token {token}"
        )
    assert (created.status_code, retried.status_code) == (201, 200), created.json()
    [reading] = [row for row in listed.json()["results"] if row["id"] == created.json()["id"]]
    assert created.json()["alarms"], "185/95 raises an alarm"
    assert created.json() == reading
    assert retried.json() == reading
