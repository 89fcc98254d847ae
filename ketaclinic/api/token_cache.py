"""What an API token resolves to (the token, its person, clinic, membership and credentials),
kept in this worker's memory for a few seconds so a device charting every minute costs no query
to authenticate (issue 15: token, membership and credentials were four statements a reading).

Kept for at most `API_TOKEN_CACHE_SECONDS`, and dropped at once, in every worker, when any of
what it was resolved from changes: a token revoked, a person deactivated, a membership or a
credential saved or deleted, a clinic saved. On PostgreSQL the change announces itself with
`NOTIFY` in the writing transaction (so only once it commits); every worker's connection
`LISTEN`s, and reads the announcements waiting on its socket before it trusts an entry (no round
trip: they are already there). A connection that was closed and opened again may have missed
some, so a new connection starts with an empty cache. Elsewhere (SQLite: one server process) the
change drops the entries in this process when it commits.

The secret is never kept: only the hash it is checked against, as in the database.
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.api.models import ApiToken

logger = logging.getLogger(__name__)

CHANNEL = "ketaclinic_api_auth"
_EVERYTHING = "*"


@dataclass
class ResolvedToken:
    """A token as authentication found it valid, with what permission checks read."""

    token: ApiToken
    membership: StaffMembership | None
    credentials: list[Credential]
    cached_at: float = field(default_factory=time.monotonic)

    def for_request(self) -> ResolvedToken:
        """Copies a request may annotate (the membership cache on the user, the prefetched
        credentials) without changing what the next request reads."""
        token = copy.copy(self.token)
        token.user = copy.copy(self.token.user)
        token.clinic = copy.copy(self.token.clinic)
        membership = copy.copy(self.membership)
        if membership is not None:
            membership.user = token.user
            membership.clinic = token.clinic
        token.user._prefetched_objects_cache = {"credentials": list(self.credentials)}  # type: ignore[attr-defined]
        return ResolvedToken(
            token=token,
            membership=membership,
            credentials=list(self.credentials),
            cached_at=self.cached_at,
        )


_entries: dict[str, ResolvedToken] = {}
_entries_lock = threading.Lock()


def _ttl_seconds() -> float:
    return float(settings.API_TOKEN_CACHE_SECONDS)


def cached(prefix: str) -> ResolvedToken | None:
    """The entry for `prefix` if it is young enough and nothing announced a change since."""
    if _ttl_seconds() <= 0:
        return None
    _read_announcements()
    with _entries_lock:
        entry = _entries.get(prefix)
        if entry is None:
            return None
        if time.monotonic() - entry.cached_at > _ttl_seconds():
            del _entries[prefix]
            return None
    return entry.for_request()


def remember(entry: ResolvedToken) -> None:
    if _ttl_seconds() <= 0:
        return
    _listen_on(connection)  # before caching: a change from now on is heard
    with _entries_lock:
        _entries[entry.token.prefix] = entry


def forget(*, user_id: int | None = None, prefix: str | None = None) -> None:
    """Drop the entries of one person or one token (both None: every entry)."""
    with _entries_lock:
        if user_id is None and prefix is None:
            _entries.clear()
            return
        for key, entry in list(_entries.items()):
            if key == prefix or (user_id is not None and entry.token.user_id == user_id):
                del _entries[key]


# --- announcing a change ----------------------------------------------------------------------


def announce(*, user_id: int | None = None, prefix: str | None = None) -> None:
    """Tell every worker, once the current transaction commits, to drop these entries."""
    payload = f"token:{prefix}" if prefix else f"user:{user_id}" if user_id else _EVERYTHING
    # Dropped here at once and again at commit: a request this worker serves before the commit
    # may have cached what is about to change.
    _apply(payload)
    if connection.vendor == "postgresql":
        # Part of the writing transaction: sent only if it commits, to every listener (this
        # worker's own connection included).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, payload])
    transaction.on_commit(lambda: _apply(payload))


def _apply(payload: str) -> None:
    kind, _, value = payload.partition(":")
    if kind == "token":
        forget(prefix=value)
    elif kind == "user" and value.isdigit():
        forget(user_id=int(value))
    else:
        forget()


# --- hearing announcements (PostgreSQL) --------------------------------------------------------

_LISTENING_ATTRIBUTE = "_ketaclinic_listening_to"


def _listen_on(wrapper: BaseDatabaseWrapper) -> None:
    """LISTEN on this connection, once per underlying connection; a new one empties the cache
    (announcements made while this worker had no connection were not heard)."""
    if wrapper.vendor != "postgresql" or wrapper.connection is None:
        return
    raw = wrapper.connection
    if getattr(wrapper, _LISTENING_ATTRIBUTE, None) is raw:
        return
    # Authentication runs before any transaction of the view's. (Inside one, as in a test that
    # rolls back, LISTEN would take effect only at commit: changes made in this process are
    # still dropped directly, by `announce`.)
    forget()
    raw.add_notify_handler(lambda notify: _apply(notify.payload))
    with wrapper.cursor() as cursor:
        cursor.execute(f"LISTEN {CHANNEL}")
    setattr(wrapper, _LISTENING_ATTRIBUTE, raw)


def _read_announcements() -> None:
    """Apply the announcements already waiting on this connection's socket (no round trip)."""
    wrapper = connection
    if wrapper.vendor != "postgresql":
        return
    raw = wrapper.connection
    if raw is None or getattr(wrapper, _LISTENING_ATTRIBUTE, None) is not raw:
        # Not listening on this connection (new, or reopened): nothing cached can be trusted.
        forget()
        return
    try:
        pgconn: Any = raw.pgconn
        pgconn.consume_input()
        while (notify := pgconn.notifies()) is not None:
            _apply(notify.extra.decode())
    except Exception:  # a broken connection: Django replaces it; trust nothing cached
        logger.warning("could not read token-cache announcements; emptying the cache")
        forget()


# --- what announces a change -------------------------------------------------------------------


def on_token_saved(sender: type[ApiToken], instance: ApiToken, **kwargs: Any) -> None:
    announce(prefix=instance.prefix)


def on_person_changed(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    """A user, a membership or a credential: the person's tokens."""
    user_id = instance.pk if isinstance(instance, User) else instance.user_id
    announce(user_id=user_id)


def on_clinic_saved(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    """A clinic's rules, zone or state (what permission and charting read) changed."""
    announce()
