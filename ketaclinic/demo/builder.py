"""The demo clinic: Catalyst Clinic in Denver, its staff (one per role), chairs and patients.

Deterministic: the same seed gives the same people, secrets and dates. Idempotent: every row is
found by a natural key first, so running it again keeps what is there (and anything the user added).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import random
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction

from ketaclinic.accounts.models import Credential, StaffMembership, User
from ketaclinic.accounts.roles import CredentialKind, NurseType, Role
from ketaclinic.clinics.models import Chair, Clinic, OpeningHours, Organization, Room
from ketaclinic.inquiries.models import (
    ConditionOfInterest,
    ContactMethod,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth

DEMO_PASSWORD = "catalyst-demo-2026"  # noqa: S105  (published demo sign-in, DEBUG only)
DEMO_SEED = 20261124
DEMO_TIME_ZONE = "America/Denver"  # both demo clinics are in Colorado


@dataclass(frozen=True)
class DemoStaff:
    email: str
    full_name: str
    role: Role
    title: str
    nurse_type: NurseType | None = None
    also_at_boulder: bool = False


DEMO_STAFF = [
    DemoStaff("dr.rivera@catalyst.example", "Elena Rivera", Role.PHYSICIAN, "MD", None, True),
    DemoStaff(
        "dr.okafor@catalyst.example", "Daniel Okafor", Role.MEDICAL_DIRECTOR, "MD, Medical Director"
    ),
    DemoStaff("nurse.chen@catalyst.example", "Grace Chen", Role.NURSE, "RN", NurseType.RN, True),
    DemoStaff(
        "nurse.alvarez@catalyst.example", "Marco Alvarez", Role.NURSE, "CRNA", NurseType.CRNA
    ),
    DemoStaff(
        "frontdesk.patel@catalyst.example", "Priya Patel", Role.FRONT_DESK, "Patient coordinator"
    ),
    DemoStaff("therapist.brooks@catalyst.example", "Jordan Brooks", Role.THERAPIST, "LCSW"),
    DemoStaff("admin.morgan@catalyst.example", "Casey Morgan", Role.CLINIC_ADMIN, "Clinic manager"),
    DemoStaff("auditor.lee@catalyst.example", "Robin Lee", Role.AUDITOR, "Compliance auditor"),
]
DEMO_PATIENT_EMAIL = "patient.jordan@catalyst.example"

FIRST_NAMES = [
    "Avery",
    "Blake",
    "Cameron",
    "Dana",
    "Emerson",
    "Finley",
    "Harper",
    "Jamie",
    "Kendall",
    "Logan",
    "Morgan",
    "Noel",
    "Parker",
    "Quinn",
    "Reese",
    "Sage",
    "Taylor",
    "Skyler",
    "Rowan",
    "Alex",
    "Jesse",
    "Casey",
    "Drew",
    "Hayden",
    "Micah",
    "Riley",
    "Shawn",
    "Tatum",
    "Wren",
    "Ellis",
]
LAST_NAMES = [
    "Anderson",
    "Baker",
    "Castillo",
    "Dawson",
    "Ellison",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ibarra",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Martinez",
    "Nakamura",
    "Olsen",
    "Petrov",
    "Quintero",
    "Ramirez",
    "Sandoval",
    "Thompson",
    "Underwood",
    "Vasquez",
    "Whitaker",
    "Xu",
    "Yamamoto",
    "Zimmer",
]


def demo_totp_secret(email: str) -> str:
    """A fixed authenticator secret per demo user, so `ketaclinic totp` and tests agree."""
    digest = hashlib.sha256(f"ketaclinic-demo:{DEMO_SEED}:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


@dataclass
class DemoSummary:
    clinic: Clinic
    created_users: int = 0
    created_patients: int = 0


def _user(email: str, full_name: str) -> tuple[User, bool]:
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user, False
    return User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name), True


def _enrol_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, demo_totp_secret(user.email))
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).exists():
        RecoveryCodes.activate(user)


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


def _credential(
    user: User, kind: CredentialKind, number: str, expires_on: datetime.date, state: str = ""
) -> None:
    Credential.objects.get_or_create(
        user=user,
        kind=kind,
        number=number,
        issuing_state=state,
        defaults={"expires_on": expires_on, "issued_on": expires_on - datetime.timedelta(days=730)},
    )


@transaction.atomic
def build_demo(*, today: datetime.date, extra_patients: int = 0) -> DemoSummary:
    rng = random.Random(DEMO_SEED)
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

    summary = DemoSummary(clinic=denver)
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
    if extra_patients:
        summary.created_patients += _scaled_patients(
            denver, today=today, rng=rng, count=extra_patients
        )
    _demo_inquiries(denver, front_desk=users["frontdesk.patel@catalyst.example"])
    _demo_consents(denver, director=users["dr.okafor@catalyst.example"])
    _demo_journey(
        denver,
        nurse=users["nurse.chen@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
    )
    _demo_appointments(
        denver,
        today=today,
        front_desk=users["frontdesk.patel@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
        therapist=users["therapist.brooks@catalyst.example"],
    )
    _demo_shifts(
        denver,
        today=today,
        admin=users["admin.morgan@catalyst.example"],
        nurses=[users["nurse.chen@catalyst.example"], users["nurse.alvarez@catalyst.example"]],
    )
    _demo_courses(
        denver,
        today=today,
        physician=users["dr.rivera@catalyst.example"],
        front_desk=users["frontdesk.patel@catalyst.example"],
    )
    from ketaclinic.demo.inventory import build_inventory
    from ketaclinic.demo.sessions import build_today, build_treatment_patients

    summary.created_patients += build_treatment_patients(denver, today=today)
    build_inventory(
        denver,
        today=today,
        nurse=users["nurse.chen@catalyst.example"],
        physician=users["dr.rivera@catalyst.example"],
        front_desk=users["frontdesk.patel@catalyst.example"],
    )
    build_today(denver)
    from ketaclinic.demo.outcomes import build_outcome_trajectories

    summary.created_patients += build_outcome_trajectories(denver, today=today)
    _demo_measures_and_messages(denver, today=today, nurse=users["nurse.chen@catalyst.example"])
    return summary


def _demo_measures_and_messages(clinic: Clinic, *, today: datetime.date, nurse: User) -> None:
    """Each course's measurement schedule (planned as the daily round would, without sending the
    reminder emails), and a message from the portal patient answered by a nurse."""
    from ketaclinic.courses.models import TreatmentCourse
    from ketaclinic.measures.services import (
        measures_mark_missed,
        measures_match_responses,
        measures_plan_for_course,
    )
    from ketaclinic.messaging.models import Message
    from ketaclinic.messaging.services import message_reply, message_send_from_patient

    for course in TreatmentCourse.objects.filter(clinic=clinic).select_related("clinic"):
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


def _demo_baseline_scores(patient: Patient, *, nurse: User, severe: bool) -> None:
    """Screening scores entered by the nurse: PHQ-9 (no item-9 answer), GAD-7 and AUDIT-C."""
    from ketaclinic.outcomes.models import ResponseContext
    from ketaclinic.outcomes.services import questionnaire_record

    phq9 = {f"phq9.{n}": (2 if severe else 1) if n < 9 else 0 for n in range(1, 10)}
    for code, answers in (
        ("phq9", phq9),
        ("gad7", {f"gad7.{n}": 1 for n in range(1, 8)}),
        ("audit_c", {"audit_c.1": 1, "audit_c.2": 0, "audit_c.3": 0}),
    ):
        questionnaire_record(
            acting_user=nurse,
            patient=patient,
            instrument_code=code,
            answers=answers,
            context=ResponseContext.SCREENING,
        )


def _demo_shifts(clinic: Clinic, *, today: datetime.date, admin: User, nurses: list[User]) -> None:
    """Both nurses on shift through the clinic's hours for the coming four weeks."""
    from ketaclinic.scheduling.models import StaffShift
    from ketaclinic.scheduling.services import local_moment
    from ketaclinic.scheduling.staffing import shift_add

    for offset in range(0, 28):
        day = today + datetime.timedelta(days=offset)
        period = clinic.opening_hours.filter(weekday=day.weekday()).first()
        if period is None:
            continue
        starts_at = local_moment(clinic=clinic, day=day, time=period.opens_at)
        for nurse in nurses:
            if StaffShift.objects.filter(clinic=clinic, user=nurse, starts_at=starts_at).exists():
                continue
            shift_add(
                acting_user=admin,
                clinic=clinic,
                user=nurse,
                starts_at=starts_at,
                ends_at=local_moment(clinic=clinic, day=day, time=period.closes_at),
            )


def _demo_courses(
    clinic: Clinic, *, today: datetime.date, physician: User, front_desk: User
) -> None:
    """Jordan and Wei in induction and Aisha on boosters: signed courses and dose orders, and
    their treatments booked through the series service, so the week ahead has infusions."""
    from decimal import Decimal

    from ketaclinic.courses.models import CourseStatus, TreatmentCourse
    from ketaclinic.courses.services import course_create, course_transition, dose_order_sign
    from ketaclinic.scheduling.series import series_book, series_propose

    plan = [
        # (MRN, preferred weekdays, time, treatments to book, course status)
        ("CC-00001", frozenset({0, 2, 4}), datetime.time(9), 6, CourseStatus.INDUCTION),
        ("CC-00006", frozenset({1, 3, 5}), datetime.time(8), 5, CourseStatus.INDUCTION),
        ("CC-00005", frozenset({2}), datetime.time(13), 1, CourseStatus.MAINTENANCE),
    ]
    for mrn, weekdays, time, count, status in plan:
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or TreatmentCourse.objects.filter(patient=patient).exists():
            continue
        course = course_create(
            acting_user=physician,
            patient=patient,
            target_infusions=6,
            starting_dose=Decimal("0.5"),
            titration_plan=(
                "0.5 mg/kg; step to 0.75 mg/kg at infusion 3 if under 20% better and tolerated."
            ),
            booster_plan="Single boosters when PHQ-9 rises 5 points from the best; review 3-monthly.",
        )
        dose_order_sign(acting_user=physician, course=course, dose=Decimal("0.5"))
        course_transition(acting_user=physician, course=course, to_status=CourseStatus.INDUCTION)
        if status == CourseStatus.MAINTENANCE:
            course_transition(acting_user=physician, course=course, to_status=status)
        slots = series_propose(
            course=course,
            first_day=today + datetime.timedelta(days=1),
            weekdays=weekdays,
            preferred_time=time,
            count=count,
        )
        series_book(acting_user=front_desk, course=course, slots=slots)


def _demo_appointments(
    clinic: Clinic, *, today: datetime.date, front_desk: User, physician: User, therapist: User
) -> None:
    """Consultations and follow-ups in the coming days, booked through the scheduling service
    (infusions are booked from treatment courses). Skipped for a patient who already has one."""
    from ketaclinic.medicine.visits import VisitKind
    from ketaclinic.scheduling.models import Appointment
    from ketaclinic.scheduling.services import appointment_book, local_moment

    weekdays = [
        day
        for offset in range(1, 10)
        if (day := today + datetime.timedelta(days=offset)).weekday() < 5
    ]
    plan = [
        ("CC-00002", VisitKind.CONSULT, weekdays[0], datetime.time(9), physician),
        ("CC-00003", VisitKind.CONSULT, weekdays[0], datetime.time(11), physician),
        ("CC-00004", VisitKind.TELEHEALTH, weekdays[1], datetime.time(13, 30), physician),
        ("CC-00001", VisitKind.THERAPY, weekdays[1], datetime.time(15), therapist),
        ("CC-00006", VisitKind.FOLLOW_UP, weekdays[2], datetime.time(10), physician),
    ]
    for mrn, kind, day, time, clinician in plan:
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or Appointment.objects.filter(patient=patient).exists():
            continue
        appointment_book(
            acting_user=front_desk,
            patient=patient,
            kind=kind,
            starts_at=local_moment(clinic=clinic, day=day, time=time),
            clinician=clinician,
        )


def _demo_consents(clinic: Clinic, *, director: User) -> None:
    from django.utils import timezone

    from ketaclinic.consent import texts
    from ketaclinic.consent.models import ConsentDocument, Treatment

    for treatment, title, body in (
        (Treatment.IV_KETAMINE, "Consent to IV ketamine treatment (off-label)", texts.IV_KETAMINE),
        (Treatment.ESKETAMINE, "Consent to esketamine (SPRAVATO) treatment", texts.ESKETAMINE),
        (
            Treatment.KETAMINE_ASSISTED_PSYCHOTHERAPY,
            "Consent to ketamine-assisted psychotherapy",
            texts.KAP,
        ),
    ):
        ConsentDocument.objects.get_or_create(
            clinic=clinic,
            treatment=treatment,
            version=1,
            defaults={
                "title": title,
                "body": body,
                "published_at": timezone.now(),
                "published_by": director,
            },
        )


_STORY_PATIENTS = [
    # (first, last, preferred, stage, sex, age)
    ("Jordan", "Ellis", "", JourneyStage.IN_INDUCTION, SexAtBirth.FEMALE, 34),
    ("Samuel", "Okonkwo", "Sam", JourneyStage.SCREENING, SexAtBirth.MALE, 41),
    ("Maria", "Delgado", "", JourneyStage.ELIGIBILITY_REVIEW, SexAtBirth.FEMALE, 52),
    ("Thomas", "Bergstrom", "Tom", JourneyStage.APPROVED, SexAtBirth.MALE, 29),
    ("Aisha", "Rahman", "", JourneyStage.MAINTENANCE, SexAtBirth.FEMALE, 46),
    ("Wei", "Zhang", "", JourneyStage.IN_INDUCTION, SexAtBirth.MALE, 67),
    ("Hannah", "Kowalczyk", "", JourneyStage.REGISTERED, SexAtBirth.FEMALE, 23),
    ("Luis", "Navarro", "", JourneyStage.COMPLETED, SexAtBirth.MALE, 38),
    ("Beatrice", "Fontaine", "Bea", JourneyStage.DECLINED, SexAtBirth.FEMALE, 58),
]


def _birth_date(today: datetime.date, age: int, rng: random.Random) -> datetime.date:
    return today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 300))


def _demo_patients(clinic: Clinic, *, today: datetime.date, rng: random.Random) -> int:
    created = 0
    for index, (first, last, preferred, stage, sex, age) in enumerate(_STORY_PATIENTS, start=1):
        mrn = f"CC-{index:05d}"
        if Patient.objects.filter(clinic=clinic, medical_record_number=mrn).exists():
            continue
        portal_user = None
        if index == 1:
            portal_user, _ = _user(DEMO_PATIENT_EMAIL, f"{first} {last}")
        Patient.objects.create(
            clinic=clinic,
            medical_record_number=mrn,
            legal_first_name=first,
            legal_last_name=last,
            preferred_name=preferred,
            date_of_birth=_birth_date(today, age, rng),
            sex_at_birth=sex,
            email=DEMO_PATIENT_EMAIL
            if index == 1
            else f"{first.lower()}.{last.lower()}@mail.example",
            phone=f"(720) 555-{1000 + index:04d}",
            journey_stage=stage,
            portal_user=portal_user,
            # The dispensing record names the patient's address (21 CFR 1304.22(c)).
            address_line1=f"{100 + 17 * index} {_STREETS[index % len(_STREETS)]}",
            city="Denver",
            state="CO",
            postal_code=f"802{index + 2:02d}",
            # Everyone past approval has named who drives them home (CLINICAL.md §4, §7.2).
            escort_name=_ESCORTS.get(index, ("", ""))[0],
            escort_phone=_ESCORTS.get(index, ("", ""))[1],
        )
        created += 1
    return created


_STREETS = ["Gaylord Street", "Race Street", "Vine Street", "York Street", "Pearl Street"]

_ESCORTS = {
    1: ("Sam Ellis (partner)", "(720) 555-2001"),
    4: ("Karin Bergstrom (sister)", "(720) 555-2004"),
    5: ("Omar Rahman (husband)", "(720) 555-2005"),
    6: ("Lin Zhang (daughter)", "(720) 555-2006"),
    8: ("Ana Navarro (wife)", "(720) 555-2008"),
}


def _scaled_patients(
    clinic: Clinic, *, today: datetime.date, rng: random.Random, count: int
) -> int:
    """Generated patients with courses, sessions and scores for benchmarks (demo/scale.py)."""
    from ketaclinic.demo.scale import scaled_patients

    return scaled_patients(clinic, today=today, rng=rng, count=count)


_DEMO_INQUIRIES = [
    (
        "Rachel Simmons",
        "rachel.s@mail.example",
        "(720) 555-2001",
        ContactMethod.PHONE,
        ConditionOfInterest.DEPRESSION,
        "I've tried three antidepressants over four years. My psychiatrist mentioned ketamine. What does a first visit involve?",
        InquiryStatus.NEW,
    ),
    (
        "Kevin Mbeki",
        "",
        "(720) 555-2002",
        ContactMethod.TEXT,
        ConditionOfInterest.PTSD,
        "Veteran, referred by my VA therapist. Do you take referrals?",
        InquiryStatus.NEW,
    ),
    (
        "Olivia Hart",
        "olivia.hart@mail.example",
        "",
        ContactMethod.EMAIL,
        ConditionOfInterest.CHRONIC_PAIN,
        "CRPS in my left foot for two years. Is ketamine an option for pain?",
        InquiryStatus.CONTACTED,
    ),
    (
        "Ethan Park",
        "ethan.park@mail.example",
        "(720) 555-2004",
        ContactMethod.PHONE,
        ConditionOfInterest.ANXIETY,
        "Asking for my brother, who has severe anxiety and depression.",
        InquiryStatus.CONSULT_BOOKED,
    ),
    (
        "Nora Quinn",
        "nora.q@mail.example",
        "",
        ContactMethod.EMAIL,
        ConditionOfInterest.OTHER,
        "Do you offer ketamine at home?",
        InquiryStatus.NOT_A_FIT,
    ),
]


def _demo_inquiries(clinic: Clinic, *, front_desk: User) -> None:
    for name, email, phone, method, condition, message, status in _DEMO_INQUIRIES:
        if Inquiry.objects.filter(clinic=clinic, full_name=name).exists():
            continue
        inquiry = Inquiry.objects.create(
            clinic=clinic,
            full_name=name,
            email=email,
            phone=phone,
            preferred_contact_method=method,
            condition_of_interest=condition,
            message=message,
            has_consented_to_contact=True,
            status=status,
        )
        if status != InquiryStatus.NEW:
            InquiryNote.objects.create(
                inquiry=inquiry,
                clinic=clinic,
                author=front_desk,
                text={
                    InquiryStatus.CONTACTED: "Left a voicemail; sent the pain program information sheet.",
                    InquiryStatus.CONSULT_BOOKED: "Spoke with the patient himself; consult booked with Dr. Rivera.",
                    InquiryStatus.NOT_A_FIT: "Explained we only treat in the clinic under monitoring; referred to primary care.",
                }[status],
                status_before=InquiryStatus.NEW,
                status_after=status,
            )


def _signature_png_data_url() -> str:
    """A drawn-looking demo signature (a zigzag), as the tablet would send it."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (320, 90), (255, 255, 255, 0))
    ImageDraw.Draw(image).line(
        [(10, 70), (60, 20), (90, 70), (140, 25), (170, 65), (230, 30), (300, 60)],
        fill=(20, 20, 20, 255),
        width=3,
    )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def _demo_journey(clinic: Clinic, *, nurse: User, physician: User) -> None:
    """Patients at each step of issue 4's journey, made through the same services staff use:
    Sam has a draft intake, Maria awaits review, Tom is approved without consent, Jordan and Wei
    are approved and consented, and Bea was declined."""
    from decimal import Decimal

    from ketaclinic.consent.models import Treatment
    from ketaclinic.consent.services import consent_current, consent_document_latest, consent_sign
    from ketaclinic.intake.models import EligibilityOutcome, Intake
    from ketaclinic.intake.services import (
        IntakeEntry,
        MedicationEntry,
        TrialEntry,
        eligibility_decide,
        intake_save,
    )
    from ketaclinic.medicine.eligibility import History, TrialOutcome

    trials = (
        TrialEntry("sertraline", Decimal("150"), 8, True, True, TrialOutcome.NO_RESPONSE, True),
        TrialEntry(
            "bupropion", Decimal("300"), 10, True, True, TrialOutcome.PARTIAL_RESPONSE, True
        ),
    )
    plan = {
        "CC-00002": ("draft", None),
        "CC-00003": ("submitted", None),
        "CC-00004": ("submitted", EligibilityOutcome.APPROVED),
        "CC-00001": ("submitted", EligibilityOutcome.APPROVED),
        "CC-00006": ("submitted", EligibilityOutcome.APPROVED),
        "CC-00005": ("submitted", EligibilityOutcome.APPROVED),
        "CC-00009": ("submitted", EligibilityOutcome.DECLINED),
    }
    for mrn, (state, outcome) in plan.items():
        patient = Patient.objects.filter(clinic=clinic, medical_record_number=mrn).first()
        if patient is None or Intake.objects.filter(patient=patient).exists():
            continue
        stage = patient.journey_stage
        female = patient.sex_at_birth == SexAtBirth.FEMALE
        entry = IntakeEntry(
            indication="trd",
            psychiatric_history="Recurrent major depression since early adulthood; two hospitalisations.",
            medical_history=(History.PSYCHOSIS,) if outcome == EligibilityOutcome.DECLINED else (),
            allergies="None known",
            substance_use="Alcohol: 2–3 drinks a week. No drugs.",
            is_pregnant=False if female else None,
            is_breastfeeding=False if female else None,
            height_cm=Decimal("168"),
            weight_kg=Decimal("74.5"),
            baseline_systolic_mmhg=124,
            baseline_diastolic_mmhg=79,
            baseline_heart_rate_bpm=72,
            baseline_spo2_percent=98,
            diagnoses=("F33.2", "F20.9") if outcome == EligibilityOutcome.DECLINED else ("F33.2",),
            trials=trials,
            medications=(
                MedicationEntry("escitalopram", Decimal("20"), "daily"),
                MedicationEntry("lorazepam", Decimal("0.5"), "as needed"),
            ),
        )
        intake_save(acting_user=nurse, patient=patient, entry=entry, submit=state == "submitted")
        if state == "submitted":
            _demo_baseline_scores(patient, nurse=nurse, severe=outcome is not None)
        if outcome is not None:
            eligibility_decide(
                acting_user=physician,
                patient=patient,
                outcome=outcome,
                protocol_key="iv-ketamine-depression@1"
                if outcome == EligibilityOutcome.APPROVED
                else "",
                note=(
                    "Treatment-resistant depression with two adequate failed trials; no contraindication."
                    if outcome == EligibilityOutcome.APPROVED
                    else "Schizophrenia in the history: ketamine is not appropriate; referred back with options."
                ),
            )
        if outcome == EligibilityOutcome.APPROVED and mrn in {"CC-00001", "CC-00005", "CC-00006"}:
            document = consent_document_latest(clinic=clinic, treatment=Treatment.IV_KETAMINE)
            if (
                document is not None
                and consent_current(patient=patient, treatment=Treatment.IV_KETAMINE) is None
            ):
                consent_sign(
                    witness=nurse,
                    patient=patient,
                    document=document,
                    typed_name=f"{patient.legal_first_name} {patient.legal_last_name}",
                    drawn_signature_data_url=_signature_png_data_url(),
                )
        # The story's stage stands (induction, maintenance…): decisions set "approved".
        Patient.objects.filter(pk=patient.pk).update(journey_stage=stage)
