"""What `/healthz` reports besides the database, registered by the apps above core at start-up.

core sits below every app, so the health view may not import them; an app that has something
to report (the audit trail: events waiting to be sealed) registers a check here from its
AppConfig.ready() instead, as `audit.hooks` does the other way round. Each check is one cheap
query at most: load balancers call `/healthz` every few seconds on every server.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class HealthReport:
    """One check's part of the `/healthz` body, and the warnings it raises there.

    `details` goes into the body under the check's name; each of `warnings` becomes a top-level
    key with its value (e.g. `"audit_sealer": "behind"`). A warning never turns the answer into
    a 503: that takes the server out of the load balancer, which is for a server that cannot
    serve, not for a background job that is late on every server at once.
    """

    details: dict[str, Any]
    warnings: dict[str, str] = field(default_factory=dict)


HealthCheck = Callable[[], HealthReport]

_checks: dict[str, HealthCheck] = {}


def health_check_register(name: str, check: HealthCheck) -> None:
    """Called from an AppConfig.ready(); registering a name again replaces its check."""
    _checks[name] = check


def health_checks() -> dict[str, HealthCheck]:
    """The registered checks by name, in the order they were registered."""
    return dict(_checks)
