"""The counting behind the second-step and witness limits: simultaneous guesses get no more checks
than the limit, a right secret forgives earlier failures, and it works the same in Redis (run
where a Redis server answers on 127.0.0.1:6379; under CI a missing Redis fails it)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings

from ketaclinic.accounts.attempts import (
    AttemptLimit,
    attempt_begin,
    attempt_failed,
    attempt_succeeded,
    client_network,
)
from ketaclinic.testing.redis import REDIS_TEST_URL, require_redis

pytestmark = pytest.mark.django_db

LIMIT = AttemptLimit("test", failure_limit=3, cool_off=timedelta(minutes=15))


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def test_a_burst_of_simultaneous_guesses_gets_no_more_checks_than_the_limit() -> None:
    started = [attempt_begin(LIMIT, subject="nina|203.0.113.9") for _ in range(5)]
    assert [attempt is not None for attempt in started] == [True, True, True, False, False]
    assert attempt_begin(LIMIT, subject="nina|198.51.100.10") is not None  # another address


def test_failures_pause_and_a_right_secret_forgives_them() -> None:
    for _ in range(2):
        first = attempt_begin(LIMIT, subject="bob|203.0.113.9")
        assert first is not None
        assert not attempt_failed(first)
    right = attempt_begin(LIMIT, subject="bob|203.0.113.9")
    assert right is not None
    attempt_succeeded(right)
    for expected_pause in (False, False, True):
        attempt = attempt_begin(LIMIT, subject="bob|203.0.113.9")
        assert attempt is not None
        assert attempt_failed(attempt) is expected_pause
    assert attempt_begin(LIMIT, subject="bob|203.0.113.9") is None


@pytest.mark.parametrize(
    ("remote_addr", "network"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("2001:db8:5:7:a:b:c:d", "2001:db8:5:7::"),
        ("not-an-address", None),
    ],
)
def test_the_client_network(remote_addr: str, network: str | None) -> None:
    assert client_network(RequestFactory().get("/", REMOTE_ADDR=remote_addr)) == network


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_TEST_URL,
        "KEY_PREFIX": f"ketaclinic-test-{uuid.uuid4().hex}",
    }
}


@override_settings(CACHES=REDIS_CACHE)
def test_the_limits_count_in_redis() -> None:
    require_redis()
    for expected_pause in (False, False, True):
        attempt = attempt_begin(LIMIT, subject="nina|203.0.113.9")
        assert attempt is not None
        assert attempt_failed(attempt) is expected_pause
    assert attempt_begin(LIMIT, subject="nina|203.0.113.9") is None
    assert attempt_begin(LIMIT, subject="nina|198.51.100.10") is not None
    # (The keys, under this run's own prefix, expire with the cool-off.)
