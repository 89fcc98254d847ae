"""A clean cache around every database test of the folders whose conftest imports the fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache(request: pytest.FixtureRequest) -> Iterator[None]:
    # The inquiry rate limit counts submissions in the cache (the database cache by default), so
    # each database test starts from none. A test without the database has no cache table to
    # clear, and is left alone.
    if request.node.get_closest_marker("django_db") is None:
        yield
        return
    request.getfixturevalue("db")
    cache.clear()
    yield
    cache.clear()
