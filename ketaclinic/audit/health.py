"""The audit trail's part of `/healthz`: events waiting to be sealed, and whether the sealer is
behind (registered with core.health by AuditConfig.ready())."""

from __future__ import annotations

from ketaclinic.audit.services import audit_seal_backlog
from ketaclinic.core.health import HealthReport

# The key `/healthz` carries when events have waited over AUDIT_UNSEALED_ALERT_SECONDS.
SEALER_WARNING_KEY = "audit_sealer"
SEALER_BEHIND = "behind"


def audit_health() -> HealthReport:
    """One query (audit_seal_backlog). With inline sealing events wait only while the request
    commits; with the sealer loop, up to a round (a second under `ketaclinic serve`)."""
    backlog = audit_seal_backlog()
    details: dict[str, object] = {
        "unsealed": backlog.unsealed_count,
        "oldest_unsealed_seconds": backlog.oldest_unsealed_seconds,
    }
    if backlog.is_count_capped:
        details["unsealed_capped"] = True  # at least this many: counting stops there
    warnings = {SEALER_WARNING_KEY: SEALER_BEHIND} if backlog.is_sealer_behind else {}
    return HealthReport(details=details, warnings=warnings)
