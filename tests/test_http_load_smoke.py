"""`bench/http_load.py --smoke` still runs end to end: a benchmark that cannot rot.

It builds its own scratch database on the server DATABASE_URL names, serves the app with
`ketaclinic serve` and loads it for a few seconds; here we check that it finished cleanly,
printed a figure for each operation, and dropped its database.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.parse
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench" / "http_load.py"
# The three figure rows: label, then requests per second, p50, p95 and p99 in ms.
FIGURE_ROW = r"^{label}.*?\s(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+(\d+\.\d)\s"

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: the benchmark serves the app with `ketaclinic serve` on its own "
    "scratch PostgreSQL database and compares with raw PostgreSQL inserts",
)


def _scratch_url() -> tuple[str, str]:
    """The server of DATABASE_URL, with a database name of this test's own (never the suite's
    `test_…` database, never another run's)."""
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    name = f"ketaclinic_http_load_smoke_{os.getpid()}"
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), name


def _database_exists(url: str, name: str) -> bool:
    maintenance = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as admin:
        found = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return found is not None


def test_the_smoke_run_prints_every_figure_and_leaves_no_database() -> None:
    url, name = _scratch_url()
    done = subprocess.run(
        [sys.executable, str(BENCH), "--smoke", "--database-url", url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,  # about a minute on an idle machine; CI machines are shared
        check=False,
    )
    output = done.stdout
    assert done.returncode == 0, f"{output}\n{done.stderr}"
    for label in ("raw psycopg", "chart a reading", "read a chart"):
        row = re.search(FIGURE_ROW.format(label=re.escape(label)), output, re.MULTILINE)
        assert row is not None, f"no figures for {label!r} in:\n{output}"
        per_second, p50, p95, p99 = (float(value) for value in row.groups())
        assert per_second > 0
        assert 0 < p50 <= p95 <= p99
    assert "issue 15 targets" in output
    # Every reading sent high enough to alarm was answered with its alarm.
    alarms = re.search(r"alarms: (\d+) of (\d+) alarm readings", output)
    assert alarms is not None, output
    assert int(alarms[1]) == int(alarms[2]) > 0
    assert not _database_exists(url, name)
