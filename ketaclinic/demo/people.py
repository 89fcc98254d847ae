"""The demo's people: the staff sign-ins (one per role), their authenticators and credentials,
and the names generated patients are drawn from.

Deterministic: the same seed gives the same people and secrets.
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

from ketaclinic.accounts.models import Credential, User
from ketaclinic.accounts.roles import CredentialKind, NurseType, Role

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


def _birth_date(today: datetime.date, age: int, rng: random.Random) -> datetime.date:
    return today.replace(year=today.year - age) - datetime.timedelta(days=rng.randint(1, 300))


def demo_totp_secret(email: str) -> str:
    """A fixed authenticator secret per demo user, so `ketaclinic totp` and tests agree."""
    digest = hashlib.sha256(f"ketaclinic-demo:{DEMO_SEED}:{email}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


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
