"""`ketaclinic token issue | list | revoke` (issue 13 #13): API tokens from a shell."""

from __future__ import annotations

import datetime
import io
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.api.models import ApiToken
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.testing.factories import staff_member
from ketaclinic.testing.personas import Personas

DENVER = zoneinfo.ZoneInfo("America/Denver")  # clinic A's time zone (ClinicFactory)
MIDDAY_30_DECEMBER = datetime.datetime(2026, 12, 30, 12, 0, tzinfo=DENVER)


def token_command(*args: str) -> tuple[str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def refused(*args: str) -> str:
    with pytest.raises(CommandError) as raised:
        token_command(*args)
    assert raised.value.returncode == 2
    return str(raised.value)


def me(token: str) -> Any:
    return Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}")


def issue(personas: Personas, *extra: str) -> str:
    stdout, _ = token_command(
        "issue", personas.nina.email, "--clinic", "clinic-a", "--name", "Chair monitor", *extra
    )
    return stdout


def test_issue_prints_only_the_token_and_the_token_works(personas: Personas) -> None:
    stdout, stderr = token_command(
        "issue", "NINA@clinic.test", "--clinic", "clinic-a", "--name", "Chair monitor",
        "--by", personas.ada.email,
    )  # fmt: skip
    token = stdout.removesuffix("\n")
    assert stdout == f"{token}\n"  # one line: the token, nothing else
    assert token not in stderr
    assert "shown only this once" in stderr
    response = me(token)
    assert response.status_code == 200
    assert response.json()["email"] == personas.nina.email
    assert response.json()["acting_clinic_id"] == personas.clinic.pk
    stored = ApiToken.objects.get()
    assert stored.user == personas.nina
    assert stored.created_by == personas.ada
    assert token.split(".")[1] not in stored.secret_hash  # hashed, as on the staff page
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_ISSUED)
    assert event.actor_id == personas.ada.pk
    assert event.detail["via"] == "command line"
    assert event.detail["prefix"] == stored.prefix


def test_a_clinic_admin_may_issue_their_own_token_without_by(personas: Personas) -> None:
    stdout, _ = token_command(
        "issue", personas.ada.email, "--clinic", "clinic-a", "--name", "Reports"
    )
    assert me(stdout.strip()).status_code == 200


def test_someone_who_may_not_issue_tokens_is_refused_and_told_about_by(
    personas: Personas,
) -> None:
    message = refused("issue", personas.nina.email, "--clinic", "clinic-a", "--name", "Monitor")
    assert "nina@clinic.test may not issue API tokens at Clinic A" in message
    assert "--by" in message
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody@clinic.test", "--clinic", "clinic-a"), "No one has the email address"),
        (("nina@clinic.test", "--clinic", "no-such-clinic"), "No clinic has the slug"),
        (("charlie@clinic.test", "--clinic", "clinic-a"), "does not work at Clinic A"),
    ],
)
def test_unknown_people_clinics_and_memberships_are_refused(
    personas: Personas, args: tuple[str, ...], message: str
) -> None:
    text = refused("issue", *args, "--name", "Monitor", "--by", personas.ada.email)
    assert message in text
    assert not ApiToken.objects.exists()


def test_an_ended_membership_is_refused(personas: Personas) -> None:
    personas.nina.memberships.update(is_active=False)
    text = refused("issue", personas.nina.email, "--clinic", "clinic-a", "--name", "Monitor",
                   "--by", personas.ada.email)  # fmt: skip
    assert "does not work at Clinic A" in text


@pytest.mark.parametrize("date", ["31/12/2026", "2026-02-30", "20261231", "tomorrow", ""])
def test_a_date_that_is_not_yyyy_mm_dd_is_refused(personas: Personas, date: str) -> None:
    text = refused("issue", personas.nina.email, "--clinic", "clinic-a", "--name", "Monitor",
                   "--by", personas.ada.email, "--expires", date)  # fmt: skip
    assert "--expires takes a date as YYYY-MM-DD" in text


def test_an_expiry_not_after_today_at_the_clinic_is_refused(personas: Personas) -> None:
    # 06:00 on 31 December in UTC is still 30 December in Denver: 31 December is after today there.
    with time_machine.travel(datetime.datetime(2026, 12, 31, 6, 0, tzinfo=datetime.UTC)):
        text = refused("issue", personas.nina.email, "--clinic", "clinic-a", "--name", "Monitor",
                       "--by", personas.ada.email, "--expires", "2026-12-30")  # fmt: skip
        assert "Choose a date after today (2026-12-30 at Clinic A" in text
        assert issue(personas, "--by", personas.ada.email, "--expires", "2026-12-31")


def test_a_token_stops_at_the_start_of_its_expiry_day_at_the_clinic(personas: Personas) -> None:
    # The same meaning as "Expires on" on the staff page (api.services.token_expiry_at).
    with time_machine.travel(MIDDAY_30_DECEMBER, tick=False) as traveller:
        token = issue(personas, "--by", personas.ada.email, "--expires", "2027-01-01").strip()
        assert ApiToken.objects.get().expires_at == datetime.datetime(2027, 1, 1, tzinfo=DENVER)
        traveller.move_to(datetime.datetime(2026, 12, 31, 23, 59, tzinfo=DENVER))
        assert me(token).status_code == 200
        traveller.move_to(datetime.datetime(2027, 1, 1, 0, 0, 1, tzinfo=DENVER))
        assert me(token).status_code == 401


def test_list_shows_the_clinics_tokens_without_secrets(personas: Personas) -> None:
    token = issue(personas, "--by", personas.ada.email).strip()
    stdout, _ = token_command("list", "--clinic", "clinic-a", "--by", personas.ada.email)
    lines = stdout.splitlines()
    assert lines[0].startswith("id\tprefix\tname")
    assert lines[1].split("\t")[1:4] == [token.split(".")[0], "Chair monitor", "nina@clinic.test"]
    assert lines[1].endswith("\tactive")
    assert token.split(".")[1] not in stdout


def test_list_needs_someone_who_may_manage_tokens(personas: Personas) -> None:
    assert "does not allow you" in refused(
        "list", "--clinic", "clinic-a", "--by", personas.nina.email
    )


def test_revoke_stops_the_token_and_is_audited(personas: Personas) -> None:
    token = issue(personas, "--by", personas.ada.email).strip()
    token_id = str(ApiToken.objects.get().pk)
    _, stderr = token_command("revoke", token_id, "--by", personas.ada.email)
    assert "calls with it are refused from now on" in stderr
    assert me(token).status_code == 401
    event = AuditEvent.objects.get(action=AuditAction.API_TOKEN_REVOKED)
    assert event.actor_id == personas.ada.pk
    assert event.detail["via"] == "command line"
    assert "already revoked" in refused("revoke", token_id, "--by", personas.ada.email)
    assert "No API token has the id 999999" in refused(
        "revoke", "999999", "--by", personas.ada.email
    )


def test_an_admin_of_another_clinic_cannot_revoke(personas: Personas) -> None:
    issue(personas, "--by", personas.ada.email)
    other_admin = staff_member(personas.other_clinic, Role.CLINIC_ADMIN, full_name="Other Admin")
    text = refused("revoke", str(ApiToken.objects.get().pk), "--by", other_admin.email)
    assert "do not work at Clinic A" in text
    assert ApiToken.objects.get().revoked_at is None


@pytest.mark.django_db(transaction=True)
def test_the_ketaclinic_command_runs_token(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    from ketaclinic.cli import _dispatch

    _dispatch(["token", "issue", personas.ada.email, "--clinic", "clinic-a", "--name", "Sync"])
    printed = capsys.readouterr()
    assert me(printed.out.strip()).status_code == 200
    with pytest.raises(SystemExit) as exited:
        _dispatch(["token", "issue", "nobody@x.test", "--clinic", "clinic-a", "--name", "Sync"])
    assert exited.value.code == 2
    assert "No one has the email address nobody@x.test" in capsys.readouterr().err
