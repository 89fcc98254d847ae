"""`ketaclinic measures schedule | run`: the daily measurement round.

schedule  queue today's round (it then queues each next day's itself); safe to run again, e.g.
          from cron once a day as a safety net.
run       run the round now, in this process (plan, match responses, flag misses, remind).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ketaclinic.clinics.models import Clinic
from ketaclinic.measures.services import measures_daily_round
from ketaclinic.measures.tasks import measures_daily_schedule


class Command(BaseCommand):
    help = "Schedule or run the daily measurement round (plans, reminders, misses)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="subcommand", required=True, metavar="schedule|run")
        commands.add_parser("schedule", help="Queue the daily round (idempotent).")
        commands.add_parser("run", help="Run the round now.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "schedule":
            queued = measures_daily_schedule()
            self.stdout.write("Queued today's round." if queued else "Already queued.")
            return
        for clinic in Clinic.objects.all():
            counts = measures_daily_round(clinic=clinic)
            self.stdout.write(f"{clinic.name}: {counts}")
