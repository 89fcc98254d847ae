"""The esketamine REMS Patient Monitoring Form's submission rule (CLINICAL.md §10.5) [FIRM:
FDA REMS page, REMS=386; spravatorems.com]."""

from __future__ import annotations

import datetime

# §10.5: "A PMF after every session, within 7 days, online or by fax".
PMF_SUBMISSION_DAYS = 7
REMS_FAX = "1-877-778-0091"  # §10.5
REMS_PHONE = "1-855-382-6022"  # §10.5


def monitoring_form_due_by(session_at: datetime.datetime) -> datetime.datetime:
    """When the session's Patient Monitoring Form is due: 7 days after the session (§10.5)."""
    return session_at + datetime.timedelta(days=PMF_SUBMISSION_DAYS)
