"""With REDIS_URL set, the cache is Redis (sessions stay in the database): the inquiry rate
limit, the one cache user, keeps its sliding hour there. Runs where a Redis server answers on
127.0.0.1:6379 (the CI machine, where a missing Redis fails them); skipped elsewhere."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings

from ketaclinic.inquiries.services import (
    InquiryRateLimited,
    _rate_limit_key,
    _take_submission_slot,
)
from ketaclinic.testing.personas import Personas
from ketaclinic.testing.redis import REDIS_TEST_URL, require_redis

REDIS_URL = REDIS_TEST_URL


@pytest.fixture(autouse=True)
def _redis() -> None:
    require_redis()


REDIS_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"ketaclinic-test-{uuid.uuid4().hex}",
    }
}


@override_settings(CACHES=REDIS_CACHE)
def test_the_redis_cache_keeps_values_with_their_timeout() -> None:
    cache = caches["default"]
    cache.set("a-key", [1.5, 2.5], timeout=60)
    assert cache.get("a-key") == [1.5, 2.5]
    cache.set("short", "gone soon", timeout=1)
    assert cache.get("short") == "gone soon"
    cache.delete_many(["a-key", "short"])
    assert cache.get("a-key") is None


@pytest.mark.django_db
@override_settings(CACHES=REDIS_CACHE, INQUIRY_RATE_LIMIT_PER_HOUR=2)
def test_the_inquiry_limit_counts_in_redis(personas: Personas) -> None:
    address = "203.0.113.77"
    _take_submission_slot(source_ip=address, clinic=personas.clinic)
    _take_submission_slot(source_ip=address, clinic=personas.clinic)
    with pytest.raises(InquiryRateLimited):
        _take_submission_slot(source_ip=address, clinic=personas.clinic)
    caches["default"].delete(_rate_limit_key(address))
