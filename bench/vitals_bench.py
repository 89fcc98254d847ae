"""Recording vital signs during an infusion: 200 readings through `vitals_record`.

Builds a throwaway test database (Django's, on SQLite or on DATABASE_URL's server), books an IV
infusion for tomorrow and, with the clock moved to it, checks the patient in, passes the
checklist, prepares and verifies the dose and starts the pump (all through the services), then
times 200 readings a minute apart through `vitals_record` — with the clinic's rules, the audit
trail and the alarms (every tenth reading is high enough to raise one). Prints the median and
p95; asserts nothing (speed is measured, not tested). The target is a median under 50 ms.

    .venv/bin/python bench/vitals_bench.py
"""

from __future__ import annotations

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402

READINGS = 200


def main() -> None:
    import time_machine

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
        high = {**GOOD_VITALS, "systolic_mmhg": 184, "diastolic_mmhg": 96}
        timings = []
        for n in range(READINGS):
            clock.shift(datetime.timedelta(minutes=1))
            values = high if n % 10 == 9 else GOOD_VITALS
            began = time.perf_counter()
            vitals_record(
                acting_user=nurse, session=session, **values, idempotency_key=f"bench-{n}"
            )
            timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    readings = VitalSignReading.objects.filter(session=session).count()
    alarms = SessionAlarm.objects.filter(session=session).count()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"database: {connection.vendor}; {readings} readings in the session, {alarms} alarms")
    print(
        f"vitals_record: median {timings[len(timings) // 2]:.1f} ms, p95 {p95:.1f} ms, "
        f"best {timings[0]:.1f} ms, worst {timings[-1]:.1f} ms over {READINGS} readings "
        "(target: median < 50 ms)"
    )


if __name__ == "__main__":
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
