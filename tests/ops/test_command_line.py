"""The `ketaclinic` command meets a database that does not answer: a sentence, not a traceback."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from tests.ops.serving import HOST, ROOT, clean_environment, free_port


def test_a_command_whose_database_is_down_says_so_in_a_sentence(tmp_path: Path) -> None:
    nothing_listens = free_port()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ketaclinic.cli",
            "token",
            "list",
            "--clinic",
            "main",
            "--by",
            "a@b.c",
        ],
        cwd=ROOT,
        env={
            **clean_environment(),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "AUDIT_HMAC_KEY": secrets.token_urlsafe(40),
            "KETACLINIC_VAR_DIR": str(tmp_path),
            "DATABASE_URL": f"postgres://postgres@{HOST}:{nothing_listens}/ketaclinic",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("ketaclinic: the database is not answering (")
    assert "Check that it is running and that DATABASE_URL names it" in result.stderr
    assert "Traceback" not in result.stderr
