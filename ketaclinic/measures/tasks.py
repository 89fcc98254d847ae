"""Job functions of the measures app (found by ketaclinic.jobs at start-up)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils import timezone

from ketaclinic.clinics.models import Clinic
from ketaclinic.jobs.registry import job
from ketaclinic.jobs.services import enqueue
from ketaclinic.measures.services import measures_daily_round

logger = logging.getLogger(__name__)

DAILY_JOB = "measures.plan_and_remind"
DAILY_HOUR_UTC = 14  # [PRACTICE] mid-morning in the Americas, afternoon in Europe


def daily_key(day: datetime.date) -> str:
    return f"{DAILY_JOB}:{day.isoformat()}"


def measures_daily_schedule(*, day: datetime.date | None = None) -> bool:
    """Queue the round for `day` (today in UTC by default); a no-op when already queued."""
    day = day or timezone.now().date()
    run_at = datetime.datetime.combine(day, datetime.time(DAILY_HOUR_UTC), tzinfo=datetime.UTC)
    return enqueue(DAILY_JOB, {"day": day.isoformat()}, run_at=run_at, key=daily_key(day))


@job(DAILY_JOB)
def measures_plan_and_remind(args: dict[str, Any]) -> None:
    """Every clinic's round (each on its own local date), then queue tomorrow's: once started
    with `ketaclinic measures schedule`, the round runs every day by itself."""
    for clinic in Clinic.objects.all():
        counts = measures_daily_round(clinic=clinic)
        logger.info("measures round for clinic %s: %s", clinic.pk, counts)
    measures_daily_schedule(day=timezone.now().date() + datetime.timedelta(days=1))
