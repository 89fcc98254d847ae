"""Proposing a 6-infusion induction series in a clinic with 6 chairs and 3 months of bookings.

Builds a throwaway test database (Django's, on SQLite or on DATABASE_URL's server), staffs the
clinic with a nurse rota (two nurses on the early shift and one on the late shift on weekdays,
two on Saturday mornings: series booking keeps the clinic's patients-per-nurse ratio), books
about three months of 100-minute infusions into 6 chairs (each chair busy most of every open
day), then times `series_propose` for a new patient's course. Prints figures; asserts nothing
about speed (speed is measured, not tested). The target (issue 5) is under 200 ms.

    .venv/bin/python bench/series_bench.py
    .venv/bin/python bench/series_bench.py --smoke   # tiny sizes, two runs: that it still works
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
import warnings
from decimal import Decimal
from typing import cast

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketaclinic.config.test_settings")

import django

django.setup()

from django.db import connection  # noqa: E402

CHAIRS = 6
INFUSION = datetime.timedelta(minutes=100)
# (runs, days of bookings and shifts, other patients): the measurement, and the smoke run that
# only shows the bench still works (three weeks still hold six Mon/Wed/Fri treatments).
FULL = (20, 91, 120)
SMOKE = (2, 21, 12)
# The nurse rota, in the clinic's local time: (shift start, shift end) per nurse on duty, by
# weekday (0 = Monday); Sunday closed. On weekdays an early pair and a late nurse overlap over
# the midday peak, and after 15:30 the late nurse alone may watch only 3 infusing patients: a
# rota whose capacity changes through the day, as the ratio rule meets it in a clinic (a visit
# counts a nurse only if one shift covers all of it).
ROTA = {
    weekday: [
        (datetime.time(7), datetime.time(15, 30)),
        (datetime.time(7), datetime.time(15, 30)),
        (datetime.time(10, 30), datetime.time(19)),
    ]
    for weekday in range(5)
} | {5: [(datetime.time(7), datetime.time(13)), (datetime.time(7), datetime.time(13))]}


def main(*, runs: int, days: int, other_patients: int) -> None:
    from django.conf import settings

    settings.AUDIT_SEAL_INLINE = False  # the set-up's audit rows need not be chained here

    from ketaclinic.accounts.roles import Role
    from ketaclinic.clinics.models import Chair, OpeningHours, Room
    from ketaclinic.clinics.selectors import clinic_rules_get
    from ketaclinic.courses.models import DoseOrder
    from ketaclinic.courses.services import dose_order_sign
    from ketaclinic.courses.tests.support import course_for
    from ketaclinic.medicine.visits import VisitKind
    from ketaclinic.patients.models import Patient
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.scheduling.series import series_propose
    from ketaclinic.scheduling.services import local_moment
    from ketaclinic.scheduling.staffing import (
        nurse_ratio_problem,
        nurse_shifts_between,
        shift_add,
        treatments_between,
    )
    from ketaclinic.testing.factories import PatientFactory, staff_member
    from ketaclinic.testing.personas import NURSE_CREDENTIALS, make_personas

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
        Chair.objects.create(clinic=clinic, room=room, name=f"Chair {n}")
        for n in range(1, CHAIRS + 1)
    ]
    # factory_boy is untyped: its calls return the Patient rows this cast names.
    others = [cast(Patient, PatientFactory(clinic=clinic)) for _ in range(other_patients)]
    nurses = [personas.nina] + [
        staff_member(
            clinic,
            Role.NURSE,
            credentials=NURSE_CREDENTIALS,
            email=f"nurse{n}@clinic.test",
            full_name=f"Nurse {n}",
        )
        for n in (2, 3)
    ]

    start_day = clinic.local_today() + datetime.timedelta(days=1)
    # The rota through the whole booking period, added as the clinic admin adds it (the service
    # refuses overlapping or over-long shifts, so the bench cannot build an impossible rota).
    shifts = 0
    for offset in range(days):
        day = start_day + datetime.timedelta(days=offset)
        for nurse, (begins, ends) in zip(nurses, ROTA.get(day.weekday(), []), strict=False):
            shift_add(
                acting_user=personas.ada,
                clinic=clinic,
                user=nurse,
                starts_at=local_moment(clinic=clinic, day=day, time=begins),
                ends_at=local_moment(clinic=clinic, day=day, time=ends),
            )
            shifts += 1

    # The bookings: in every chair, infusions back to back from opening, leaving the last hours
    # of each weekday and one chair's afternoon free, so the search has work to do. At most 6
    # infuse at once, inside the early pair's capacity (patients_per_nurse, 3 by default).
    rows = []
    n = 0
    for offset in range(days):
        day = start_day + datetime.timedelta(days=offset)
        if day.weekday() == 6:
            continue
        last_hour = 16 if day.weekday() < 5 else 11
        for index, chair in enumerate(chairs):
            moment = local_moment(clinic=clinic, day=day, time=datetime.time(7))
            stop = local_moment(clinic=clinic, day=day, time=datetime.time(last_hour))
            if index == CHAIRS - 1:
                stop = local_moment(clinic=clinic, day=day, time=datetime.time(12))
            while moment + INFUSION <= stop:
                n += 1
                rows.append(
                    Appointment(
                        clinic=clinic,
                        patient=others[n % len(others)],
                        kind="iv_infusion",
                        starts_at=moment,
                        ends_at=moment + INFUSION,
                        chair=chair,
                        booked_by=personas.fran,
                    )
                )
                moment += INFUSION
    Appointment.objects.bulk_create(rows, batch_size=1000)

    course = course_for(personas)
    dose_order_sign(acting_user=personas.bob, course=course, dose=Decimal("0.5"))
    DoseOrder.objects.update(
        expires_at=local_moment(clinic=clinic, day=start_day, time=datetime.time(0))
        + datetime.timedelta(days=days)
    )

    timings = []
    for _ in range(runs):
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

    # A proposal is only worth timing if it is bookable: each slot within the nurse ratio, as
    # `appointment_book` reads the rota and the bookings (so a search that skipped the rule
    # fails the smoke run instead of printing a fast, wrong figure).
    visit = clinic_rules_get(clinic=clinic).visits.duration(VisitKind.IV_INFUSION)
    for slot in slots:
        end = slot.starts_at + visit
        problem = nurse_ratio_problem(
            capacity_per_nurse=clinic.patients_per_nurse,
            nurse_shifts=nurse_shifts_between(clinic=clinic, start=slot.starts_at, end=end),
            treatments=treatments_between(clinic=clinic, start=slot.starts_at, end=end),
            start=slot.starts_at,
            end=end,
        )
        if problem:
            raise SystemExit(
                f"series_propose proposed {slot.starts_at:%c}, which breaks: {problem}"
            )

    print(
        f"database: {connection.vendor}; {len(rows):,} bookings over {days} days in {CHAIRS} "
        f"chairs; {shifts} nurse shifts ({len(nurses)} nurses, {clinic.patients_per_nurse} "
        "patients per nurse)"
    )
    print(
        f"series_propose (6 infusions, Mon/Wed/Fri, 09:00 preferred): "
        f"median {timings[len(timings) // 2]:.1f} ms, best {timings[0]:.1f} ms, "
        f"worst {timings[-1]:.1f} ms over {runs} runs (target < 200 ms)"
    )
    first = slots[0].starts_at.astimezone(clinic.zone)
    print(f"first proposed: {first:%a %d %b %H:%M} in {slots[0].chair.name}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="Tiny sizes and two runs: that it works, not speed."
    )
    options = parser.parse_args()
    if options.smoke:
        warnings.simplefilter("error", RuntimeWarning)  # as the test suite (naive datetimes)
    runs, days, other_patients = SMOKE if options.smoke else FULL
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        main(runs=runs, days=days, other_patients=other_patients)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
