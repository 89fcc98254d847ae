"""The demo clinic: Catalyst Clinic in Denver, its staff (one per role), chairs and patients.

Deterministic: the same seed gives the same people, secrets and dates. Idempotent: every row is
found by a natural key first, so running it again keeps what is there (and anything the user added).
The busy day (chairs taken, a patient in every state) is a working day in opening hours, whatever
the server's clock says (demo/clinic_day.py). The hand-built patients' medical record numbers are
the registration service's own series for the clinic (Catalyst: "CAT-00001"), so a patient
registered after the demo continues it.
The generated benchmark patients (`--patients N`, demo/scale.py) come after the hand-built clinic,
in transactions of their own, and nothing hand-built reads or changes them.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from ketaclinic.accounts.models import StaffMembership, User
from ketaclinic.accounts.roles import CredentialKind
from ketaclinic.analytics.course_summaries import course_summaries_refresh
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Organization, Room
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.demo.clinic_day import BusyDay, busy_day
from ketaclinic.demo.inventory import build_inventory
from ketaclinic.demo.journey import _demo_consents, _demo_journey
from ketaclinic.demo.outcomes import build_outcome_trajectories
from ketaclinic.demo.patients import DEMO_MRN_PREFIX, _demo_inquiries, _demo_patients
from ketaclinic.demo.people import (
    DEMO_PATIENT_EMAIL,
    DEMO_SEED,
    DEMO_STAFF,
    DEMO_TIME_ZONE,
    _credential,
    _enrol_totp,
    _user,
)
from ketaclinic.demo.scale import MRN_PREFIX, Progress, registration_prefix, scaled_patients
from ketaclinic.demo.schedule import (
    _demo_appointments,
    _demo_courses,
    _demo_shifts,
    shifts_cover_booked_days,
)
from ketaclinic.demo.sessions_patients import build_treatment_patients
from ketaclinic.demo.sessions_today import build_today
from ketaclinic.measures.services import (
    measures_mark_missed,
    measures_match_responses,
    measures_plan_for_course,
)
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.messaging.models import Message
from ketaclinic.messaging.services import message_reply, message_send_from_patient
from ketaclinic.patients.models import Patient


@dataclass
class DemoSummary:
    clinic: Clinic
    created_users: int = 0
    created_patients: int = 0
    busy: BusyDay | None = None


def _clinic(organization: Organization, *, slug: str, **fields: object) -> Clinic:
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        clinic = Clinic.objects.create(organization=organization, slug=slug, **fields)
    return clinic


def _hours(clinic: Clinic, weekdays: range, opens: int, closes: int) -> None:
    for weekday in weekdays:
        OpeningHours.objects.get_or_create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(opens),
            defaults={"closes_at": datetime.time(closes)},
        )


def _rooms_and_chairs(clinic: Clinic, layout: dict[str, list[str]]) -> None:
    for room_name, chair_names in layout.items():
        room, _ = Room.objects.get_or_create(clinic=clinic, name=room_name)
        for chair_name in chair_names:
            Chair.objects.get_or_create(clinic=clinic, name=chair_name, defaults={"room": room})


def _renumber_legacy_records(clinic: Clinic) -> None:
    """A demo built before the one series kept its patients as "CC-00001"…: renumber them in the
    registration service's series, so a second run finds them (and adds nobody twice)."""
    prefix = registration_prefix(clinic)
    for patient in Patient.objects.filter(
        clinic=clinic, medical_record_number__regex=r"^CC-[0-9]{5}$"
    ):
        renumbered = f"{prefix}-{patient.medical_record_number[3:]}"
        if not Patient.objects.filter(clinic=clinic, medical_record_number=renumbered).exists():
            Patient.objects.filter(pk=patient.pk).update(medical_record_number=renumbered)


@transaction.atomic
def build_demo(*, now: datetime.datetime) -> DemoSummary:
    """The demo clinics as of `now` (the real clock): history is dated back from the clinic's
    day, the busy day and the weeks ahead forward from the working day demo/clinic_day.py picks."""
    rng = random.Random(DEMO_SEED)
    # History counts back from the clinic's day (Denver's, not the server's); bookings ahead
    # start after the busy day.
    today = timezone.localtime(now, ZoneInfo(DEMO_TIME_ZONE)).date()
    organization, _ = Organization.objects.get_or_create(name="Catalyst Health")
    denver = _clinic(
        organization,
        slug="catalyst-denver",
        name="Catalyst Clinic",
        address_line1="1450 Larimer Street",
        address_line2="Suite 300",
        city="Denver",
        state="CO",
        postal_code="80202",
        phone="(303) 555-0142",
        email="hello@catalyst.example",
        timezone=DEMO_TIME_ZONE,
        dea_registration_number="FC1234563",
        dea_registration_expires_on=today + datetime.timedelta(days=400),
    )
    boulder = _clinic(
        organization,
        slug="catalyst-boulder",
        name="Catalyst Clinic Boulder",
        address_line1="2100 Pearl Street",
        city="Boulder",
        state="CO",
        postal_code="80302",
        phone="(303) 555-0199",
        email="boulder@catalyst.example",
        timezone=DEMO_TIME_ZONE,
        dea_registration_number="FC7654325",
        dea_registration_expires_on=today + datetime.timedelta(days=500),
    )
    _hours(denver, range(0, 5), 7, 18)
    _hours(denver, range(5, 6), 8, 13)
    _hours(boulder, range(0, 4), 8, 17)
    _rooms_and_chairs(
        denver,
        {
            "Infusion suite A": ["Chair 1", "Chair 2", "Chair 3"],
            "Infusion suite B": ["Chair 4", "Chair 5", "Chair 6"],
        },
    )
    Room.objects.get_or_create(clinic=denver, name="Consult room")
    _rooms_and_chairs(boulder, {"Infusion room": ["Chair 1", "Chair 2", "Chair 3"]})
    if registration_prefix(denver) != DEMO_MRN_PREFIX:  # pragma: no cover - the slug is fixed
        raise RuntimeError(f"The demo's MRNs are {DEMO_MRN_PREFIX}-…: keep the clinic's slug.")
    _renumber_legacy_records(denver)
    busy = busy_day(
        denver,
        now=now,
        visit=clinic_rules_get(clinic=denver).visits.duration(VisitKind.IV_INFUSION),
    )
    if busy is None:  # pragma: no cover - the demo's own hours have a working day every week
        raise RuntimeError("Catalyst Clinic has no opening day in the next two weeks.")

    summary = DemoSummary(clinic=denver, busy=busy)
    for staff in DEMO_STAFF:
        user, created = _user(staff.email, staff.full_name)
        summary.created_users += int(created)
        _enrol_totp(user)
        clinics = [denver, boulder] if staff.also_at_boulder else [denver]
        for clinic in clinics:
            StaffMembership.objects.get_or_create(
                user=user,
                clinic=clinic,
                defaults={
                    "role": staff.role,
                    "nurse_type": staff.nurse_type or "",
                    "title": staff.title,
                },
            )
    users = {staff.email: User.objects.get(email=staff.email) for staff in DEMO_STAFF}
    in_two_years = today + datetime.timedelta(days=700)
    for email in ("dr.rivera@catalyst.example", "dr.okafor@catalyst.example"):
        suffix = "1" if "rivera" in email else "2"
        _credential(
            users[email], CredentialKind.MEDICAL_LICENSE, f"DR.00{suffix}4471", in_two_years, "CO"
        )
        _credential(
            users[email],
            CredentialKind.DEA_REGISTRATION,
            "BR1234563" if "rivera" in email else "BO2345672",  # valid check digits
            in_two_years,
        )
        _credential(users[email], CredentialKind.ACLS, f"ACLS-88{suffix}20", in_two_years)
    _credential(
        users["nurse.chen@catalyst.example"],
        CredentialKind.NURSING_LICENSE,
        "RN.1029384",
        in_two_years,
        "CO",
    )
    # Grace Chen's ACLS lapses in five weeks: the admin's dashboard shows it.
    _credential(
        users["nurse.chen@catalyst.example"],
        CredentialKind.ACLS,
        "ACLS-55102",
        today + datetime.timedelta(days=35),
    )
    _credential(
        users["nurse.alvarez@catalyst.example"],
        CredentialKind.APRN_LICENSE,
        "APN.0099812",
        in_two_years,
        "CO",
    )
    _credential(
        users["nurse.alvarez@catalyst.example"], CredentialKind.ACLS, "ACLS-66019", in_two_years
    )
    _credential(
        users["therapist.brooks@catalyst.example"],
        CredentialKind.THERAPY_LICENSE,
        "CSW.09921",
        in_two_years,
        "CO",
    )

    summary.created_patients += _demo_patients(denver, today=today, rng=rng)
    _demo_inquiries(denver, front_desk=users["frontdesk.patel@catalyst.example"])
    _demo_consents(denver, director=users["dr.okafor@catalyst.example"])
    _demo_journey(
        denver,
        nurse=users["nurse.chen@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
    )
    _demo_appointments(
        denver,
        today=busy.day,
        front_desk=users["frontdesk.patel@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
        therapist=users["therapist.brooks@catalyst.example"],
    )
    nurses = [users["nurse.chen@catalyst.example"], users["nurse.alvarez@catalyst.example"]]
    admin = users["admin.morgan@catalyst.example"]
    _demo_shifts(denver, today=busy.day, admin=admin, nurses=nurses)
    _demo_courses(
        denver,
        today=busy.day,
        physician=users["dr.rivera@catalyst.example"],
        front_desk=users["frontdesk.patel@catalyst.example"],
    )
    summary.created_patients += build_treatment_patients(denver, today=today)
    build_inventory(
        denver,
        today=today,
        nurse=users["nurse.chen@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
        front_desk=users["frontdesk.patel@catalyst.example"],
    )
    summary.busy = build_today(denver, busy=busy)
    summary.created_patients += build_outcome_trajectories(denver, today=today)
    _demo_measures_and_messages(denver, today=today, nurse=users["nurse.chen@catalyst.example"])
    # The past month's and the outcome stories' chair days had nurses on shift too.
    shifts_cover_booked_days(denver, admin=admin, nurses=nurses)
    # The demo back-dates rows with QuerySet.update, which the summaries' receivers never see.
    # (Generated patients' courses are summarised as they are loaded, chunk by chunk.)
    course_summaries_refresh(
        course_ids=TreatmentCourse.objects.filter(clinic__in=[denver, boulder])
        .exclude(patient__medical_record_number__startswith=f"{MRN_PREFIX}-")
        .values_list("pk", flat=True)
    )
    return summary


def build_generated_patients(
    *, today: datetime.date, count: int, progress: Progress | None = None
) -> int:
    """Top the demo clinic up to `count` generated benchmark patients (after build_demo), each
    chunk in its own transaction; returns how many were added now."""
    denver = Clinic.objects.get(slug="catalyst-denver")
    return scaled_patients(denver, today=today, count=count, progress=progress)


def _demo_measures_and_messages(clinic: Clinic, *, today: datetime.date, nurse: User) -> None:
    """Each hand-built course's measurement schedule (planned as the daily round would, without
    sending the reminder emails), and a message from the portal patient answered by a nurse. The
    generated benchmark courses get none: planning them one service call at a time, with an audit
    event per completed or missed measure, was what took a 10,000-patient demo 13 minutes."""
    hand_built = TreatmentCourse.objects.filter(clinic=clinic).exclude(
        patient__medical_record_number__startswith=f"{MRN_PREFIX}-"
    )
    for course in hand_built.select_related("clinic"):
        measures_plan_for_course(course=course, today=today)
    measures_match_responses(clinic=clinic, today=today)
    measures_mark_missed(clinic=clinic, today=today)
    patient = Patient.objects.filter(clinic=clinic, portal_user__email=DEMO_PATIENT_EMAIL).first()
    if patient is None or patient.portal_user is None:
        return
    if Message.objects.filter(patient=patient).exists():
        return
    message_send_from_patient(
        patient_user=patient.portal_user,
        patient=patient,
        body="Should I still take my lamotrigine the evening before my next infusion?",
    )
    message_reply(
        acting_user=nurse,
        patient=patient,
        body=(
            "Yes, take it as usual the evening before; skip the morning dose on the day, as your "
            "preparation list says. Dr Rivera will review it with you at the chair."
        ),
    )
