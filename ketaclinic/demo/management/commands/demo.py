"""`ketaclinic demo`: create (or top up) the demo clinic and print the demo sign-ins."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from ketaclinic.demo.builder import build_demo
from ketaclinic.demo.people import DEMO_PASSWORD, DEMO_PATIENT_EMAIL, DEMO_STAFF, DEMO_TIME_ZONE


class Command(BaseCommand):
    help = "Create the demo clinic (Catalyst Clinic) with one user per role. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients", type=int, default=0, help="Add this many generated patients (benchmarks)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 0:
            self.stderr.write("--patients must be zero or more.")
            raise SystemExit(2)
        # The demo clinics' day (they are in Denver), not the server's UTC date: run in the
        # evening at the clinic, the server is already on tomorrow.
        today = timezone.localdate(timezone=ZoneInfo(DEMO_TIME_ZONE))
        summary = build_demo(today=today, extra_patients=options["patients"])
        self.stdout.write(
            f"Demo clinic ready: {summary.clinic.name} "
            f"({summary.created_users} users and {summary.created_patients} patients added now)."
        )
        self.stdout.write("")
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD})")
        for staff in DEMO_STAFF:
            self.stdout.write(f"  {staff.role.label:<18} {staff.email}")
        self.stdout.write(f"  {'Patient (portal)':<18} {DEMO_PATIENT_EMAIL}")
        self.stdout.write("")
        self.stdout.write(
            "Staff confirm sign-in with an authenticator code. For the demo, print the current "
            "code in another terminal:"
        )
        self.stdout.write("  make totp EMAIL=dr.rivera@catalyst.example")
