"""`ketaclinic serve` gives every gunicorn worker a database connection of its own (issue 13 #1).

Reported: in the first minute after start, under 8 concurrent API clients, 247 of 617 answers
were 500, 55 a wrong 401, rows came back in the wrong shape, and a worker timed out. The master
opened a connection (migrate, createcachetable) and every forked worker inherited that one
socket to one PostgreSQL backend. This starts the real server (4 workers, production settings)
on a clone of the test database and calls it from 8 threads as soon as it answers.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ketaclinic.cli import SEALER_APPLICATION_NAME
from tests.ops.serving import (
    ROOT,
    Answer,
    Database,
    Server,
    call,
    clean_environment,
    cloned_test_database,
    requires_postgresql,
    seed,
    serving,
    the_test_database,
)

# django_db: the test database exists (it is cloned); the test itself queries nothing in it.
pytestmark = [requires_postgresql, pytest.mark.django_db]

WORKERS = 4
THREADS = 8
CALLS_PER_THREAD = 15
PATHS = ("/api/v1/me", "/api/v1/patients", "/api/v1/clinics")
WORKER_NAME = re.compile(r"ketaclinic-worker-(\d+)")


def _burst(server: Server, token: str) -> list[tuple[str, Answer | Exception]]:
    """THREADS clients at once, each making CALLS_PER_THREAD calls in a row."""
    start = threading.Barrier(THREADS)
    lock = threading.Lock()
    answers: list[tuple[str, Answer | Exception]] = []

    def client(index: int) -> None:
        start.wait()
        for number in range(CALLS_PER_THREAD):
            path = PATHS[(index + number) % len(PATHS)]
            answer: Answer | Exception
            try:
                answer = call(server, "GET", path, token=token, timeout=20)
            except (OSError, http.client.HTTPException) as error:
                answer = error
            with lock:
                answers.append((path, answer))

    threads = [threading.Thread(target=client, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _problem(path: str, answer: Answer | Exception, seeded: dict[str, Any]) -> str | None:
    """What is wrong with one answer, or None when it is the right data in the right shape."""
    if isinstance(answer, Exception):
        return f"{path}: no answer ({answer!r})"
    if answer.status != 200:
        return f"{path}: {answer.status} {answer.body[:160]!r}"
    try:
        body = answer.json()
        if path == "/api/v1/me":
            right = (
                body["email"] == seeded["email"]
                and body["acting_clinic_id"] == seeded["clinic_id"]
                and body["authentication"] == "token"
            )
        elif path == "/api/v1/patients":
            ids = sorted(patient["id"] for patient in body["results"])
            right = body["count"] == len(seeded["patient_ids"]) and ids == seeded["patient_ids"]
        else:
            clinics = body["results"] if isinstance(body, dict) else body
            right = [clinic["id"] for clinic in clinics] == [seeded["clinic_id"]]
    except (ValueError, KeyError, TypeError) as error:
        return f"{path}: unexpected body ({error!r}): {answer.body[:160]!r}"
    return None if right else f"{path}: another answer's data: {answer.body[:160]!r}"


def _connections(database: Database) -> list[tuple[int, str]]:
    with database.connect() as observer:
        rows = observer.execute(
            "SELECT pid, application_name FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() ORDER BY pid",
            [database.name],
        ).fetchall()
    return [(int(pid), str(name)) for pid, name in rows]


# Issue 15: an answered request's audit events are linked into the chain within a minute by the
# sealer `serve` runs beside the workers.
SEALED_WITHIN_SECONDS = 60


def _unsealed_after(database: Database, seconds: float) -> tuple[int, int]:
    """(events, of which unsealed) once every event has a seal, or when `seconds` have passed."""
    deadline = time.monotonic() + seconds
    with database.connect() as observer:
        while True:
            events, unsealed = observer.execute(
                "SELECT COUNT(*), COUNT(*) FILTER (WHERE NOT EXISTS ("
                "SELECT 1 FROM audit_auditseal s WHERE s.event_id = e.id)) FROM audit_auditevent e"
            ).fetchone()
            if unsealed == 0 or time.monotonic() > deadline:
                return int(events), int(unsealed)
            time.sleep(0.2)  # the sealer is another process: poll what it has done


def test_each_worker_has_its_own_database_connection_under_load_at_start(tmp_path: Path) -> None:
    with cloned_test_database(the_test_database(), "serve") as database:
        seeded = seed(database)
        with serving(database, tmp_path, workers=WORKERS) as server:
            answers = _burst(server, seeded["token"])
            connections = _connections(database)
            workers = server.worker_pids()
            events, unsealed = _unsealed_after(database, SEALED_WITHIN_SECONDS)
            log = server.output()

    problems = [p for p in (_problem(path, a, seeded) for path, a in answers) if p is not None]
    assert not problems, (
        f"{len(problems)} of {len(answers)} answers wrong:\n"
        + "\n".join(problems[:20])
        + f"\n--- server log ---\n{log}"
    )
    assert len(answers) == THREADS * CALLS_PER_THREAD
    assert len(workers) == WORKERS, log

    # Every connection to the database is a worker's own (named after it in post_fork): none is
    # the master's, none is shared. The audit sealer serve runs beside the workers has its own,
    # named so.
    connections = [(pid, name) for pid, name in connections if name != SEALER_APPLICATION_NAME]
    named = [WORKER_NAME.fullmatch(name) for _, name in connections]
    assert all(named), f"connections not opened by a worker: {connections}"
    owners = [int(match[1]) for match in named if match]
    assert set(owners) <= workers, (owners, workers)
    backend_pids = [pid for pid, _ in connections]
    assert len(set(owners)) == len(owners), f"a worker has two connections: {connections}"
    assert len(set(backend_pids)) == len(backend_pids)
    # 8 clients at once keep the sync workers busy: several answered, each on its own backend
    # (usually all 4; one that booted late on a loaded machine may not have had a call yet).
    assert len(owners) >= 2, f"expected a connection per worker that answered: {connections}"
    # Every patient list answered recorded its audit event, and the sealer linked them all in time.
    assert events >= sum(path == "/api/v1/patients" for path, _ in answers), (events, log)
    assert unsealed == 0, f"{unsealed} of {events} audit events unsealed after a minute\n{log}"


FORK = """
import os
import django

django.setup()
from django.db import connection
from ketaclinic.config.gunicorn import post_fork

def backend():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), current_setting('application_name')")
        return cursor.fetchone()

parent = backend()
child = os.fork()
if child == 0:  # as a gunicorn worker: the hook, then a request's query
    post_fork(None, None)
    mine = backend()
    connection.close()
    os._exit(0 if mine[0] != parent[0] and mine[1] == f"ketaclinic-worker-{os.getpid()}" else 3)
_, status = os.waitpid(child, 0)
print(os.waitstatus_to_exitcode(status), backend() == parent)
"""


def test_a_worker_drops_an_inherited_connection_without_ending_it_for_the_master() -> None:
    """The post_fork hook's second line of defence: the child connects anew, and the parent's
    connection (which the child must not close: psycopg would tell PostgreSQL to end it) still
    answers, on the same backend."""
    result = subprocess.run(
        [sys.executable, "-c", FORK],
        cwd=ROOT,
        env={
            **clean_environment(),
            "DJANGO_SETTINGS_MODULE": "ketaclinic.config.test_settings",
            "DATABASE_URL": the_test_database().url,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["0", "True"], result.stdout + result.stderr[-3000:]
