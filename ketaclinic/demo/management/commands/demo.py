"""`ketaclinic demo`: create (or top up) the demo clinic and print the demo sign-ins."""

from __future__ import annotations

from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from django.core.management.base import BaseCommand, CommandParser
from django.db import reset_queries
from django.utils import timezone

from ketaclinic.demo.builder import build_demo, build_generated_patients
from ketaclinic.demo.people import DEMO_PASSWORD, DEMO_PATIENT_EMAIL, DEMO_STAFF, DEMO_TIME_ZONE
from ketaclinic.demo.progress import ProgressLine


class Command(BaseCommand):
    help = "Create the demo clinic (Catalyst Clinic) with one user per role. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--patients",
            type=int,
            default=0,
            help=(
                "Top up to this many generated patients (benchmarks: ~10 past sessions each; "
                "100,000 take minutes on PostgreSQL)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["patients"] < 0:
            self.stderr.write("--patients must be zero or more.")
            raise SystemExit(2)
        summary = build_demo(now=timezone.now())
        # The demo clinics' day (they are in Denver), not the server's UTC date: run in the
        # evening at the clinic, the server is already on tomorrow.
        today = timezone.localdate(timezone=ZoneInfo(DEMO_TIME_ZONE))
        added = 0
        if options["patients"]:
            # The wrapped stream itself: the bar rewrites its line with "\r", no newline.
            bar = ProgressLine(label="Generated patients", stream=cast(TextIO, self.stderr._out))

            def progress(done: int, total: int) -> None:
                bar(done, total)
                # Under DEBUG Django keeps the SQL of the last 9,000 statements, each bulk
                # insert's with all its rows: drop them after each chunk.
                reset_queries()

            added = build_generated_patients(
                today=today, count=options["patients"], progress=progress
            )
        self.stdout.write(
            f"Demo clinic ready: {summary.clinic.name} ({summary.created_users} users and "
            f"{summary.created_patients + added} patients added now)."
        )
        if summary.busy is not None:
            self.stdout.write(summary.busy.describe(summary.clinic))
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
        self.stdout.write(
            "The patient confirms sign-in with a one-time code emailed to them: the demo prints "
            "email in the terminal that runs the server, so the code appears there."
        )
        self.stdout.write(
            "A patient you register gets a portal account from their chart (Invite to the "
            "portal): the invitation email, with its link to choose a password, is printed there "
            "too."
        )
