"""`ketaclinic totp EMAIL`: print the current sign-in code of a demo user. DEBUG only.

So a newcomer can sign in to the demo without a phone. Outside DEBUG it refuses: printing a
second factor on the server would defeat it.
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone


class Command(BaseCommand):
    help = "Print the current TOTP code for a user (DEBUG only, for the demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "Refused: `totp` prints a second factor and runs only with DEBUG on."
            )
        authenticator = (
            Authenticator.objects.filter(
                user__email__iexact=options["email"], type=Authenticator.Type.TOTP
            )
            .select_related("user")
            .first()
        )
        if authenticator is None:
            raise CommandError(f"No authenticator app is set up for {options['email']}.")
        secret = decrypt(authenticator.data["secret"])
        now = int(timezone.now().timestamp())
        counter = now // 30
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
        self.stderr.write(f"(valid for {30 - now % 30} more seconds)")
