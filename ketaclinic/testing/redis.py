"""The Redis the cache tests need: on 127.0.0.1:6379, which `.ci/run` starts. A developer without
one skips those tests; under CI (`CI` set) a missing Redis fails them, so CI never passes by
skipping them silently."""

from __future__ import annotations

import os
import socket

import pytest

REDIS_HOST = "127.0.0.1"
REDIS_PORT = 6379
# Database 15, apart from any a developer uses; each test run takes its own key prefix too.
REDIS_TEST_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/15"


def redis_answers() -> bool:
    try:
        with socket.create_connection((REDIS_HOST, REDIS_PORT), timeout=0.5):
            return True
    except OSError:
        return False


def require_redis() -> None:
    """Skip the calling test without Redis, or fail it when running under CI."""
    if redis_answers():
        return
    where = f"{REDIS_HOST}:{REDIS_PORT}"
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and no Redis answers on {where}: CI never skips it.", pytrace=False)
    pytest.skip(f"no Redis on {where}")
