"""The chair-side path under load over HTTP, beside raw PostgreSQL doing the same two inserts.

Creates a scratch PostgreSQL database, migrates it and loads the demo (`ketaclinic demo`), then
puts 8 demo patients in the chair: each session checked in, checklist passed, dose prepared and
verified and the pump started through the charting services, back-dated far enough that every
reading of the run can be charted 3 minutes after the one before, as in a real infusion (the
API refuses times in the future). It issues an API token for a nurse (`ketaclinic token issue`),
starts `ketaclinic serve` with production settings (DEBUG off, 4 gunicorn workers, and whatever
`serve` runs beside them) and the statement-count header on, and runs 8 clients, each a process
of its own with its own connection, in three interleaved phases repeated in rounds:

- raw PostgreSQL: psycopg inserting one vitals row and one audit row per transaction into two
  scratch tables made `LIKE` the real ones (their indexes, constraints and the vitals row's
  foreign keys), one row pair shaped like a real charted reading and its audit event;
- charting: `POST /api/v1/sessions/{id}/vitals`, each client into its own infusing session, a
  new Idempotency-Key each time, every 10th reading high enough (BP 185/100) to raise an alarm;
- reading a chart: `GET /api/v1/patients/{id}/chart` (or, where the server has no such
  endpoint, `GET /patients/{id}` + `GET /sessions/{id}/vitals` counted as one read), each client
  reading its own demo patient with a finished session.

It prints requests per second, p50/p95/p99 latency, the SQL statements per request (from the
`X-Statement-Count` and `X-Transaction-Count` headers, ketaclinic/core/statement_count.py), the
errors (any answer other than 2xx; the first few are printed), the ratio to raw PostgreSQL's
transactions per second in the same run, and the load average beside each figure; then the
targets of issue 15 with pass or fail. A benchmark measures: it exits 0 whatever the figures
(`--smoke`: 3 seconds, one round, and exit 1 on any error, so CI sees a path that broke).
The clients run on the same machine as the server and PostgreSQL, as in the issue's figures.

    .venv/bin/python bench/http_load.py                  # 30 s per operation, 3 rounds
    .venv/bin/python bench/http_load.py --smoke          # that it still works (about a minute)
    .venv/bin/python bench/http_load.py --keep \
        --database-url postgres://postgres@127.0.0.1:5432/my_scratch

Growth (issue 15: chart read and charting p95 at 100,000 patients within 1.3× of the demo's):
run the plain demo saving its figures, then the demo grown by 100,000 generated patients
(`ketaclinic demo --patients 100000`, about ten minutes) against them; the second run prints
the ratios. The same hand-built charts are read at both sizes.

    .venv/bin/python bench/http_load.py --save-figures /tmp/demo.json
    .venv/bin/python bench/http_load.py --patients 100000 --growth-baseline /tmp/demo.json

The scratch database (default `ketaclinic_http_load`) is dropped at the end, also on Ctrl-C,
unless `--keep`. An existing database of that name is replaced only if an earlier run of this
benchmark created it (it carries the benchmark's comment); any other is refused.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import http.client
import json
import multiprocessing
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ketaclinic_http_load"
SCRATCH_COMMENT = "ketaclinic bench/http_load.py scratch database"
# Names that belong to someone else: the server's own, pytest-django's, the README's.
REFUSED_NAMES = {"postgres", "template0", "template1", "test", "test_test", "ketaclinic"}
CLIENTS = 8
WORKERS = 4
CLINIC_SLUG = "catalyst-denver"
NURSE_EMAIL = "nurse.chen@catalyst.example"
ADMIN_EMAIL = "admin.morgan@catalyst.example"
READING_INTERVAL = datetime.timedelta(minutes=3)
ALARM_EVERY = 10  # one reading in 10 raises an alarm, as in bench/vitals_bench.py
# After the demo's own readings (at 5–35 minutes of the infusion) the benchmark's begin.
FIRST_READING_AFTER_START = datetime.timedelta(minutes=38)
# The back-dating is sized for this many readings per client per second: far above what the
# machine can do (the target is about 70), so a run never runs out of past to chart in.
CEILING_READINGS_PER_CLIENT_PER_S = 100
# ... but never further back than this (a longer run charts its last readings at "now", and says
# how many): the back-dated dose order must still be in date at the end of the run.
LONGEST_BACK_DATING = datetime.timedelta(days=20)
ORDER_SIGNED_BEFORE_CHECK_IN = datetime.timedelta(hours=1)
ORDER_VALID_FOR = LONGEST_BACK_DATING + datetime.timedelta(days=7)
NEWEST_MEASURED_BEFORE_NOW = datetime.timedelta(seconds=5)  # clock skew between us and the server
ERRORS_SHOWN = 5
TARGETS = {"charting_vs_raw": 0.12, "chart_read_vs_raw": 0.10, "statements_per_reading": 10}
NORMAL_VITALS = {
    "systolic_mmhg": 128,
    "diastolic_mmhg": 80,
    "heart_rate_bpm": 76,
    "spo2_percent": 98,
    "respiratory_rate_per_min": 14,
    "moaa_s": 4,
}
ALARM_VITALS = {**NORMAL_VITALS, "systolic_mmhg": 185, "diastolic_mmhg": 100}


class BenchError(Exception):
    """The benchmark could not be set up or run: said in a sentence, no traceback."""


# --- the scratch database ---------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    url: str

    @property
    def name(self) -> str:
        return urllib.parse.urlsplit(self.url).path.lstrip("/")

    @property
    def maintenance_url(self) -> str:
        """The same server's `postgres` database, from which the scratch one is made and dropped."""
        parts = urllib.parse.urlsplit(self.url)
        return urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def validate(self) -> None:
        if urllib.parse.urlsplit(self.url).scheme not in {"postgres", "postgresql"}:
            raise BenchError(f"--database-url must be a postgres:// URL, not {self.url!r}.")
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", self.name):
            raise BenchError(
                f"The scratch database's name {self.name!r} must be lower-case letters, digits "
                "and underscores."
            )
        if self.name in REFUSED_NAMES or self.name.startswith("test_"):
            raise BenchError(
                f"{self.name!r} may belong to someone else (the server, the test suite, the "
                "README's example): name a scratch database of your own."
            )

    def create(self) -> None:
        with psycopg.connect(self.maintenance_url, autocommit=True) as admin:
            row = admin.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [self.name],
            ).fetchone()
            if row is not None:
                if row[0] != SCRATCH_COMMENT:
                    raise BenchError(
                        f"A database {self.name!r} exists and this benchmark did not make it: "
                        "name another with --database-url (or drop it yourself)."
                    )
                print(f"Replacing the scratch database {self.name!r} left by an earlier run.")
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(self._ident))
            admin.execute(sql.SQL("CREATE DATABASE {}").format(self._ident))
            admin.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    self._ident, sql.Literal(SCRATCH_COMMENT)
                )
            )

    def drop(self) -> None:
        with psycopg.connect(self.maintenance_url, autocommit=True) as admin:
            # FORCE: a server worker or the sealer still connected must not keep it alive.
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(self._ident))

    @property
    def _ident(self) -> sql.Identifier:
        return sql.Identifier(self.name)


# --- the app, through its own commands ----------------------------------------------------------


def ketaclinic_command() -> str:
    beside = Path(sys.executable).parent / "ketaclinic"
    found = str(beside) if beside.exists() else shutil.which("ketaclinic")
    if not found:
        raise BenchError("The `ketaclinic` command is not installed: run `make install` first.")
    return found


def app_environment(database: Database) -> dict[str, str]:
    """Production settings (DEBUG off) with keys made for this run only."""
    environment = dict(os.environ)
    for name in ("DEBUG", "REDIS_URL", "KETACLINIC_TEST_CLOCK"):
        environment.pop(name, None)
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "ketaclinic.config.settings",
            "DATABASE_URL": database.url,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "KETACLINIC_STATEMENT_COUNT_HEADER": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return environment


def run_step(what: str, argv: Sequence[str], environment: dict[str, str]) -> str:
    """Run one setup command; its stdout is returned, its failure is a BenchError."""
    began = time.monotonic()
    done = subprocess.run(  # noqa: S603  (our own commands, no shell)
        list(argv), env=environment, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise BenchError(f"{what} failed (exit {done.returncode}):\n{tail}")
    print(f"  {what}: {time.monotonic() - began:.1f} s", flush=True)
    return done.stdout


@dataclass(frozen=True)
class Infusion:
    session_id: int
    patient_id: int
    first_measured_at: datetime.datetime


@dataclass(frozen=True)
class ChartToRead:
    patient_id: int
    session_id: int
    readings: int


@dataclass(frozen=True)
class Prepared:
    infusions: list[Infusion]
    charts: list[ChartToRead]
    nurse_email: str

    @classmethod
    def from_json(cls, text: str) -> Prepared:
        data = json.loads(text)
        return cls(
            infusions=[
                Infusion(
                    session_id=item["session_id"],
                    patient_id=item["patient_id"],
                    first_measured_at=datetime.datetime.fromisoformat(item["first_measured_at"]),
                )
                for item in data["infusions"]
            ],
            charts=[ChartToRead(**item) for item in data["charts"]],
            nurse_email=data["nurse_email"],
        )


def prepare_in_django(clients: int, span_minutes: int) -> None:
    """Runs in a subprocess with Django set up (`--prepare-sessions`): puts `clients` demo
    patients in the chair, their pumps started `span_minutes` ago, through the charting services
    (the demo's own `chart_session`, as the demo charts today's infusing patient), and picks
    the charts to read. Prints JSON on stdout."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import transaction
    from django.utils import timezone

    from ketaclinic.charting.models import (
        OPEN_STATUSES,
        SessionStatus,
        TreatmentSession,
        VitalSignReading,
    )
    from ketaclinic.clinics.models import Chair, Clinic
    from ketaclinic.core.errors import DomainError
    from ketaclinic.courses.models import CourseStatus, DoseOrder, TreatmentCourse
    from ketaclinic.courses.services import dose_order_sign
    from ketaclinic.demo.scale import MRN_PREFIX
    from ketaclinic.demo.sessions import _appointment, demo_staff
    from ketaclinic.demo.sessions_chart import Plan, chart_session
    from ketaclinic.medicine.protocols import Route, protocol_get
    from ketaclinic.medicine.visits import VisitKind

    clinic = Clinic.objects.get(slug=CLINIC_SLUG)
    staff = demo_staff()
    chairs = list(Chair.objects.filter(clinic=clinic, is_active=True).order_by("name"))
    in_a_chair = set(
        TreatmentSession.objects.filter(clinic=clinic, status__in=OPEN_STATUSES).values_list(
            "patient_id", flat=True
        )
    )
    courses = [
        course
        for course in TreatmentCourse.objects.filter(
            clinic=clinic,
            status__in=[CourseStatus.INDUCTION, CourseStatus.EXTENDED, CourseStatus.MAINTENANCE],
        )
        .select_related("patient")
        .order_by("patient__medical_record_number")
        if course.patient_id not in in_a_chair
        and protocol_get(course.protocol_key).route != Route.INTRANASAL
    ]
    now = timezone.now()
    # Check-in on the local day of the appointment (the service's rule): an hour earlier
    # when the back-dated moment falls in the last minutes of a day.
    check_in = now - datetime.timedelta(minutes=span_minutes)
    if timezone.localtime(check_in, clinic.zone).hour == 23:
        check_in -= datetime.timedelta(hours=1)
    infusions: list[dict[str, Any]] = []
    refusals: list[str] = []
    for course in courses:
        if len(infusions) == clients:
            break
        plan = Plan(check_in=check_in, stage="infusing")
        try:
            with transaction.atomic():
                # A dose order in date at the back-dated preparation: signed through the
                # service now, then dated before the check-in, as the demo enters its history
                # after the fact (demo/sessions_patients.py `backdate_course`).
                order = dose_order_sign(
                    acting_user=staff.physician, course=course, dose=course.starting_dose
                )
                DoseOrder.objects.filter(pk=order.pk).update(
                    signed_at=check_in - ORDER_SIGNED_BEFORE_CHECK_IN,
                    expires_at=check_in + ORDER_VALID_FOR,
                )
                appointment = _appointment(
                    clinic,
                    patient=course.patient,
                    course=course,
                    kind=VisitKind.IV_INFUSION,
                    starts_at=check_in.replace(second=0, microsecond=0),
                    chair=chairs[len(infusions) % len(chairs)],
                    desk=staff.desk,
                    note="bench/http_load.py",
                )
                session = chart_session(
                    appointment, plan, staff=staff, nurse=staff.nurse, checker=staff.second_nurse
                )
        except DomainError as refusal:
            refusals.append(f"{course.patient.medical_record_number}: {refusal.message}")
            continue
        session.refresh_from_db()
        assert session.started_at is not None
        infusions.append(
            {
                "session_id": session.pk,
                "patient_id": session.patient_id,
                "first_measured_at": (session.started_at + FIRST_READING_AFTER_START).isoformat(),
            }
        )
    if len(infusions) < clients:
        sys.stderr.write(
            f"Only {len(infusions)} of {clients} demo patients could be put in the chair "
            f"({len(courses)} had an open IV course and no session under way). Refused: "
            + "; ".join(refusals)
            + "\n"
        )
        raise SystemExit(1)
    mine = {infusion["patient_id"] for infusion in infusions}
    finished = (
        TreatmentSession.objects.filter(clinic=clinic, status=SessionStatus.DISCHARGED)
        .exclude(patient_id__in=mine)
        # The hand-built demo's charts, with or without --patients: the same charts are read
        # at every size, so growth compares like with like.
        .exclude(patient__medical_record_number__startswith=f"{MRN_PREFIX}-")
        .order_by("-checked_in_at")
    )
    charts: list[dict[str, int]] = []
    for session in finished:
        if any(chart["patient_id"] == session.patient_id for chart in charts):
            continue
        readings = VitalSignReading.objects.filter(session=session).count()
        charts.append(
            {"patient_id": session.patient_id, "session_id": session.pk, "readings": readings}
        )
        if len(charts) == clients:
            break
    if not charts:
        sys.stderr.write("The demo has no finished session to read.\n")
        raise SystemExit(1)
    print(json.dumps({"infusions": infusions, "charts": charts, "nurse_email": NURSE_EMAIL}))


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """`ketaclinic serve` in a process group of its own (so Ctrl-C reaches it only through
    us, and stopping it stops the workers and whatever runs beside them)."""

    def __init__(self, *, port: int, environment: dict[str, str], log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        command = [ketaclinic_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        # Migrated already; the static files are in no measured request (and collecting them
        # would write into the working tree's var/static).
        command += ["--workers", str(WORKERS), "--no-migrate", "--no-collectstatic"]
        self.command = command
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 120) -> None:
        # A file, not a pipe: the access log of a run is many thousand lines, and a pipe nobody
        # reads would fill and stall the server.
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own command)
                self.command,
                env=self.environment,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                stopped = self.process.returncode
                raise BenchError(f"`ketaclinic serve` stopped (exit {stopped}):\n{self.log_tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _, _ = request_once(self.port, "GET", "/healthz", {}, None)
                if status == 200:
                    return
            time.sleep(0.2)
        raise BenchError(
            f"/healthz did not answer 200 within {timeout_s:.0f} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)  # gunicorn stops its workers gracefully
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def log_tail(self, lines: int = 25) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no server log)"
        return "\n".join(text.strip().splitlines()[-lines:])

    def help_text(self) -> str:
        done = subprocess.run(  # noqa: S603
            [ketaclinic_command(), "serve", "--help"],
            env=self.environment,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        return done.stdout


def request_once(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers={**BASE_HEADERS, **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


# As behind the TLS-terminating proxy of a real deployment: gunicorn trusts X-Forwarded-Proto
# from 127.0.0.1 (`serve --forwarded-allow-ips`), so production's HTTPS redirect stays on.
BASE_HEADERS = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept": "application/json"}


# --- the clients ---------------------------------------------------------------------------------


@dataclass
class Sample:
    """One request (or one raw transaction) that finished inside its phase."""

    latency_ms: float
    statements: int | None = None
    transactions: int | None = None
    is_alarm_reading: bool = False


@dataclass
class ClientResult:
    samples: list[Sample] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    alarms_raised: int = 0
    sent_without_time: int = 0
    readings_sent: int = 0  # the client's reading counter after the phase (to continue from)
    closed_by_server: int = 0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.first_errors) < ERRORS_SHOWN:
            self.first_errors.append(text[:400])


@dataclass(frozen=True)
class HttpTarget:
    port: int
    token: str
    chart_path: str | None  # /api/v1/patients/{id}/chart when the server has it


def _count(headers: dict[str, str], name: str) -> int | None:
    value = headers.get(name)
    return int(value) if value is not None and value.isdigit() else None


class Client:
    """One client's own connection. gunicorn's sync workers close it after every answer
    (`Connection: close`), so http.client opens the next one: as any client of `serve` does."""

    def __init__(self, target: HttpTarget, result: ClientResult) -> None:
        self.target = target
        self.result = result
        self.connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
        self.headers = {**BASE_HEADERS, "Authorization": f"Token {target.token}"}

    def call(
        self, method: str, path: str, payload: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes] | None:
        body = json.dumps(payload).encode() if payload is not None else None
        sent = {**self.headers, **headers}
        if body is not None:
            sent["Content-Type"] = "application/json"
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as failure:
            self.connection.close()
            self.result.error(f"{method} {path}: {type(failure).__name__}: {failure}")
            return None
        answered = {k.lower(): v for k, v in response.getheaders()}
        if answered.get("connection", "").lower() == "close":
            self.result.closed_by_server += 1
            self.connection.close()
        if not 200 <= response.status < 300:
            text = content.decode(errors="replace")
            self.result.error(f"{method} {path}: {response.status} {text}")
            return None
        return response.status, answered, content

    def close(self) -> None:
        self.connection.close()


def chart_readings(
    target: HttpTarget,
    infusion: Infusion,
    client_index: int,
    run_id: str,
    first_reading: int,
    start_at: float,
    stop_at: float,
    record: bool,
) -> ClientResult:
    result = ClientResult(readings_sent=first_reading)
    client = Client(target, result)
    path = f"/api/v1/sessions/{infusion.session_id}/vitals"
    _wait_until(start_at)
    number = first_reading
    while time.monotonic() < stop_at:
        # One reading in ten, staggered by client so the alarms do not all land at once (and
        # a short smoke run still raises some).
        is_alarm = number % ALARM_EVERY == client_index % ALARM_EVERY
        payload: dict[str, Any] = dict(ALARM_VITALS if is_alarm else NORMAL_VITALS)
        measured_at = infusion.first_measured_at + number * READING_INTERVAL
        now = datetime.datetime.now(datetime.UTC)
        if measured_at <= now - NEWEST_MEASURED_BEFORE_NOW:
            payload["measured_at"] = measured_at.isoformat()
        else:
            result.sent_without_time += 1  # out of past to chart in: charted at "now"
        key = f"bench-{run_id}-{client_index}-{number}"
        number += 1
        began = time.monotonic()
        answer = client.call("POST", path, payload, {"Idempotency-Key": key})
        ended = time.monotonic()
        if answer is None or ended > stop_at or not record:
            continue
        _, headers, content = answer
        if is_alarm and json.loads(content).get("alarm_level", 0) > 0:
            result.alarms_raised += 1
        result.samples.append(
            Sample(
                latency_ms=(ended - began) * 1000,
                statements=_count(headers, "x-statement-count"),
                transactions=_count(headers, "x-transaction-count"),
                is_alarm_reading=is_alarm,
            )
        )
    client.close()
    result.readings_sent = number
    return result


def read_charts(
    target: HttpTarget, chart: ChartToRead, start_at: float, stop_at: float, record: bool
) -> ClientResult:
    result = ClientResult()
    client = Client(target, result)
    if target.chart_path is not None:
        paths = [target.chart_path.format(patient_id=chart.patient_id)]
    else:
        paths = [
            f"/api/v1/patients/{chart.patient_id}",
            f"/api/v1/sessions/{chart.session_id}/vitals",
        ]
    _wait_until(start_at)
    while time.monotonic() < stop_at:
        began = time.monotonic()
        statements = transactions = 0
        complete = True
        for path in paths:
            answer = client.call("GET", path, None, {})
            if answer is None:
                complete = False
                break
            statements += _count(answer[1], "x-statement-count") or 0
            transactions += _count(answer[1], "x-transaction-count") or 0
        ended = time.monotonic()
        if complete and ended <= stop_at and record:
            result.samples.append(
                Sample((ended - began) * 1000, statements=statements, transactions=transactions)
            )
    client.close()
    return result


@dataclass(frozen=True)
class RawRows:
    """A real charted reading and its audit event, as the raw clients insert them again."""

    vitals: dict[str, Any]
    audit: dict[str, Any]


def insert_raw(
    database_url: str,
    rows: RawRows,
    session_id: int,
    client_index: int,
    phase_id: str,
    start_at: float,
    stop_at: float,
) -> ClientResult:
    result = ClientResult()
    vitals_columns = [column for column in rows.vitals if column != "id"]
    audit_columns = [column for column in rows.audit if column != "id"]
    insert_vitals = _insert("bench_raw_vitals", vitals_columns)
    insert_audit = _insert("bench_raw_audit", audit_columns)
    number = 0
    with psycopg.connect(database_url, application_name=f"bench-raw-{client_index}") as conn:
        _wait_until(start_at)
        while time.monotonic() < stop_at:
            now = datetime.datetime.now(datetime.UTC)
            vitals = {
                **rows.vitals,
                "session_id": session_id,
                "created_at": now,
                "updated_at": now,
                "measured_at": now,
                "idempotency_key": f"raw-{phase_id}-{client_index}-{number}",
            }
            audit = {**rows.audit, "occurred_at": now, "nonce": secrets.token_hex(16)}
            number += 1
            began = time.monotonic()
            try:
                # One transaction: BEGIN, the two inserts, COMMIT (psycopg sends the BEGIN).
                conn.execute(insert_vitals, [_adapt(vitals[c]) for c in vitals_columns])
                conn.execute(insert_audit, [_adapt(audit[c]) for c in audit_columns])
                conn.commit()
            except psycopg.Error as failure:
                conn.rollback()
                result.error(f"raw insert: {failure}")
                continue
            ended = time.monotonic()
            if ended <= stop_at:
                result.samples.append(Sample((ended - began) * 1000, statements=2, transactions=1))
    return result


def _insert(table: str, columns: list[str]) -> sql.Composed:
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(column) for column in columns),
        sql.SQL(", ").join(sql.Placeholder() for _ in columns),
    )


def _adapt(value: Any) -> Any:
    return Jsonb(value) if isinstance(value, dict | list) else value


def _wait_until(moment: float) -> None:
    delay = moment - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def _in_child(
    work: Callable[..., ClientResult], args: tuple[Any, ...], results: Queue[Any], slot: int
) -> None:
    # Ctrl-C reaches the whole process group: the parent cleans up, a client just stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the parent's clean-up handler
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        results.put((slot, work(*args)))
    except Exception as failure:  # a client that broke reports it instead of hanging the phase
        broken = ClientResult()
        broken.error(f"client failed: {type(failure).__name__}: {failure}")
        results.put((slot, broken))


def run_clients(
    jobs: list[tuple[Callable[..., ClientResult], tuple[Any, ...]]],
) -> list[ClientResult]:
    """Each job in a process of its own (real concurrency, whatever the GIL), all started at
    one moment (the first argument after the job's own is a placeholder for it)."""
    context = multiprocessing.get_context("fork")
    results: Queue[Any] = context.Queue()
    processes = [
        context.Process(target=_in_child, args=(work, args, results, slot), daemon=True)
        for slot, (work, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    collected: dict[int, ClientResult] = {}
    try:
        while len(collected) < len(processes):
            try:
                slot, result = results.get(timeout=1)
            except queue.Empty:
                if not any(process.is_alive() for process in processes) and results.empty():
                    raise BenchError("A client process died without a word.") from None
                continue
            collected[slot] = result
    except BaseException:
        # Ctrl-C or a dead client: the others stop now, not at the end of their phase.
        for process in processes:
            process.kill()
        raise
    finally:
        for process in processes:
            process.join(timeout=10)
    return [collected[slot] for slot in range(len(processes))]


# --- the figures --------------------------------------------------------------------------------


@dataclass
class Operation:
    label: str
    seconds: float = 0.0
    results: list[ClientResult] = field(default_factory=list)
    load_averages: list[float] = field(default_factory=list)  # 1-minute, at each phase's end

    @property
    def samples(self) -> list[Sample]:
        return [sample for result in self.results for sample in result.samples]

    @property
    def errors(self) -> int:
        return sum(result.errors for result in self.results)

    @property
    def per_second(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def percentile_ms(self, fraction: float) -> float:
        latencies = sorted(sample.latency_ms for sample in self.samples)
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(len(latencies) * fraction))]

    def round_trips(self, samples: list[Sample] | None = None) -> list[int]:
        """Statements per request as the database sees them: the header's cursor statements
        plus BEGIN and COMMIT of each explicit transaction."""
        chosen = self.samples if samples is None else samples
        return [
            sample.statements + 2 * (sample.transactions or 0)
            for sample in chosen
            if sample.statements is not None
        ]


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def report(operations: list[Operation], raw: Operation, *, rounds: int) -> None:
    print()
    print(
        f"{'operation':<38} {'per s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'stmts mean/max':>14} {'txns':>5} {'errors':>6} {'× raw':>6}  load 1m by round"
    )
    for operation in [raw, *operations]:
        trips = operation.round_trips()
        transactions = [s.transactions for s in operation.samples if s.transactions is not None]
        ratio = operation.per_second / raw.per_second if raw.per_second else float("nan")
        statements = f"{_mean(trips):.1f}/{max(trips)}" if trips else "-"
        print(
            f"{operation.label:<38} {operation.per_second:>8.1f} "
            f"{operation.percentile_ms(0.50):>7.1f} {operation.percentile_ms(0.95):>7.1f} "
            f"{operation.percentile_ms(0.99):>7.1f} {statements:>14} "
            f"{_mean(transactions):>5.1f} {operation.errors:>6} {ratio:>6.3f}  "
            + " ".join(f"{load:.2f}" for load in operation.load_averages)
        )
    print(
        f"({rounds} round(s) of raw → charting → chart read; 'stmts' = X-Statement-Count (every "
        "cursor statement, savepoints included) + 2 × X-Transaction-Count (BEGIN and COMMIT of "
        "each explicit transaction); 'txns' = explicit transactions per request; the raw row "
        "is 2 INSERTs + BEGIN/COMMIT)"
    )
    for operation in [raw, *operations]:
        texts = [text for result in operation.results for text in result.first_errors]
        for text in texts[:ERRORS_SHOWN]:
            print(f"  error in {operation.label}: {' '.join(text.split())}")
        if operation.errors > ERRORS_SHOWN:
            print(f"  … {operation.errors - ERRORS_SHOWN} more errors in {operation.label}")


def report_details(charting: Operation, reading: Operation, chart_path: str | None) -> None:
    plain = charting.round_trips([s for s in charting.samples if not s.is_alarm_reading])
    alarm = charting.round_trips([s for s in charting.samples if s.is_alarm_reading])
    alarm_readings = sum(1 for s in charting.samples if s.is_alarm_reading)
    raised = sum(result.alarms_raised for result in charting.results)
    without_time = sum(result.sent_without_time for result in charting.results)
    closed = sum(r.closed_by_server for r in charting.results + reading.results)
    headers = [s.statements for s in charting.samples if s.statements is not None]
    transactions = [s.transactions for s in charting.samples if s.transactions is not None]
    print()
    if headers:
        print(
            f"charting headers: X-Statement-Count mean {_mean(headers):.1f} max {max(headers)}, "
            f"X-Transaction-Count mean {_mean(transactions):.2f} max {max(transactions or [0])}"
        )
    if plain:
        print(
            f"charting statements: plain reading mean {_mean(plain):.1f} max {max(plain)}", end=""
        )
        if alarm:
            print(f"; reading that raises an alarm mean {_mean(alarm):.1f} max {max(alarm)}")
        else:
            print()
    print(f"alarms: {raised} of {alarm_readings} alarm readings answered with an alarm_level > 0")
    if without_time:
        print(
            f"measured_at: {without_time} readings ran out of back-dated time and were sent "
            "without it (charted at the server's now)"
        )
    else:
        print("measured_at: every reading back-dated 3 minutes after its session's previous one")
    print(
        "chart read: "
        + (
            f"GET {chart_path} (one request)"
            if chart_path
            else "GET /api/v1/patients/{id} + GET /api/v1/sessions/{id}/vitals (no chart "
            "endpoint on this server: it answered 404)"
        )
    )
    if closed:
        print(
            f"connections: the server closed the client's connection after {closed} answers "
            "(gunicorn sync workers do not keep connections alive): each request reconnected"
        )


def report_targets(charting: Operation, reading: Operation, raw: Operation) -> None:
    def verdict(ok: bool) -> str:
        return "PASS" if ok else "FAIL"

    if not raw.per_second:
        print("targets: no raw baseline figure, so no ratio")
        return
    charting_ratio = charting.per_second / raw.per_second
    reading_ratio = reading.per_second / raw.per_second
    statements = _mean(charting.round_trips())
    print()
    print("issue 15 targets (same run):")
    print(
        f"  charting ≥ {TARGETS['charting_vs_raw']:.0%} of raw: {charting_ratio:.1%} "
        f"({charting.per_second:.1f}/s vs {raw.per_second:.0f}/s)  "
        f"{verdict(charting_ratio >= TARGETS['charting_vs_raw'])}"
    )
    print(
        f"  chart read ≥ {TARGETS['chart_read_vs_raw']:.0%} of raw: {reading_ratio:.1%} "
        f"({reading.per_second:.1f}/s vs {raw.per_second:.0f}/s)  "
        f"{verdict(reading_ratio >= TARGETS['chart_read_vs_raw'])}"
    )
    limit = TARGETS["statements_per_reading"]
    print(
        f"  ≤ {limit} statements per charted reading (mean, BEGIN/COMMIT included): "
        f"{statements:.1f}  {verdict(statements <= limit)}"
    )


# The growth target: p95 at 100,000 patients within this factor of the plain demo's.
GROWTH_LIMIT = 1.3


def save_figures(path: Path, *, patients: int, charting: Operation, reading: Operation) -> None:
    """What a later run at another size compares its p95s with (`--growth-baseline`)."""
    figures = {
        "patients": patients,
        "charting_p95_ms": charting.percentile_ms(0.95),
        "chart_read_p95_ms": reading.percentile_ms(0.95),
        "charting_per_s": charting.per_second,
        "chart_read_per_s": reading.per_second,
    }
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"figures saved to {path} (compare a grown run with --growth-baseline {path})")


def report_growth(
    baseline_path: Path, *, patients: int, charting: Operation, reading: Operation
) -> None:
    """p95 here against the baseline run's: the issue's flat-growth target (≤ 1.3×)."""
    baseline = json.loads(baseline_path.read_text())
    print()
    print(
        f"growth: {patients:,} generated patients here against "
        f"{baseline['patients']:,} in {baseline_path.name} (p95, ≤ {GROWTH_LIMIT}×)"
    )
    for label, here, there in (
        ("charting", charting.percentile_ms(0.95), baseline["charting_p95_ms"]),
        ("chart read", reading.percentile_ms(0.95), baseline["chart_read_p95_ms"]),
    ):
        ratio = here / there if there else float("inf")
        verdict = "PASS" if ratio <= GROWTH_LIMIT else "FAIL"
        print(f"  {label}: p95 {here:.1f} ms vs {there:.1f} ms = {ratio:.2f}×  {verdict}")


# --- the run -------------------------------------------------------------------------------------


def sample_rows(database: Database, session_id: int) -> RawRows:
    """Scratch tables LIKE the real ones, and one real reading and audit event to copy."""
    with psycopg.connect(database.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_raw_vitals (LIKE charting_vitalsignreading INCLUDING ALL)")
        conn.execute("CREATE TABLE bench_raw_audit (LIKE audit_auditevent INCLUDING ALL)")
        # LIKE copies no foreign keys; the real reading checks three.
        for column, table in (
            ("session_id", "charting_treatmentsession"),
            ("clinic_id", "clinics_clinic"),
            ("recorded_by_id", "accounts_user"),
        ):
            conn.execute(
                sql.SQL(
                    "ALTER TABLE bench_raw_vitals ADD FOREIGN KEY ({}) REFERENCES {} (id) "
                    "DEFERRABLE INITIALLY DEFERRED"
                ).format(sql.Identifier(column), sql.Identifier(table))
            )
        with conn.cursor(row_factory=dict_row) as cursor:
            vitals = cursor.execute(
                "SELECT * FROM charting_vitalsignreading WHERE session_id = %s "
                "ORDER BY id DESC LIMIT 1",
                [session_id],
            ).fetchone()
            audit = cursor.execute(
                "SELECT * FROM audit_auditevent WHERE action = 'session.vitals_recorded' "
                "ORDER BY id DESC LIMIT 1"
            ).fetchone()
    if vitals is None or audit is None:
        raise BenchError("The demo has no charted reading and audit event to copy.")
    return RawRows(vitals=vitals, audit=audit)


def probe_chart_endpoint(target: HttpTarget, chart: ChartToRead) -> str | None:
    path = "/api/v1/patients/{patient_id}/chart"
    status, _, body = request_once(
        target.port,
        "GET",
        path.format(patient_id=chart.patient_id),
        {"Authorization": f"Token {target.token}"},
        None,
    )
    if 200 <= status < 300:
        return path
    if status != 404:
        raise BenchError(f"GET {path} answered {status}: {body[:300]!r}")
    return None


@dataclass
class Settings:
    database: Database
    seconds: float
    rounds: int
    warm_up_s: float
    smoke: bool
    keep: bool
    port: int
    patients: int = 0
    save_figures: Path | None = None
    growth_baseline: Path | None = None


def parse(argv: list[str]) -> Settings | tuple[int, int]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument(
        "--seconds", type=float, default=30, help="Measured seconds per operation (default 30)."
    )
    parser.add_argument("--smoke", action="store_true", help="3 s, one round: that it works.")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    parser.add_argument(
        "--save-figures",
        type=Path,
        default=None,
        metavar="FILE",
        help="Write this run's p95s and rates as JSON (the baseline of a growth comparison).",
    )
    parser.add_argument(
        "--growth-baseline",
        type=Path,
        default=None,
        metavar="FILE",
        help="A run's --save-figures file to compare this run's p95s with: the growth ratio "
        "(run the plain demo with --save-figures, then --patients 100000 with this).",
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=0,
        help="Grow the demo by this many generated patients first (`ketaclinic demo --patients "
        "N`; 100000 gives ~1,000,000 sessions): the growth figures of issue 15, compared with a "
        "run without it.",
    )
    parser.add_argument("--port", type=int, default=0, help="The server's port (default: free).")
    parser.add_argument(
        "--prepare-sessions",
        nargs=2,
        type=int,
        metavar=("CLIENTS", "MINUTES"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)
    if args.prepare_sessions:
        clients, minutes = args.prepare_sessions
        return clients, minutes
    seconds = 3.0 if args.smoke else args.seconds
    if seconds <= 0:
        parser.error("--seconds must be more than 0")
    return Settings(
        database=Database(args.database_url),
        seconds=seconds,
        rounds=1 if args.smoke else 3,
        warm_up_s=0.0 if args.smoke else 2.0,
        smoke=args.smoke,
        keep=args.keep,
        port=args.port or free_port(),
        patients=max(args.patients, 0),
        save_figures=args.save_figures,
        growth_baseline=args.growth_baseline,
    )


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the run as Ctrl-C does, through every `finally` below (and Ctrl-C
    does even where the shell started us with SIGINT ignored, as it does a background job)."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    stopping = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, interrupt) for sig in stopping}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def benchmark(settings: Settings, work_dir: Path) -> int:
    database = settings.database
    environment = app_environment(database)
    command = ketaclinic_command()
    run_id = secrets.token_hex(4)
    span_minutes = int(
        min(
            (FIRST_READING_AFTER_START + READING_INTERVAL).total_seconds() // 60
            + 18  # the demo starts the pump 18 minutes after check-in
            + (settings.seconds + settings.warm_up_s * settings.rounds + 5)
            * CEILING_READINGS_PER_CLIENT_PER_S
            * READING_INTERVAL.total_seconds()
            / 60,
            LONGEST_BACK_DATING.total_seconds() // 60,
        )
    )
    print(f"Setting up {database.name!r} on {urllib.parse.urlsplit(database.url).netloc}:")
    run_step("migrate", [command, "migrate", "--verbosity", "0"], environment)
    run_step("createcachetable", [command, "createcachetable"], environment)
    demo = [command, "demo", *(["--patients", str(settings.patients)] if settings.patients else [])]
    run_step(
        f"demo{f' with {settings.patients:,} generated patients' if settings.patients else ''}",
        demo,
        environment,
    )
    prepared = Prepared.from_json(
        run_step(
            f"{CLIENTS} infusions (pumps started {span_minutes / 60 / 24:.1f} days ago)",
            [sys.executable, __file__, "--prepare-sessions", str(CLIENTS), str(span_minutes)],
            environment,
        )
    )
    token = run_step(
        "token",
        [
            *(command, "token", "issue", prepared.nurse_email, "--clinic", CLINIC_SLUG),
            *("--name", f"bench {run_id}", "--by", ADMIN_EMAIL),
        ],
        environment,
    ).strip()
    rows = sample_rows(database, prepared.infusions[0].session_id)
    server = Server(port=settings.port, environment=environment, log_path=work_dir / "serve.log")
    if "--no-sealer" in server.help_text():
        print("  (`serve` runs the audit sealer beside gunicorn: measured with it, as deployed)")
    try:
        began = time.monotonic()
        server.start()
        print(f"  ketaclinic serve on port {settings.port}: up in {time.monotonic() - began:.1f} s")
        target = HttpTarget(port=settings.port, token=token, chart_path=None)
        chart_path = probe_chart_endpoint(target, prepared.charts[0])
        target = HttpTarget(port=settings.port, token=token, chart_path=chart_path)
        return measure(settings, database, target, prepared, rows, run_id, chart_path)
    except Exception:
        print(f"\nThe server's log ends:\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        server.stop()


def measure(
    settings: Settings,
    database: Database,
    target: HttpTarget,
    prepared: Prepared,
    rows: RawRows,
    run_id: str,
    chart_path: str | None,
) -> int:
    phase_s = settings.seconds / settings.rounds
    raw = Operation("raw psycopg: vitals + audit row / txn")
    charting = Operation("chart a reading: POST …/vitals")
    reading = Operation(
        "read a chart: GET …/chart" if chart_path else "read a chart: GET patient + vitals"
    )
    readings_sent = [0] * CLIENTS
    infusions = prepared.infusions
    charts = prepared.charts

    def timed(phase_seconds: float) -> tuple[float, float]:
        start = time.monotonic() + 0.5  # the processes are forked meanwhile
        return start, start + phase_seconds

    def charting_phase(seconds: float, *, record: bool) -> list[ClientResult]:
        start, stop = timed(seconds)
        results = run_clients(
            [
                (
                    chart_readings,
                    (target, infusions[i], i, run_id, readings_sent[i], start, stop, record),
                )
                for i in range(CLIENTS)
            ]
        )
        for i, result in enumerate(results):
            readings_sent[i] = max(readings_sent[i], result.readings_sent)
        return results

    def reading_phase(seconds: float, *, record: bool) -> list[ClientResult]:
        start, stop = timed(seconds)
        return run_clients(
            [
                (read_charts, (target, charts[i % len(charts)], start, stop, record))
                for i in range(CLIENTS)
            ]
        )

    def raw_phase(seconds: float, number: int) -> list[ClientResult]:
        start, stop = timed(seconds)
        phase_id = f"{run_id}-{number}"  # the keys of each round's rows are new
        url = database.url
        return run_clients(
            [
                (insert_raw, (url, rows, infusions[i].session_id, i, phase_id, start, stop))
                for i in range(CLIENTS)
            ]
        )

    print(
        f"\n{CLIENTS} clients, {WORKERS} gunicorn workers, {settings.rounds} round(s) of "
        f"{phase_s:.1f} s per operation"
        + (f" after {settings.warm_up_s:.0f} s of warm-up each" if settings.warm_up_s else "")
        + f"; {os.cpu_count()} CPUs, load {_load():.2f}",
        flush=True,
    )
    for number in range(1, settings.rounds + 1):
        raw.results += raw_phase(phase_s, number)
        raw.seconds += phase_s
        raw.load_averages.append(_load())
        if settings.warm_up_s:
            charting_phase(settings.warm_up_s, record=False)
        charting.results += charting_phase(phase_s, record=True)
        charting.seconds += phase_s
        charting.load_averages.append(_load())
        if settings.warm_up_s:
            reading_phase(settings.warm_up_s, record=False)
        reading.results += reading_phase(phase_s, record=True)
        reading.seconds += phase_s
        reading.load_averages.append(_load())
        print(
            f"  round {number}: raw {raw.per_second:.0f}/s, "
            f"charting {charting.per_second:.1f}/s, chart read {reading.per_second:.1f}/s "
            "(cumulative)",
            flush=True,
        )
    report([charting, reading], raw, rounds=settings.rounds)
    report_details(charting, reading, chart_path)
    report_targets(charting, reading, raw)
    if settings.save_figures is not None:
        save_figures(
            settings.save_figures, patients=settings.patients, charting=charting, reading=reading
        )
    if settings.growth_baseline is not None:
        report_growth(
            settings.growth_baseline,
            patients=settings.patients,
            charting=charting,
            reading=reading,
        )
    errors = raw.errors + charting.errors + reading.errors
    measured = all(op.samples for op in (raw, charting, reading))
    if settings.smoke and (errors or not measured):
        print(f"\nsmoke: {errors} error(s); every operation measured: {measured}")
        return 1
    return 0


def _load() -> float:
    return os.getloadavg()[0]


def main(argv: list[str]) -> int:
    parsed = parse(argv)
    if isinstance(parsed, tuple):
        prepare_in_django(*parsed)
        return 0
    settings = parsed
    try:
        settings.database.validate()
    except BenchError as problem:
        print(f"http_load: {problem}", file=sys.stderr)
        return 2
    created = False
    try:
        with stopped_by_signals(), tempfile.TemporaryDirectory(prefix="http_load-") as work:
            settings.database.create()
            created = True
            return benchmark(settings, Path(work))
    except BenchError as problem:
        print(f"http_load: {problem}", file=sys.stderr)
        return 2
    except psycopg.OperationalError as problem:
        print(f"http_load: PostgreSQL did not answer: {problem}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nhttp_load: interrupted; cleaning up.", file=sys.stderr)
        return 130
    finally:
        if created and not settings.keep:
            with contextlib.suppress(psycopg.Error):
                settings.database.drop()
        elif created:
            print(f"Kept the scratch database {settings.database.name!r} (--keep).")


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
