"""`ketaclinic dashboard refresh [--clinic SLUG]`: recompute the courses' outcome summaries the
dashboard counts (`analytics.course_summaries`).

They follow every change made through the models by themselves; run this once after upgrading
to the release that introduced them (until then the dashboard recomputes the courses it lacks a
summary for, exactly but slowly), after a bulk load that bypassed the models, or after changing
a clinic's baseline window (the dashboard recomputes the courses summarised with the old one).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ketaclinic.analytics.course_summaries import course_summaries_refresh_for_clinic
from ketaclinic.clinics.models import Clinic


class Command(BaseCommand):
    help = "Recompute the course outcome summaries the clinic dashboard counts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="Recompute every course's summary.")
        refresh.add_argument("--clinic", help="Only this clinic (its slug).")

    def handle(self, *args: Any, **options: Any) -> None:
        clinics = Clinic.objects.order_by("slug")
        if options["clinic"]:
            clinics = clinics.filter(slug=options["clinic"])
            if not clinics.exists():
                raise CommandError(f"No clinic with the slug {options['clinic']!r}.")
        for clinic in clinics:
            stored = course_summaries_refresh_for_clinic(clinic=clinic)
            self.stdout.write(f"{clinic.slug}: {stored} course summaries recomputed.")
