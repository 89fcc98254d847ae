"""Proposing a 6-infusion induction series in a clinic with 6 chairs and 3 months of bookings.

Builds a throwaway test database (Django's, on SQLite or on DATABASE_URL's server), books about
three months of 100-minute infusions into 6 chairs (each chair busy most of every open day),
then times `series_propose` for a new patient's course. Prints figures; asserts nothing (speed
is measured, not tested). The target (issue 5) is under 200 ms.

    .venv/bin/python bench/series_bench.py
"""

from __future__ import annotations

import datetime
import os
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402

RUNS = 20
DAYS = 91


def main() -> None:
    from django.conf import settings

    settings.AUDIT_SEAL_INLINE = False  # the set-up's audit rows need not be chained here

    from ketaclinic.clinics.models import Chair, OpeningHours, Room
    from ketaclinic.courses.models import DoseOrder
    from ketaclinic.courses.services import dose_order_sign
    from ketaclinic.courses.tests.support import course_for
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.scheduling.series import series_propose
    from ketaclinic.scheduling.services import local_moment
    from ketaclinic.testing.factories import PatientFactory
    from ketaclinic.testing.personas import make_personas

    personas = make_personas()
    clinic = personas.clinic
    OpeningHours.objects.filter(clinic=clinic).delete()
    for weekday in range(6):
        OpeningHours.objects.create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(7),
            closes_at=datetime.time(19) if weekday < 5 else datetime.time(13),
        )
    room = Room.objects.create(clinic=clinic, name="Infusion suite")
    chairs = [
        Chair.objects.create(clinic=clinic, room=room, name=f"Chair {n}") for n in range(1, 7)
    ]
    others = [PatientFactory(clinic=clinic) for _ in range(120)]

    # Three months ahead: in every chair, infusions back to back from opening, leaving the last
    # hours of each weekday and one chair's afternoon free, so the search has work to do.
    start_day = clinic.local_today() + datetime.timedelta(days=1)
    rows = []
    n = 0
    for offset in range(DAYS):
        day = start_day + datetime.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        last_hour = 16 if day.weekday() < 5 else 11
        for index, chair in enumerate(chairs):
            moment = local_moment(clinic=clinic, day=day, time=datetime.time(7))
            stop = local_moment(clinic=clinic, day=day, time=datetime.time(last_hour))
            if index == 5:
                stop = local_moment(clinic=clinic, day=day, time=datetime.time(12))
            while moment + datetime.timedelta(minutes=100) <= stop:
                n += 1
                rows.append(
                    Appointment(
                        clinic=clinic,
                        patient=others[n % len(others)],
                        kind="iv_infusion",
                        starts_at=moment,
                        ends_at=moment + datetime.timedelta(minutes=100),
                        chair=chair,
                        booked_by=personas.fran,
                    )
                )
                moment += datetime.timedelta(minutes=100)
    Appointment.objects.bulk_create(rows, batch_size=1000)

    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    DoseOrder.objects.update(
        expires_at=local_moment(clinic=clinic, day=start_day, time=datetime.time(0))
        + datetime.timedelta(days=DAYS)
    )

    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        slots = series_propose(
            course=course,
            first_day=start_day,
            weekdays=frozenset({0, 2, 4}),
            preferred_time=datetime.time(9),
            count=6,
        )
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    print(f"database: {connection.vendor}; {len(rows):,} bookings over {DAYS} days in 6 chairs")
    print(
        f"series_propose (6 infusions, Mon/Wed/Fri, 09:00 preferred): "
        f"median {timings[len(timings) // 2]:.1f} ms, best {timings[0]:.1f} ms, "
        f"worst {timings[-1]:.1f} ms over {RUNS} runs (target < 200 ms)"
    )
    first = slots[0].starts_at.astimezone(clinic.zone)
    print(f"first proposed: {first:%a %d %b %H:%M} in {slots[0].chair.name}")


if __name__ == "__main__":
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        main()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
