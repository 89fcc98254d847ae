"""Fixtures shared by every test: personas, a client signed in as one of them (MFA done), and an
opt-in clock for the whole run (`KETACLINIC_TEST_CLOCK`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

from ketaclinic.accounts.models import User
from ketaclinic.testing.clock import TEST_CLOCK_VARIABLE, run_clock_start, travelling_from
from ketaclinic.testing.personas import Personas, make_personas

# The machine is shared (CI runs on a busy one): drawing a property test's input may be slow with
# nothing wrong. Tests assert behaviour, never wall-clock time (bench/ measures speed), so neither
# does hypothesis: no per-example deadline and no too-slow health check.
settings.register_profile("ketaclinic", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ketaclinic")


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[None]:
    """With KETACLINIC_TEST_CLOCK="2026-12-08T00:05:00+00:00" every test starts at that moment
    and the clock runs on from there (so durations still pass); without it, real time. A test
    that travels itself (time_machine) still wins while it does. CI runs the SQLite pass just
    after midnight UTC, when a clinic in the Americas is still on the day before (.ci/run)."""
    start = run_clock_start(os.environ.get(TEST_CLOCK_VARIABLE, ""))
    if start is None:
        yield
        return
    with travelling_from(start):
        yield


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


@pytest.fixture
def client_for(client: Client) -> Callable[[User], Client]:
    """A test client signed in as `user`, past the second step (force_login skips allauth)."""

    def sign_in(user: User) -> Client:
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return sign_in
