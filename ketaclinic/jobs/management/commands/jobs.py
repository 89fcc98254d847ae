"""`ketaclinic jobs work [--once] [--sleep S] [--batch N] | status`: run background jobs.

work    claims due jobs and runs them; with --once, one round then exit (for cron or tests),
        otherwise until Ctrl-C or SIGTERM, sleeping S seconds when nothing is due. Run as many
        workers as needed: no job is handed to two workers at once.
status  counts jobs by status and lists the ten latest failures.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import Count

from ketaclinic.jobs.models import Job, JobStatus
from ketaclinic.jobs.services import jobs_run_due, worker_id_new


class Command(BaseCommand):
    help = "Run background jobs (reminders and other queued work), or show the queue."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="work|status")
        work = commands.add_parser("work", help="Run due jobs.")
        work.add_argument("--once", action="store_true", help="One round, then exit.")
        work.add_argument(
            "--sleep",
            type=float,
            default=2.0,
            metavar="SECONDS",
            help="Wait this long when nothing is due (default 2).",
        )
        work.add_argument(
            "--batch", type=int, default=10, help="Jobs claimed at a time (default 10)."
        )
        commands.add_parser("status", help="Count jobs by status; show recent failures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "status":
            self._status()
            return
        if options["sleep"] <= 0 or options["batch"] < 1:
            raise CommandError("--sleep needs seconds above zero and --batch at least 1.")
        worker_id = worker_id_new()
        if options["once"]:
            ran = self._round(worker_id, options["batch"])
            while ran == options["batch"]:  # drain what is due now, then exit
                ran = self._round(worker_id, options["batch"])
            return
        self._loop(worker_id, options["batch"], options["sleep"])

    def _round(self, worker_id: str, batch: int) -> int:
        # A long-lived process: drop a connection the server has closed or that is past its age
        # (never inside a transaction, which is where the test suite runs the command).
        if not connection.in_atomic_block:
            close_old_connections()
        try:
            ran = jobs_run_due(worker_id=worker_id, batch=batch)
        except DatabaseError as error:
            # A database restart must not end the worker; jobs wait for the next round.
            if not connection.in_atomic_block:
                connection.close()
            self.stderr.write(f"Claiming jobs failed ({error}); retrying.")
            return 0
        if ran:
            self.stdout.write(f"Ran {ran} job{'' if ran == 1 else 's'}.")
        return ran

    def _loop(self, worker_id: str, batch: int, sleep: float) -> None:
        stop = threading.Event()

        def on_sigterm(signum: int, frame: FrameType | None) -> None:
            stop.set()  # finish the jobs in hand, then leave

        previous = signal.signal(signal.SIGTERM, on_sigterm)
        self.stdout.write(f"Worker {worker_id} running; Ctrl-C stops.")
        try:
            while not stop.is_set():
                if self._round(worker_id, batch) < batch:
                    stop.wait(sleep)
        except KeyboardInterrupt:
            pass  # a job cut short is claimed again when its lease runs out
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.stdout.write("Stopped.")

    def _status(self) -> None:
        counts = dict(
            Job.objects.values_list("status").annotate(count=Count("id")).order_by("status")
        )
        for status in JobStatus:
            self.stdout.write(f"{status.label}: {counts.get(status.value, 0)}")
        for job in Job.objects.filter(status=JobStatus.FAILED).order_by("-finished_at")[:10]:
            last_line = job.last_error.strip().splitlines()[-1:] or [""]
            self.stdout.write(
                f"  failed: {job.name} [{job.key}] after {job.attempts}: {last_line[0]}"
            )
