"""A clean rate-limit cache for every inquiry test that touches the database."""

from __future__ import annotations

from ketaclinic.testing.cache import empty_cache as empty_cache
