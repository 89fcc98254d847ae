"""Start-up configuration as an operator meets it: refusals, the deploy check, documented env."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "DEBUG",
            "HTTPS",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser tests for their own process
        }
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "ketaclinic.cli", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_without_debug_a_missing_secret_key_stops_start_up_with_a_sentence(tmp_path: Path) -> None:
    result = run_cli("check", env={"KETACLINIC_VAR_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    result = run_cli(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "SECRET_KEY": "a-production-like-key-" + "x" * 40,
            "ALLOWED_HOSTS": "clinic.example.org",
            "KETACLINIC_VAR_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_debug_is_off_unless_set(tmp_path: Path) -> None:
    result = run_cli(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DEBUG)",
        env={"SECRET_KEY": "k" * 50, "KETACLINIC_VAR_DIR": str(tmp_path)},
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


def test_env_example_lists_every_variable_the_settings_read() -> None:
    sources = (ROOT / "ketaclinic/config/settings.py").read_text() + (
        ROOT / "ketaclinic/cli.py"
    ).read_text()
    read = set(re.findall(r'_env_(?:bool|int|list)\("([A-Z_]+)"', sources))
    read |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', sources))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - documented == set()


def test_readme_gives_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", readme, re.S)
    assert first_block is not None
    assert first_block.group(1).split() == ["make", "run", "make", "test"]


@pytest.mark.parametrize("target", ["run", "test"])
def test_makefile_defines_the_readme_targets(target: str) -> None:
    assert re.search(rf"^{target}:", (ROOT / "Makefile").read_text(), re.M)
