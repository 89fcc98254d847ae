"""The demo clinic's session days, charted through the `charting` services: the past month's
completed sessions, and the busy day's board with a patient in every state.

Every entry is made with its true time (the services' `checked_in_at`, `prepared_at`,
`occurred_at`, `measured_at`, `onset_at`, `given_at`, `discharged_at`). A few services stamp "now"
(checklist answers, the dose verification, scores, alarm acknowledgements, the reconciliation
record, note signatures, a questionnaire's completion): the demo's sessions are history entered
after the fact, so those stamps are set back to the time each step happened, right after the
service call. The controlled-substance ledger is append-only, so the witnessed waste posted by the
reconciliation keeps the time it was entered.

Appointments in the past are written directly (the booking service refuses times that have
passed), as a clinic importing its records would; the discharge service completes them.

Idempotent: patients, courses and orders are found by natural keys first; the past sessions are
built with the inventory (once); the busy day's board is booked once, on a working day in opening
hours, and charted once its moment has passed (demo/clinic_day.py).

The shared pieces are here (the patients in treatment, the staff, the times); the steps are in
`sessions_patients` (approved, consented, on a course), `sessions_chart` (one session charted as far
as its plan goes), `sessions_history` (the past month) and `sessions_today` (the busy day's board).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Chair, Clinic
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.session import ChecklistItem
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.patients.models import Patient, SexAtBirth
from ketaclinic.scheduling.models import Appointment
from ketaclinic.scheduling.services import local_moment

IV_PROTOCOL = "iv-ketamine-depression@1"
ESKETAMINE_PROTOCOL = "esketamine-trd@1"
ORDER_VALID_DAYS = 30
CADSS6 = {f"cadss.{n}": 1 for n in (1, 2, 6, 7, 15, 22)}
ALDRETE_FULL = {f"aldrete.{n}": 2 for n in range(1, 6)}
# Manual checklist items in the order a nurse goes through them (the pregnancy test is added).
MANUAL_ITEMS = (
    ChecklistItem.IDENTITY,
    ChecklistItem.FASTING,
    ChecklistItem.MEDICATION_HOLDS,
    ChecklistItem.NO_SUBSTANCES,
    ChecklistItem.EQUIPMENT,
)


@dataclass(frozen=True)
class DemoPatient:
    mrn: str
    first: str
    last: str
    sex: SexAtBirth
    age: int
    weight_kg: Decimal
    height_cm: Decimal
    escort: tuple[str, str]
    baseline: tuple[int, int, int]  # systolic, diastolic, heart rate at rest
    phq9: int  # this session's pre-session PHQ-9
    esketamine: bool = False


# Patients in treatment who fill today's board (Jordan, Wei and Aisha have the past month).
BOARD_PATIENTS = [
    DemoPatient(
        "CAT-00010", "Nadia", "Haddad", SexAtBirth.FEMALE, 39, Decimal("63.2"), Decimal("165"),
        ("Karim Haddad (brother)", "(720) 555-2010"), (118, 76, 70), 11,
    ),
    DemoPatient(
        "CAT-00011", "Owen", "Pryce", SexAtBirth.MALE, 45, Decimal("88.4"), Decimal("182"),
        ("Leah Pryce (wife)", "(720) 555-2011"), (128, 82, 74), 13,
    ),
    DemoPatient(
        "CAT-00012", "Caleb", "Fraser", SexAtBirth.MALE, 31, Decimal("79.0"), Decimal("178"),
        ("Dee Fraser (mother)", "(720) 555-2012"), (122, 78, 68), 17,
    ),
    DemoPatient(
        "CAT-00013", "Ines", "Moreau", SexAtBirth.FEMALE, 50, Decimal("68.5"), Decimal("162"),
        ("Paul Moreau (husband)", "(720) 555-2013"), (126, 80, 72), 15,
    ),
    DemoPatient(
        "CAT-00014", "Ruth", "Adebayo", SexAtBirth.FEMALE, 44, Decimal("71.0"), Decimal("170"),
        ("Tunde Adebayo (husband)", "(720) 555-2014"), (120, 78, 76), 19, esketamine=True,
    ),
    DemoPatient(
        "CAT-00015", "Victor", "Lindgren", SexAtBirth.MALE, 57, Decimal("92.3"), Decimal("185"),
        ("Eva Lindgren (wife)", "(720) 555-2015"), (132, 84, 66), 16,
    ),
    DemoPatient(
        "CAT-00016", "Yara", "Costa", SexAtBirth.FEMALE, 28, Decimal("58.7"), Decimal("160"),
        ("Bruno Costa (partner)", "(720) 555-2016"), (112, 72, 78), 18,
    ),
    DemoPatient(
        "CAT-00017", "Dmitri", "Volkov", SexAtBirth.MALE, 62, Decimal("84.1"), Decimal("176"),
        ("Irina Volkova (wife)", "(720) 555-2017"), (134, 84, 64), 20,
    ),
    DemoPatient(
        "CAT-00018", "Elise", "Warren", SexAtBirth.FEMALE, 36, Decimal("66.0"), Decimal("168"),
        ("Tom Warren (father)", "(720) 555-2018"), (116, 74, 72), 17,
    ),
]  # fmt: skip
# The story patients in treatment: measured today as at intake, with their own resting vitals.
STORY_PATIENTS = {
    "CAT-00001": ((124, 78, 72), Decimal("74.5"), Decimal("168")),
    "CAT-00005": ((128, 80, 70), Decimal("74.5"), Decimal("168")),
    "CAT-00006": ((130, 82, 66), Decimal("74.5"), Decimal("168")),
}
# (MRN, days ago, visit kind, what happens, PHQ-9 that morning)
PAST_SESSIONS = [
    ("CAT-00005", 20, VisitKind.BOOSTER, "", 9),
    ("CAT-00001", 8, VisitKind.IV_INFUSION, "", 19),
    ("CAT-00010", 7, VisitKind.IV_INFUSION, "nausea", 17),
    ("CAT-00005", 6, VisitKind.BOOSTER, "bp_alarm", 8),
    ("CAT-00001", 5, VisitKind.IV_INFUSION, "", 15),
    ("CAT-00011", 5, VisitKind.IV_INFUSION, "", 18),
    ("CAT-00010", 4, VisitKind.IV_INFUSION, "", 14),
    ("CAT-00011", 3, VisitKind.IV_INFUSION, "", 16),
    ("CAT-00006", 3, VisitKind.IV_INFUSION, "", 18),
]
# Minutes from check-in to the pump start (or first device), and the infusion's readings.
START_AFTER_CHECK_IN = 18
INFUSION_READINGS = (5, 10, 15, 25, 35)
INFUSION_MIN = 40


@dataclass(frozen=True)
class Staff:
    desk: User
    nurse: User
    second_nurse: User
    physician: User
    director: User


def demo_staff() -> Staff:
    def user(email: str) -> User:
        return User.objects.get(email=email)

    return Staff(
        desk=user("frontdesk.patel@catalyst.example"),
        nurse=user("nurse.chen@catalyst.example"),
        second_nurse=user("nurse.alvarez@catalyst.example"),
        physician=user("dr.rivera@catalyst.example"),
        director=user("dr.okafor@catalyst.example"),
    )


def _minutes(value: float) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def _local(clinic: Clinic, day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return local_moment(clinic=clinic, day=day, time=datetime.time(hour, minute))


def phq9_answers(total: int) -> dict[str, int]:
    """A PHQ-9 with this total over items 1–8 (item 9, self-harm, answered 0)."""
    base, extra = divmod(min(total, 24), 8)
    return {f"phq9.{n}": (base + 1 if n <= extra else base) if n < 9 else 0 for n in range(1, 10)}


def _session_day(today: datetime.date, days_ago: int) -> datetime.date:
    day = today - datetime.timedelta(days=days_ago)
    return day - datetime.timedelta(days=1) if day.weekday() == 6 else day  # closed on Sundays


def _appointment(
    clinic: Clinic,
    *,
    patient: Patient,
    course: TreatmentCourse,
    kind: VisitKind,
    starts_at: datetime.datetime,
    chair: Chair,
    desk: User,
    note: str = "",
) -> Appointment:
    return Appointment.objects.create(
        clinic=clinic,
        patient=patient,
        course=course,
        kind=kind,
        starts_at=starts_at,
        ends_at=starts_at + clinic_rules_get(clinic=clinic).visits.duration(kind),
        chair=chair,
        booked_by=desk,
        note=note,
    )
