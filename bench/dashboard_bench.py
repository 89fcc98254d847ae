"""Clinic dashboard figures for 10,000 courses and ~200,000 questionnaire responses.

Runs against the database DATABASE_URL names (PostgreSQL for the issue 8 target; SQLite works
but is not the target). Migrates it, builds the demo with N generated patients
(`ketaclinic demo --patients N`: each with a course, 6–12 treatments, ~20 responses, some side
effects and alarms; skipped when already there), then times `dashboard_figures` over the whole
data range for the demo clinic and prints the median of 5 runs. The target (issue 8) is under
one second on PostgreSQL. Asserts nothing: speed is measured, not tested.

    createdb -h 127.0.0.1 -U postgres bench_dashboard
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard \
        .venv/bin/python bench/dashboard_bench.py --patients 10000
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

RUNS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365, help="Period the figures cover.")
    options = parser.parse_args()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, reset_queries

    from ketaclinic.analytics.selectors import DashboardFilters, dashboard_figures
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.courses.models import TreatmentCourse
    from ketaclinic.outcomes.models import QuestionnaireResponse

    settings.AUDIT_SEAL_INLINE = False
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    call_command("demo", patients=options.patients, verbosity=0)
    print(f"demo built or checked in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load

    clinic = Clinic.objects.get(slug="catalyst-denver")
    today = clinic.local_today()
    filters = DashboardFilters(
        clinic=clinic, first_day=today - datetime.timedelta(days=options.days), last_day=today
    )
    print(
        f"courses: {TreatmentCourse.objects.filter(clinic=clinic).count()}, "
        f"questionnaire responses: {QuestionnaireResponse.objects.filter(clinic=clinic).count()}"
    )
    timings = []
    figures = None
    for _ in range(RUNS):
        reset_queries()
        started = time.perf_counter()
        figures = dashboard_figures(filters=filters)
        timings.append(time.perf_counter() - started)
    assert figures is not None
    overall = figures.outcomes_overall
    print(
        f"cohort courses {figures.cohort_courses}; PHQ-9 measured {overall.responded.denominator}, "
        f"responded {overall.responded.counts} ({overall.responded.value} %), "
        f"remitted {overall.remitted.counts}; median infusions to response "
        f"{figures.median_infusions_to_response}; infusions {figures.infusions_given}; "
        f"side effects/100 {figures.side_effects.value}; alarms/100 {figures.alarms.value}; "
        f"no-shows {figures.no_shows.value} %; chair use {figures.chair_utilisation.value} %"
    )
    print(
        "dashboard_figures: median "
        f"{statistics.median(timings) * 1000:.0f} ms over {RUNS} runs "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}); target < 1000 ms"
    )


if __name__ == "__main__":
    main()
