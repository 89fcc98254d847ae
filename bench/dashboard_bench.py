"""Clinic dashboard figures for 10,000 courses and ~200,000 questionnaire responses.

Runs against the database DATABASE_URL names (PostgreSQL for the issue 8 target; SQLite works
but is not the target). Migrates it, builds the demo with N generated patients
(`ketaclinic demo --patients N`: each with one or two courses, about 10 sessions, ~20
responses, some side effects and alarms; skipped when already there), then times
`dashboard_figures` over the whole data range for the demo clinic and prints the median of 5
runs and the SQL statements per run.
The target (issue 8) is under one second on PostgreSQL. Asserts nothing about speed: speed is
measured, not tested.

    createdb -h 127.0.0.1 -U postgres bench_dashboard
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard \\
        .venv/bin/python bench/dashboard_bench.py --patients 10000

`--smoke` shows the bench still works: a throwaway test database (Django's, in memory on SQLite,
`test_<name>` on DATABASE_URL's server, dropped afterwards) instead of DATABASE_URL's own, the
demo with 10 generated patients and two runs.

    .venv/bin/python bench/dashboard_bench.py --smoke
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402

RUNS = 5
PATIENTS = 10_000
SMOKE_RUNS = 2
SMOKE_PATIENTS = 10


def main(*, patients: int, days: int, runs: int, migrate: bool) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext

    from ketaclinic.analytics.selectors import DashboardFilters, dashboard_figures
    from ketaclinic.clinics.models import Clinic
    from ketaclinic.courses.models import TreatmentCourse
    from ketaclinic.outcomes.models import QuestionnaireResponse

    settings.AUDIT_SEAL_INLINE = False
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if migrate:  # a throwaway test database arrives migrated, with its cache table
        call_command("migrate", verbosity=0)
        call_command("createcachetable", verbosity=0)
    started = time.perf_counter()
    call_command(
        "demo", patients=patients, verbosity=0, stdout=io.StringIO()
    )  # sign-ins: no figure
    print(f"demo built or checked in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would after a bulk load

    clinic = Clinic.objects.get(slug="catalyst-denver")
    today = clinic.local_today()
    filters = DashboardFilters(
        clinic=clinic, first_day=today - datetime.timedelta(days=days), last_day=today
    )
    courses = TreatmentCourse.objects.filter(clinic=clinic).count()
    print(
        f"courses: {courses}, "
        f"questionnaire responses: {QuestionnaireResponse.objects.filter(clinic=clinic).count()}"
    )
    if courses < patients:  # each generated patient has a course: fewer means a broken demo
        raise SystemExit(f"the demo built {courses} courses for {patients} generated patients")
    timings = []
    figures = None
    statements = 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            figures = dashboard_figures(filters=filters)
            timings.append(time.perf_counter() - started)
        statements = len(queries.captured_queries)
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
        f"{statistics.median(timings) * 1000:.0f} ms over {runs} runs "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}), "
        f"{statements} SQL statements per run; target < 1000 ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--patients",
        type=int,
        default=None,
        help=f"Generated patients (default {PATIENTS:,}; {SMOKE_PATIENTS} with --smoke).",
    )
    parser.add_argument("--days", type=int, default=365, help="Period the figures cover.")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="A throwaway test database, tiny sizes, two runs: that it works, not speed.",
    )
    options = parser.parse_args()
    default_patients = SMOKE_PATIENTS if options.smoke else PATIENTS
    patients = default_patients if options.patients is None else options.patients
    if not options.smoke:
        main(patients=patients, days=options.days, runs=RUNS, migrate=True)
    else:
        warnings.simplefilter("error", RuntimeWarning)  # as the test suite (naive datetimes)
        old_name = connection.creation.create_test_db(verbosity=0)
        try:
            main(patients=patients, days=options.days, runs=SMOKE_RUNS, migrate=False)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
