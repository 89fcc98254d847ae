"""The demo's patients (the story patients at each step of the journey; the generated ones for
benchmarks are demo/scale.py's) and the enquiries waiting at the front desk.

Deterministic: the seeded generator gives the same dates of birth. Idempotent: each patient is
found by medical record number, each enquiry by name, before it is created.
"""

from __future__ import annotations

import datetime
import random

from ketaclinic.accounts.models import User
from ketaclinic.clinics.models import Clinic
from ketaclinic.demo.people import DEMO_PATIENT_EMAIL, _birth_date, _user
from ketaclinic.inquiries.models import (
    ConditionOfInterest,
    ContactMethod,
    Inquiry,
    InquiryNote,
    InquiryStatus,
)
from ketaclinic.patients.models import JourneyStage, Patient, SexAtBirth

# The registration service's series for the demo clinic (patients/services.py: the slug's first
# three letters, "catalyst-denver" → "CAT"), so a patient registered later continues it.
DEMO_MRN_PREFIX = "CAT"

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


def _demo_patients(clinic: Clinic, *, today: datetime.date, rng: random.Random) -> int:
    created = 0
    for index, (first, last, preferred, stage, sex, age) in enumerate(_STORY_PATIENTS, start=1):
        mrn = f"{DEMO_MRN_PREFIX}-{index:05d}"
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
