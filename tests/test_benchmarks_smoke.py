"""Every benchmark in bench/ still runs: each is started as `python bench/x.py --smoke` (tiny sizes,
one or two runs) and must exit 0 having printed its figures. No timing is asserted — speed is
measured by running the benches in full, not tested — but a bench that no longer runs fails here,
so it cannot rot between measurements (issue 15 #4).

A new bench/*.py is covered by being there. `http_load.py` is left out: it starts the real server
on PostgreSQL and has its own test. Each bench builds Django's throwaway test database: in memory
on SQLite; on PostgreSQL a `test_bench_smoke_<bench>_<pid>` of its own (this run's own test
database is in use), dropped afterwards whatever happened. The benches are independent, so the
selected ones start together, as many at a time as the machine has cores: most of each run is
migrating its database, and one after another they would take a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
NOT_SMOKED = {"http_load.py"}  # the server load test: PostgreSQL and a server, tested on its own
BENCHES = sorted(
    path
    for path in BENCH_DIR.glob("*.py")
    if path.name not in NOT_SMOKED and not path.name.startswith("_")  # "_x.py": a helper
)
# A smoke run takes seconds (the longest builds the demo clinic, ~40 s on a busy 2-core machine);
# the limit only stops a bench that hangs.
SMOKE_TIMEOUT_SECONDS = 600
# A figure as every bench prints them: a number with its unit of time.
FIGURE = re.compile(r"\d[\d,]*(\.\d+)? ms\b")
# What this run sets for itself and a bench must not inherit: the database (given per bench
# below), the browser tests' async switch, and coverage's subprocess start-up (the coverage gate
# on medicine/ is the tests', not the benches').
NOT_INHERITED = {
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "KETACLINIC_VAR_DIR",
    "COVERAGE_PROCESS_START",
    "COVERAGE_PROCESS_CONFIG",
}


@dataclass(frozen=True)
class SmokeRun:
    returncode: int
    stdout: str
    stderr: str

    def report(self) -> str:
        return f"exit {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr[-6000:]}"


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def _drop_databases(server_url: str, names: list[str]) -> None:
    settings = dj_database_url.parse(server_url)
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=int(settings["PORT"] or 5432),
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
        connect_timeout=10,
    ) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _text(output: bytes | str | None) -> str:
    """What a timed-out child had printed (bytes even with text=True, or nothing)."""
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""


def _smoke(bench: Path, var_dir: Path) -> SmokeRun:
    """Run one bench in smoke mode with a database of its own, and drop that database after."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in NOT_INHERITED and not key.startswith("COV_CORE_")
    }
    # Settings create var/ (static files, audit checkpoints) under KETACLINIC_VAR_DIR: a
    # temporary one, so a smoke run leaves nothing in the working tree.
    environment["KETACLINIC_VAR_DIR"] = str(var_dir)
    server_url = _postgres_url()
    # On SQLite: no DATABASE_URL, so Django's test database is in memory and the repository's
    # var/ database is never opened. On PostgreSQL: a name no other run uses; the bench's test
    # database is `test_` + it.
    name = f"bench_smoke_{bench.stem}_{os.getpid()}"
    names = [name, f"test_{name}"]
    if server_url is not None:
        environment["DATABASE_URL"] = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
        _drop_databases(server_url, names)  # left by a run killed before its clean-up
    try:
        result = subprocess.run(
            [sys.executable, str(bench), "--smoke"],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,  # a prompt (say, an old test database) fails, never waits
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:  # the child is killed by now
        return SmokeRun(
            returncode=-1,
            stdout=_text(expired.stdout),
            stderr=f"no exit within {SMOKE_TIMEOUT_SECONDS} s\n{_text(expired.stderr)}",
        )
    finally:
        if server_url is not None:
            _drop_databases(server_url, names)
    return SmokeRun(result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="module")
def smoke_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[SmokeRun]]]:
    """The selected benches' smoke runs, started together (each test waits for its own)."""
    selected = sorted(
        {
            bench
            for item in request.session.items
            if isinstance(item, pytest.Function)
            and item.module is request.module
            and hasattr(item, "callspec")
            and isinstance(bench := item.callspec.params.get("bench"), Path)
        }
    )
    with ThreadPoolExecutor(max_workers=max(1, min(len(selected), os.cpu_count() or 1))) as pool:
        yield {
            bench.name: pool.submit(_smoke, bench, tmp_path_factory.mktemp(bench.stem))
            for bench in selected
        }


def test_every_benchmark_is_smoked() -> None:
    """The glob finds the benches (a moved bench/ would otherwise pass with nothing run)."""
    names = {path.name for path in BENCHES}
    assert {"pk_bench.py", "series_bench.py", "vitals_bench.py", "dashboard_bench.py"} <= names


@pytest.mark.parametrize("bench", BENCHES, ids=[path.stem for path in BENCHES])
def test_benchmark_runs_in_smoke_mode_and_prints_its_figures(
    bench: Path, smoke_runs: dict[str, Future[SmokeRun]]
) -> None:
    run = smoke_runs[bench.name].result()
    assert run.returncode == 0, run.report()
    assert FIGURE.search(run.stdout), f"no figure (a number of ms) printed\n{run.report()}"
    # A bench that names its database ran on this run's kind, not silently on SQLite.
    vendor = "postgresql" if _postgres_url() else "sqlite"
    for line in run.stdout.splitlines():
        if line.startswith("database: "):
            assert line.removeprefix("database: ").startswith(vendor), run.report()
