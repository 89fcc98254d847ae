"""Recording vital signs during an infusion: 200 readings through `vitals_record`.

Builds a throwaway test database (Django's, on SQLite or on DATABASE_URL's server), books an IV
infusion for tomorrow and, with the clock moved to it, checks the patient in, passes the
checklist, prepares and verifies the dose and starts the pump (all through the services), then
times 200 readings a minute apart through `vitals_record` — with the clinic's rules, the audit
trail and the alarms (every tenth reading is high enough to raise one). Prints the median and
p95; asserts nothing about speed (speed is measured, not tested). The target is a median under
50 ms.

    .venv/bin/python bench/vitals_bench.py
    .venv/bin/python bench/vitals_bench.py --smoke   # 20 readings: that it still works
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import warnings
from typing import TYPE_CHECKING

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402

if TYPE_CHECKING:
    from django.db.models import Model

READINGS = 200
SMOKE_READINGS = 20  # still two alarms (every tenth reading), so the alarm path runs too
ALARM_EVERY = 10


def raw_two_row_inserts(*, reading_id: int, event_id: int, count: int) -> list[float]:
    """The floor under `vitals_record`: the same two rows (the reading and its audit event)
    written by hand-made SQL in one transaction, `count` times, in ms each. Each copies a stored
    row with `INSERT … SELECT` (every column the model has, so the rows are the service's own
    size and indexes), changing only what must stay unique."""
    import secrets

    from django.db import transaction

    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.charting.models import VitalSignReading

    def copy_sql(model: type[Model], replaced: str) -> str:
        quote = connection.ops.quote_name
        table, key = quote(model._meta.db_table), quote(model._meta.pk.column)
        columns = [field.column for field in model._meta.concrete_fields if not field.primary_key]
        chosen = ", ".join("%s" if column == replaced else quote(column) for column in columns)
        into = ", ".join(map(quote, columns))
        # Names from the model's own metadata, quoted; the values are parameters.
        return f"INSERT INTO {table} ({into}) SELECT {chosen} FROM {table} WHERE {key} = %s"  # noqa: S608

    reading_sql = copy_sql(VitalSignReading, "idempotency_key")
    event_sql = copy_sql(AuditEvent, "nonce")
    timings = []
    for n in range(count):
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(reading_sql, [f"raw-{n}", reading_id])
            cursor.execute(event_sql, [secrets.token_hex(16), event_id])
        timings.append((time.perf_counter() - began) * 1000)
    return sorted(timings)


def main(*, readings_to_record: int) -> None:
    import time_machine

    from ketaclinic.audit.models import AuditEvent
    from ketaclinic.charting.models import SessionAlarm, VitalSignReading
    from ketaclinic.charting.services import pump_event_record, vitals_record
    from ketaclinic.charting.tests.support import (
        GOOD_VITALS,
        booked_infusion,
        prepared_and_verified,
        ready_session,
    )
    from ketaclinic.testing.personas import make_personas

    personas = make_personas()
    appointment = booked_infusion(personas)
    nurse = personas.nina
    moment = appointment.starts_at - datetime.timedelta(minutes=10)
    with time_machine.travel(moment, tick=False) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=nurse, session=session, kind="start")
        before = VitalSignReading.objects.filter(session=session).count()  # pre-infusion ones
        high = {**GOOD_VITALS, "systolic_mmhg": 184, "diastolic_mmhg": 96}
        timings = []
        for n in range(readings_to_record):
            clock.shift(datetime.timedelta(minutes=1))
            values = high if n % ALARM_EVERY == ALARM_EVERY - 1 else GOOD_VITALS
            began = time.perf_counter()
            vitals_record(
                acting_user=nurse, session=session, **values, idempotency_key=f"bench-{n}"
            )
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    readings = VitalSignReading.objects.filter(session=session).count()
    recorded = readings - before
    alarms = SessionAlarm.objects.filter(session=session).count()
    p95 = timings[int(len(timings) * 0.95) - 1]
    # Figures are only worth printing if every reading was stored and every high one alarmed.
    expected_alarms = readings_to_record // ALARM_EVERY
    if recorded != readings_to_record or alarms < expected_alarms:
        raise SystemExit(
            f"expected {readings_to_record} readings and at least {expected_alarms} alarms; "
            f"{recorded} were stored and the session has {alarms} alarms"
        )
    # The raw baseline after the service's readings, not between them: its copied audit rows
    # are not the service's to seal.
    raw = raw_two_row_inserts(
        reading_id=VitalSignReading.objects.filter(session=session).latest("pk").pk,
        event_id=AuditEvent.objects.latest("pk").pk,
        count=readings_to_record,
    )
    print(f"database: {connection.vendor}; {readings} readings in the session, {alarms} alarms")
    print(
        f"vitals_record: median {timings[len(timings) // 2]:.1f} ms, p95 {p95:.1f} ms, "
        f"best {timings[0]:.1f} ms, worst {timings[-1]:.1f} ms over {readings_to_record} readings "
        "(target: median < 50 ms)"
    )
    median, raw_median = timings[len(timings) // 2], raw[len(raw) // 2]
    print(
        f"raw baseline (the same two rows by INSERT … SELECT, one transaction): median "
        f"{raw_median:.2f} ms, best {raw[0]:.2f} ms over {len(raw)}; vitals_record takes "
        f"{median / raw_median:.1f}× the raw median"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="Tiny sizes: that it works, not how fast."
    )
    options = parser.parse_args()
    if options.smoke:
        warnings.simplefilter("error", RuntimeWarning)  # as the test suite (naive datetimes)
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        main(readings_to_record=SMOKE_READINGS if options.smoke else READINGS)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
