"""The plan of one generated patient (demo/scale.py): who they are and, day by day, the courses and
treatments of their past year. Pure Python, no database: scale.py turns plans into rows.

Each patient draws from their own seeded generator (seed and index), so patient 73 is the same
person with the same history whether the run builds 100 patients or 100,000, in one chunk or
fifty, on the first run or on a later one that tops up.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from ketaclinic.demo.people import FIRST_NAMES, LAST_NAMES
from ketaclinic.medicine.protocols import (
    INTRANASAL_ESKETAMINE,
    IV_KETAMINE_ALCOHOL_USE,
    IV_KETAMINE_CHRONIC_PAIN,
    IV_KETAMINE_DEPRESSION,
    IV_KETAMINE_PTSD,
    DoseUnit,
    Protocol,
)
from ketaclinic.medicine.visits import VisitKind

# How far back the generated history reaches: the dashboard's default year.
HISTORY_DAYS = 365
# Courses that hold a place in the chair per patient: an induction, then for those who responded
# a booster course (a third would be rare enough to leave out).
MAX_COURSES = 2
# Treatments wanted per patient over their courses: 13–19, cut by each course's maximum, by the
# induction of non-responders (4–6) and by today for late starters, gives ~10.7 bookings and
# ~10 sessions a patient (~1,000,000 at 100,000 patients) and ~1.6 courses.
BOOKINGS_PER_PATIENT = (13, 19)
NO_SHOW_RATE = 0.06
NOT_GIVEN_RATE = 0.03  # blood pressure held at the pre-infusion check

# (indication, weight, protocols to choose from)
_INDICATIONS: list[tuple[str, int, tuple[Protocol, ...]]] = [
    ("trd", 45, (IV_KETAMINE_DEPRESSION, IV_KETAMINE_DEPRESSION, INTRANASAL_ESKETAMINE)),
    ("mdd_si", 8, (IV_KETAMINE_DEPRESSION,)),
    ("anxiety", 10, (IV_KETAMINE_DEPRESSION,)),
    ("ptsd", 14, (IV_KETAMINE_PTSD,)),
    ("ocd", 4, (IV_KETAMINE_PTSD,)),
    ("aud", 5, (IV_KETAMINE_ALCOHOL_USE,)),
    ("chronic_pain", 14, (IV_KETAMINE_CHRONIC_PAIN,)),
]
# Final improvement fraction by trajectory, roughly as in the IV ketamine literature.
_TRAJECTORIES = [
    ("remitter", 30, 0.75),
    ("responder", 20, 0.55),
    ("partial", 20, 0.3),
    ("non_responder", 30, 0.08),
]
RESPONDED = 0.2  # a trajectory below this is stopped after induction and gets no boosters

T = TypeVar("T")


def weighted(rng: random.Random, options: list[tuple[str, int, T]]) -> tuple[str, T]:
    name, _, value = rng.choices(options, weights=[option[1] for option in options])[0]
    return name, value


@dataclass(frozen=True)
class OpeningDay:
    opens: datetime.time
    minutes: int  # from opening to closing


def visit_kinds(protocol: Protocol) -> tuple[VisitKind, VisitKind]:
    """(induction, booster) visit kinds for a protocol, as medicine/visits.py pairs them."""
    if protocol.dose_unit == DoseUnit.MG_PER_KG:
        return VisitKind.IV_INFUSION, VisitKind.BOOSTER
    if protocol.dose_unit == DoseUnit.MG_PER_KG_PER_HOUR:
        return VisitKind.PAIN_INFUSION, VisitKind.PAIN_INFUSION
    return VisitKind.ESKETAMINE, VisitKind.ESKETAMINE


@dataclass
class PlannedCourse:
    kind: VisitKind
    is_booster: bool
    signed_on: datetime.date
    days: list[datetime.date]
    is_open: bool = False  # still running today (its next treatments not booked yet)


@dataclass
class PatientPlan:
    index: int
    rng: random.Random
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    is_female: bool
    indication: str
    protocol: Protocol
    trajectory: float
    baseline_phq9: int
    relapses: bool
    weight_kg: Decimal
    height_cm: Decimal
    blood_pressure: tuple[int, int, int]  # systolic, diastolic, pulse on a calm day
    escort_first_name: str
    courses: list[PlannedCourse] = field(default_factory=list)

    @property
    def is_responder(self) -> bool:
        return self.trajectory >= RESPONDED


def patient_rng(seed: int, index: int) -> random.Random:
    return random.Random(seed * 1_000_003 + index)


def plan_patient(
    *,
    seed: int,
    index: int,
    today: datetime.date,
    opening: dict[int, OpeningDay],
    closed_days: frozenset[datetime.date],
    durations_min: dict[VisitKind, int],
    maximum_per_week: int,
) -> PatientPlan:
    """One patient's person and past year; treatments only on days the clinic is open long
    enough for the visit, never two in a day, at most `maximum_per_week` per course and ISO week,
    two days or more apart (≥ 24 h whatever the time of day), and only before `today`."""
    rng = patient_rng(seed, index)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    age_days = rng.randint(18 * 366, 85 * 365)
    indication, protocols = weighted(rng, _INDICATIONS)
    protocol = rng.choice(protocols)
    _, improvement = weighted(rng, _TRAJECTORIES)
    plan = PatientPlan(
        index=index,
        rng=rng,
        first_name=first,
        last_name=last,
        date_of_birth=today - datetime.timedelta(days=age_days),
        is_female=rng.random() < 0.55,
        indication=indication,
        protocol=protocol,
        trajectory=float(improvement),
        baseline_phq9=rng.randint(11, 25),
        relapses=rng.random() < 0.15,
        weight_kg=Decimal(rng.randint(520, 1150)) / 10,
        height_cm=Decimal(rng.randint(1520, 1950)) / 10,
        blood_pressure=(rng.randint(108, 132), rng.randint(66, 84), rng.randint(60, 90)),
        escort_first_name=rng.choice(FIRST_NAMES),
    )
    induction_kind, booster_kind = visit_kinds(protocol)
    maximum = protocol.max_infusions_per_course
    bookings = rng.randint(*BOOKINGS_PER_PATIENT)
    day = today - datetime.timedelta(days=rng.randint(14, HISTORY_DAYS))

    def next_open_day(
        candidate: datetime.date, kind: VisitKind, week: dict[object, int]
    ) -> datetime.date:
        while (
            (hours := opening.get(candidate.weekday())) is None
            or hours.minutes < durations_min[kind]
            or candidate in closed_days
            or week.get(candidate.isocalendar()[:2], 0) >= maximum_per_week
        ):
            candidate += datetime.timedelta(days=1)
        return candidate

    for number in range(MAX_COURSES):
        is_booster = number > 0
        if is_booster and not plan.is_responder:
            break
        wanted = min(maximum, bookings)
        if not is_booster and not plan.is_responder:
            wanted = min(wanted, rng.randint(4, 6))  # stopped at the review without a response
        kind = booster_kind if is_booster else induction_kind
        course = PlannedCourse(
            kind=kind, is_booster=is_booster, signed_on=day - datetime.timedelta(days=7), days=[]
        )
        week: dict[object, int] = {}
        for _ in range(wanted):
            day = next_open_day(day, kind, week)
            if day >= today:
                course.is_open = True  # the rest is not booked yet
                break
            course.days.append(day)
            week[day.isocalendar()[:2]] = week.get(day.isocalendar()[:2], 0) + 1
            # Induction: 2–4 days apart; boosters every one to three weeks.
            gap = rng.randint(7, 21) if is_booster else rng.choice((2, 3, 3, 4))
            day += datetime.timedelta(days=gap)
        if not course.days:
            break
        plan.courses.append(course)
        bookings -= len(course.days)
        if course.is_open or bookings <= 0:
            break
        # A month or two between the induction and the first booster.
        day = course.days[-1] + datetime.timedelta(days=rng.randint(28, 56))
    return plan
