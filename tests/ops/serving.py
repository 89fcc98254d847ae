"""Run the real `ketaclinic serve` against a real PostgreSQL, as an operator does.

Shared by tests/ops: a database cloned from the test database (migrating one takes ~10 s; a
`pg_dump | psql` of the migrated test database takes well under one), data seeded by a child
process with the ordinary factories, the server started with production settings on a free
loopback port, and plain HTTP calls (stdlib, one connection per call, safe from many threads).
A private PostgreSQL cluster (initdb in a temporary directory) is for tests that stop the
database under the server.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HOST = "127.0.0.1"
SERVER_START_SECONDS = 90

requires_postgresql = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason=(
        "SKIPPED on SQLite: this test runs the real server on PostgreSQL (set "
        "DATABASE_URL=postgres://...; CI runs the suite on both databases)."
    ),
)


def pg_tool(name: str) -> str:
    """A PostgreSQL client or server program: PG_BIN first, then PATH."""
    candidate = PG_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"SKIPPED: PostgreSQL's `{name}` is not installed (looked in {PG_BIN}, PATH).")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# --- databases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    name: str
    host: str = HOST
    port: int = 5432
    user: str = "postgres"
    password: str = ""

    @property
    def url(self) -> str:
        secret = f":{self.password}" if self.password else ""
        return f"postgres://{self.user}{secret}@{self.host}:{self.port}/{self.name}"

    def connect(self, dbname: str | None = None) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password or None,
            dbname=dbname or self.name,
            autocommit=True,
            connect_timeout=5,
        )

    def tool_args(self) -> list[str]:
        return ["-h", self.host, "-p", str(self.port), "-U", self.user]

    def tool_env(self) -> dict[str, str]:
        return {**os.environ, "PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"}


def the_test_database() -> Database:
    """The pytest-django test database (in a test marked `django_db`)."""
    from django.db import connections

    settings = connections["default"].settings_dict
    return Database(
        name=settings["NAME"],
        host=settings["HOST"] or HOST,
        port=int(settings["PORT"] or 5432),
        user=settings["USER"] or "postgres",
        password=settings["PASSWORD"] or "",
    )


def create_database(server: Database, name: str) -> Database:
    target = Database(name, server.host, server.port, server.user, server.password)
    with server.connect(dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return target


def drop_database(database: Database) -> None:
    with contextlib.suppress(psycopg.Error), database.connect(dbname="postgres") as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def clone(source: Database, target: Database) -> None:
    """The source's tables, rows and triggers into the empty `target` (any server)."""
    dump = subprocess.run(
        [pg_tool("pg_dump"), "--no-owner", "--no-privileges", *source.tool_args(), source.name],
        env=source.tool_env(),
        capture_output=True,
        check=True,
        timeout=60,
    )
    subprocess.run(
        [pg_tool("psql"), "-q", "-X", "-v", "ON_ERROR_STOP=1", *target.tool_args(), target.name],
        input=dump.stdout,
        env=target.tool_env(),
        capture_output=True,
        check=True,
        timeout=60,
    )


@contextlib.contextmanager
def cloned_test_database(server: Database, suffix: str) -> Iterator[Database]:
    """A migrated database of our own on `server`, dropped afterwards."""
    source = the_test_database()
    target = create_database(server, f"{source.name}_{suffix}_{os.getpid()}")
    try:
        clone(source, target)
        yield target
    finally:
        drop_database(target)


class PrivateCluster:
    """A throwaway PostgreSQL server in a temporary directory, on a free loopback port.

    initdb refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
    fsync stays on (the default): the test is about writes surviving a crash.
    """

    def __init__(self) -> None:
        self.initdb = pg_tool("initdb")
        self.pg_ctl = pg_tool("pg_ctl")
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="ketaclinic-pg-"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.runas: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                owner = None
            if runuser is None or owner is None:
                shutil.rmtree(self.directory, ignore_errors=True)
                pytest.skip("SKIPPED: running as root needs `runuser` and a `postgres` OS user.")
            os.chown(self.directory, owner.pw_uid, owner.pw_gid)
            self.runas = [runuser, "-u", "postgres", "--"]
        self.database = Database("postgres", HOST, self.port)

    def _run(self, *command: str) -> None:
        result = subprocess.run(
            [*self.runas, *command], capture_output=True, text=True, timeout=60, check=False
        )
        if result.returncode != 0:
            raise AssertionError(
                f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}\n{self._log()}"
            )

    def _log(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text()[-3000:]
        return ""

    def init(self) -> None:
        # --no-sync only skips flushing initdb's own files (a crash here just fails the test).
        self._run(self.initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses={HOST} -c fsync=on"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"
        )

    def stop_immediately(self) -> None:
        """As a crash: no checkpoint, connections cut (WAL replay on the next start)."""
        self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                self._run(self.pg_ctl, "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)


@contextlib.contextmanager
def private_cluster() -> Iterator[PrivateCluster]:
    cluster = PrivateCluster()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


# --- seeding (in a child process, with the ordinary factories) ----------------------------------


def seed(database: Database, *, open_session: bool = False) -> dict[str, Any]:
    """Personas at clinic A, a nurse's API token and (optionally) a checked-in session today."""
    code = "from tests.ops.serving import _seed_main; _seed_main()"
    env = {
        **clean_environment(),
        "DJANGO_SETTINGS_MODULE": "ketaclinic.config.test_settings",
        "DATABASE_URL": database.url,
        "SEED_OPEN_SESSION": "1" if open_session else "",
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seeded: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return seeded


def _seed_main() -> None:  # pragma: no cover  (runs in the child process)
    import datetime

    import django

    django.setup()
    import time_machine
    from django.utils import timezone

    from ketaclinic.api.services import api_token_issue
    from ketaclinic.charting.services import session_check_in
    from ketaclinic.testing.personas import make_personas

    personas = make_personas()
    _, token = api_token_issue(
        acting_user=personas.ada, clinic=personas.clinic, user=personas.nina, name="Chair monitor"
    )
    seeded: dict[str, Any] = {
        "token": token,
        "email": personas.nina.email,
        "clinic_id": personas.clinic.pk,
        "patient_ids": sorted([personas.pat.pk, personas.quinn.pk]),
    }
    if os.environ.get("SEED_OPEN_SESSION"):
        from ketaclinic.inventory.tests.support import infusion

        # Booked yesterday for 09:00 today (clinic time), checked in now: open for charting.
        with time_machine.travel(timezone.now() - datetime.timedelta(days=1), tick=True):
            appointment = infusion(personas, days_ahead=1, hour=9)
        session = session_check_in(acting_user=personas.fran, appointment=appointment)
        seeded["session_id"] = session.pk
    print(json.dumps(seeded))  # the parent reads the last line


# --- the server --------------------------------------------------------------------------------


def clean_environment() -> dict[str, str]:
    """This process's environment without the settings a test run sets for itself."""
    dropped = {
        "SECRET_KEY",
        "DEBUG",
        "HTTPS",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "KETACLINIC_VAR_DIR",
        "PGAPPNAME",
        "WEB_CONCURRENCY",
    }
    return {key: value for key, value in os.environ.items() if key not in dropped}


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def output(self) -> str:
        with contextlib.suppress(OSError):
            return self.log.read_text(errors="replace")[-6000:]
        return ""

    def worker_pids(self) -> set[int]:
        """The gunicorn workers: the processes whose parent is the server (the master), but
        the audit sealer serve starts beside them (`ketaclinic audit seal --every`)."""
        children = set()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
                if int(fields[1]) == self.process.pid and b"audit seal" not in command:
                    children.add(int(entry.name))
        return children


@contextlib.contextmanager
def serving(database: Database, var_dir: Path, *, workers: int) -> Iterator[Server]:
    """`ketaclinic serve` with production settings (DEBUG off, a real key, plain HTTP)."""
    port = free_port()
    log = var_dir / f"serve-{port}.log"
    env = {
        **clean_environment(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(40),
        "DEBUG": "false",
        "HTTPS": "false",
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database.url,
        "KETACLINIC_VAR_DIR": str(var_dir),
        "PYTHONUNBUFFERED": "1",
    }
    command = [
        sys.executable,
        "-m",
        "ketaclinic.cli",
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-migrate",  # the database is a clone of the migrated test database
        "--no-collectstatic",  # API calls and the outage page need no collected files
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(  # its own process group: the workers are stopped with it
            command,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=process, port=port, log=log)
    try:
        _wait_until_answering(server)
        yield server
    finally:
        _stop(server)


def _wait_until_answering(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"`ketaclinic serve` exited:\n{server.output()}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            call(server, "GET", "/healthz", timeout=2)
            return
        time.sleep(0.1)  # polling a process that is starting; not a wait for time to pass
    raise AssertionError(f"`ketaclinic serve` did not answer in time:\n{server.output()}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)


# --- calls --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def call(
    server: Server,
    method: str,
    path: str,
    *,
    token: str | None = None,
    body: Any = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    connection = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Token {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        connection.request(method, path, body=payload, headers=sent)
        response = connection.getresponse()
        return Answer(
            status=response.status,
            headers={name.lower(): value for name, value in response.getheaders()},
            body=response.read(),
        )
    finally:
        connection.close()
