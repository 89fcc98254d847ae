"""The REMS Patient Monitoring Form's submission rule (CLINICAL.md §10.5)."""

from __future__ import annotations

import datetime

from ketaclinic.medicine.rems import PMF_SUBMISSION_DAYS, REMS_FAX, monitoring_form_due_by


def test_the_monitoring_form_is_due_7_days_after_the_session() -> None:
    session = datetime.datetime(2025, 3, 3, 11, 30, tzinfo=datetime.UTC)
    assert PMF_SUBMISSION_DAYS == 7
    assert monitoring_form_due_by(session) == datetime.datetime(
        2025, 3, 10, 11, 30, tzinfo=datetime.UTC
    )
    assert REMS_FAX == "1-877-778-0091"
