"""`ketaclinic token issue | list | revoke`: API tokens from the command line.

issue EMAIL --clinic SLUG --name NAME [--expires YYYY-MM-DD] [--by ADMIN_EMAIL]
        prints the new token, and nothing else, on stdout (once: it is never shown again), so a
        script can capture it; everything said to the operator goes to stderr. The token acts
        as EMAIL with their role at the clinic, exactly as one issued on the staff page (the same
        service: the same permission check, hashing and `api.token_issued` audit event, marked
        `via: command line`). --expires is the day it expires, as "Expires on" on the staff
        page: it stops working at the start of that day in the clinic's time zone. --by names
        the clinic admin on whose authority it is issued (the audit's actor); without it EMAIL
        issues their own token, which only a clinic admin may.
list --clinic SLUG --by ADMIN_EMAIL      the clinic's tokens (never a secret).
revoke ID --by ADMIN_EMAIL               calls with the token are refused from now on.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ketaclinic.accounts.models import User
from ketaclinic.accounts.permissions import membership_get
from ketaclinic.api.models import ApiToken
from ketaclinic.api.selectors import api_token_list_for_clinic
from ketaclinic.api.services import api_token_issue, api_token_revoke, token_expiry_at
from ketaclinic.clinics.models import Clinic
from ketaclinic.core.errors import DomainError, InvalidInput, PermissionRefused

VIA = "command line"
REFUSED = 2  # the exit status of every refusal
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _refuse(message: str) -> CommandError:
    return CommandError(message, returncode=REFUSED)


class Command(BaseCommand):
    help = "Issue, list or revoke API tokens (as the staff page's API tokens do)."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(
            dest="subcommand", required=True, metavar="issue|list|revoke"
        )
        issue = commands.add_parser("issue", help="Issue a token; print it (once) on stdout.")
        issue.add_argument("email", help="The staff member the token acts as.")
        issue.add_argument("--clinic", required=True, metavar="SLUG", help="The token's clinic.")
        issue.add_argument("--name", required=True, help="The integration, e.g. 'EHR sync'.")
        issue.add_argument(
            "--expires",
            metavar="YYYY-MM-DD",
            help="The day it expires, as on the staff page: it stops working at the start of "
            "that day, clinic time. Without it the token lasts until revoked.",
        )
        issue.add_argument(
            "--by",
            metavar="ADMIN_EMAIL",
            help="The clinic admin issuing it (recorded in the audit trail); default EMAIL.",
        )
        listing = commands.add_parser("list", help="The clinic's tokens.")
        listing.add_argument("--clinic", required=True, metavar="SLUG")
        listing.add_argument("--by", required=True, metavar="ADMIN_EMAIL")
        revoke = commands.add_parser("revoke", help="Revoke a token by its id (see `list`).")
        revoke.add_argument("token_id", type=int, metavar="ID")
        revoke.add_argument("--by", required=True, metavar="ADMIN_EMAIL")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "issue":
                self._issue(options)
            elif options["subcommand"] == "list":
                self._list(options)
            else:
                self._revoke(options)
        except DomainError as error:  # the service's refusal, in its own words
            raise _refuse(f"Refused: {error.message}") from error

    # --- issue ------------------------------------------------------------------------------

    def _issue(self, options: dict[str, Any]) -> None:
        clinic = _clinic(options["clinic"])
        user = _user(options["email"])
        if membership_get(user=user, clinic=clinic) is None or not user.is_active:
            raise _refuse(
                f"{user.email} does not work at {clinic.name} (no active membership there): "
                "a token acts with the person's role at its clinic."
            )
        issuer = _user(options["by"]) if options["by"] else user
        expires_at = _expiry(options["expires"], clinic) if options["expires"] is not None else None
        try:
            token, plaintext = api_token_issue(
                acting_user=issuer,
                clinic=clinic,
                user=user,
                name=options["name"],
                expires_at=expires_at,
                via=VIA,
            )
        except PermissionRefused as error:
            raise _refuse(
                f"Refused: {issuer.email} may not issue API tokens at {clinic.name} "
                f"({error.message}) Name the clinic admin who issues it: --by ADMIN_EMAIL."
            ) from error
        self.stdout.write(plaintext)
        until = (
            f"stops working at the start of {options['expires']} ({clinic.timezone})"
            if expires_at
            else "lasts until revoked"
        )
        self.stderr.write(
            f"Issued token {token.pk} “{token.name}” ({token.prefix}…) acting as {user.email} at "
            f"{clinic.name}; it {until}. It is shown only this once: store it now."
        )

    # --- list and revoke --------------------------------------------------------------------

    def _list(self, options: dict[str, Any]) -> None:
        clinic = _clinic(options["clinic"])
        tokens = api_token_list_for_clinic(acting_user=_user(options["by"]), clinic=clinic)
        if not tokens:
            self.stderr.write(f"{clinic.name} has no API tokens.")
            return
        self.stdout.write("id\tprefix\tname\tacts as\texpires\tlast used\tstatus")
        for token in tokens:
            self.stdout.write(
                "\t".join(
                    [
                        str(token.pk),
                        token.prefix,
                        token.name,
                        token.user.email,
                        _local(token.expires_at, clinic),
                        _local(token.last_used_at, clinic),
                        _status(token),
                    ]
                )
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        token = ApiToken.objects.select_related("clinic").filter(pk=options["token_id"]).first()
        if token is None:
            raise _refuse(f"No API token has the id {options['token_id']} (see `token list`).")
        revoked = api_token_revoke(acting_user=_user(options["by"]), token=token, via=VIA)
        self.stderr.write(
            f"Revoked token {revoked.pk} “{revoked.name}” ({revoked.prefix}…) at "
            f"{revoked.clinic.name}: calls with it are refused from now on."
        )


def _clinic(slug: str) -> Clinic:
    clinic = Clinic.objects.filter(slug=slug).first()
    if clinic is None:
        known = ", ".join(Clinic.objects.order_by("slug").values_list("slug", flat=True))
        raise _refuse(f"No clinic has the slug “{slug}” (the clinics: {known or 'none yet'}).")
    if not clinic.is_active:
        raise _refuse(f"{clinic.name} is closed (not active): it cannot have API tokens.")
    return clinic


def _user(email: str) -> User:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise _refuse(f"No one has the email address {email}.")
    return user


def _expiry(text: str, clinic: Clinic) -> datetime.datetime:
    """The moment a token expiring on the given day stops working (the staff page's rule)."""
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        expires_on = datetime.date.fromisoformat(text)
    except ValueError:
        raise _refuse(
            f"--expires takes a date as YYYY-MM-DD (e.g. 2026-12-31), not “{text}”."
        ) from None
    try:
        return token_expiry_at(clinic=clinic, expires_on=expires_on)
    except InvalidInput as refusal:
        raise _refuse(f"--expires {text}: {refusal.message}") from None


def _local(moment: datetime.datetime | None, clinic: Clinic) -> str:
    return "-" if moment is None else f"{timezone.localtime(moment, clinic.zone):%Y-%m-%d %H:%M}"


def _status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.is_expired else "active"
