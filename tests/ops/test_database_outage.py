"""PostgreSQL stops under the running server: 503s, never 500s, and no acknowledged write lost.

A private PostgreSQL cluster (fsync on) holds a clone of the test database; the real
`ketaclinic serve` runs on it while three clients chart vital signs with Idempotency-Keys. The
database is killed mid-write (`pg_ctl stop -m immediate`, as a crash), the answers meanwhile
must be 503 with Retry-After (the API's error shape; a calm page for pages), and after the
restart every write answered 2xx is there, and sending the failed ones again with the same key
stores each exactly once.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.ops.serving import (
    Answer,
    Database,
    Server,
    call,
    clone,
    private_cluster,
    requires_postgresql,
    seed,
    serving,
    the_test_database,
)

pytestmark = [requires_postgresql, pytest.mark.django_db]

WRITERS = 3
ACKNOWLEDGED_BEFORE_THE_CRASH = 6
DEADLINE_SECONDS = 60
VITALS = {"systolic_mmhg": 124, "diastolic_mmhg": 79, "heart_rate_bpm": 71, "spo2_percent": 98}


@dataclass(frozen=True)
class Sent:
    key: str
    answer: Answer | Exception
    during_outage: bool


def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll the running system (server, database) until `condition` holds."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)  # polling other processes, not waiting for time to pass


def _vitals(server: Server, seeded: dict[str, Any], key: str) -> Answer:
    return call(
        server,
        "POST",
        f"/api/v1/sessions/{seeded['session_id']}/vitals",
        token=seeded["token"],
        body=VITALS,
        headers={"Idempotency-Key": key},
        timeout=20,
    )


def _stored_keys(database: Database, session_id: int) -> list[str]:
    with database.connect() as reader:
        rows = reader.execute(
            "SELECT idempotency_key FROM charting_vitalsignreading WHERE session_id = %s",
            [session_id],
        ).fetchall()
    return [str(key) for (key,) in rows]


def _is_unavailable(answer: Answer) -> bool:
    if answer.status != 503 or not answer.headers.get("retry-after", "").isdigit():
        return False
    body = answer.json()
    return bool(body["error"]["code"] == "service_unavailable" and body["request_id"])


def test_a_database_crash_answers_503_and_loses_no_acknowledged_write(tmp_path: Path) -> None:
    with private_cluster() as cluster:
        database = Database("ketaclinic", port=cluster.port)
        with cluster.database.connect() as admin:
            admin.execute('CREATE DATABASE "ketaclinic"')
        clone(the_test_database(), database)
        seeded = seed(database, open_session=True)

        with serving(database, tmp_path, workers=2) as server:
            sent: list[Sent] = []
            lock = threading.Lock()
            down, restarting, stop = threading.Event(), threading.Event(), threading.Event()
            stored_after_restart: set[int] = set()

            def writer(index: int) -> None:
                """Chart readings one after another, each sent again (same key) until stored,
                as a bedside integration does."""
                number = 0
                deadline = time.monotonic() + DEADLINE_SECONDS
                while not stop.is_set() and time.monotonic() < deadline:
                    number += 1
                    key = f"writer-{index}-{number}"
                    while time.monotonic() < deadline:
                        outage = down.is_set()
                        answer: Answer | Exception
                        try:
                            answer = _vitals(server, seeded, key)
                        except (OSError, http.client.HTTPException) as error:
                            answer = error
                        with lock:  # sent and answered while the database was down
                            sent.append(Sent(key, answer, outage and not restarting.is_set()))
                            if isinstance(answer, Answer) and answer.status in {200, 201}:
                                if restarting.is_set():
                                    stored_after_restart.add(index)
                                break
                        time.sleep(0.1)  # the next try (a real client honours Retry-After)

            def count(condition: Callable[[Sent], bool], at_least: int) -> Callable[[], bool]:
                def check() -> bool:
                    with lock:
                        return sum(1 for item in sent if condition(item)) >= at_least

                return check

            def every_writer_stored_again() -> bool:
                with lock:
                    return len(stored_after_restart) == WRITERS

            threads = [threading.Thread(target=writer, args=(index,)) for index in range(WRITERS)]
            for thread in threads:
                thread.start()
            try:
                _until(
                    count(
                        lambda s: isinstance(s.answer, Answer) and s.answer.status == 201,
                        ACKNOWLEDGED_BEFORE_THE_CRASH,
                    ),
                    "writes before the crash",
                )
                cluster.stop_immediately()
                down.set()
                _until(count(lambda s: s.during_outage, 2 * WRITERS), "answers in the outage")
                page = call(server, "GET", "/")
                health = call(server, "GET", "/healthz")
                restarting.set()
                cluster.start()  # crash recovery replays the WAL
                _until(every_writer_stored_again, "every writer's write after the restart")
            finally:
                stop.set()
                for thread in threads:
                    thread.join()
            log = server.output()

        # Nothing but 2xx and 503 was ever answered; in the outage, 503 in the API's shape.
        assert not [s for s in sent if isinstance(s.answer, Exception)], sent
        unexpected = [
            f"{s.key}: {s.answer.status} {s.answer.body[:300]!r}"
            for s in sent
            if isinstance(s.answer, Answer) and s.answer.status not in {200, 201, 503}
        ]
        assert not unexpected, "\n".join(unexpected[:10]) + f"\n--- server log ---\n{log}"
        in_outage = [s.answer for s in sent if s.during_outage]
        assert all(isinstance(a, Answer) and _is_unavailable(a) for a in in_outage), in_outage
        assert page.status == 503
        assert page.headers["retry-after"].isdigit()
        assert page.headers["content-type"].startswith("text/html")
        assert b"records are safe" in page.body
        assert b"Traceback" not in page.body
        assert health.status == 503

        # Every write answered 2xx is stored, once; those refused in the outage were sent again
        # with the same key and are stored once too.
        acknowledged = {
            s.key for s in sent if isinstance(s.answer, Answer) and s.answer.status in {200, 201}
        }
        refused = {s.key for s in sent if isinstance(s.answer, Answer) and s.answer.status == 503}
        assert refused, "the crash refused nothing: the test did not test anything"
        assert refused <= acknowledged, refused - acknowledged
        stored = _stored_keys(database, seeded["session_id"])
        assert sorted(stored) == sorted(acknowledged)
