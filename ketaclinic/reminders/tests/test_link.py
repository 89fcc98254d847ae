"""The patient's attendance link: single use, expiring, hashed, no personal data in the URL;
the driver's name and phone stored and audited; a bad phone refused with a clear message."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.core.errors import Conflict, InvalidInput, NotFound
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.reminders.models import AttendanceConfirmation, AttendanceLink
from ketaclinic.reminders.selectors import (
    escort_confirmation_for,
    escort_statuses_for_appointments,
)
from ketaclinic.reminders.services import (
    AttendanceAnswer,
    attendance_confirm,
    reminders_schedule_for_appointment,
)
from ketaclinic.reminders.tests.support import appointment_for, work
from ketaclinic.scheduling.models import AppointmentStatus
from ketaclinic.testing.personas import Personas

NOW = datetime.datetime(2026, 12, 1, 15, 0, tzinfo=datetime.UTC)
VISIT = datetime.datetime(2026, 12, 7, 16, 0, tzinfo=datetime.UTC)
DRIVER = {"attending": "yes", "escort_name": "Sam Driver", "escort_phone": "(303) 555-0199"}


@pytest.fixture
def frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _link(personas: Personas, kind: VisitKind = VisitKind.IV_INFUSION) -> tuple[object, str]:
    appointment = appointment_for(personas, starts_at=VISIT, kind=kind)
    reminders_schedule_for_appointment(appointment.pk)
    work()
    match = re.search(r"https://clinic\.example\.org(/r/[^/\s]+/)", mail.outbox[-1].body)
    assert match
    return appointment, match.group(1)


@pytest.mark.django_db
def test_the_link_carries_only_a_random_token_stored_hashed(
    personas: Personas, frozen: object
) -> None:
    appointment, path = _link(personas)
    token = path.split("/")[2]
    assert len(token) >= 40
    patient = personas.pat
    for personal in (
        patient.legal_first_name,
        patient.legal_last_name,
        patient.medical_record_number,
        patient.email,
        str(patient.pk),
        str(appointment.pk),
    ):
        assert personal.lower() not in token.lower() or len(personal) < 3
    assert not AttendanceLink.objects.filter(token_hash=token).exists()
    assert AttendanceLink.objects.count() == 1


@pytest.mark.django_db
def test_the_page_shows_the_visit_and_instructions_on_a_phone(
    client: Client, personas: Personas, frozen: object
) -> None:
    _, path = _link(personas)
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="viewport"' in page
    assert "Monday 7 December 2026 at 09:00" in page
    assert "Fasting:" in page
    assert "Bring a driver" in page
    assert "driving you home" in page
    assert personas.pat.legal_last_name not in page  # the page names no one
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_confirming_stores_the_driver_audits_and_uses_the_link_up(
    client: Client, personas: Personas, frozen: object
) -> None:
    appointment, path = _link(personas)
    assert escort_confirmation_for(appointment).is_confirmed is False
    response = client.post(path, DRIVER)
    assert response.status_code == 200
    assert "Sam Driver will drive you home" in response.content.decode()
    confirmation = AttendanceConfirmation.objects.get()
    assert confirmation.is_attending is True
    assert confirmation.escort_name == "Sam Driver"
    assert confirmation.escort_phone == "(303) 555-0199"
    assert confirmation.starts_at == VISIT
    event = AuditEvent.objects.get(action=AuditAction.ATTENDANCE_CONFIRMED)
    assert event.patient_id == personas.pat.pk
    assert event.detail["has_escort"] is True
    assert "Sam" not in str(event.detail)
    status = escort_confirmation_for(appointment)
    assert status.is_needed
    assert status.is_confirmed
    assert status.escort_phone == "(303) 555-0199"
    again = client.get(path)
    assert again.status_code == 404
    assert "can no longer be used" in again.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.ATTENDANCE_LINK_REFUSED, outcome=AuditOutcome.REFUSED
    ).exists()
    with pytest.raises(NotFound):
        attendance_confirm(token=path.split("/")[2], answer=AttendanceAnswer(is_attending=True))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "phone",
    ["555", "call me", "(303) 555-01999999999999", "<script>", "+1 303 555 01 ab"],
)
def test_a_bad_phone_is_refused_with_a_clear_message_and_nothing_saved(
    client: Client, personas: Personas, frozen: object, phone: str
) -> None:
    _, path = _link(personas)
    response = client.post(path, {**DRIVER, "escort_phone": phone})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter the driver&#x27;s phone number with its area code" in page
    assert AttendanceConfirmation.objects.count() == 0
    assert client.post(path, DRIVER).status_code == 200  # the link still works
    assert AttendanceConfirmation.objects.count() == 1


@pytest.mark.django_db
def test_coming_to_a_treatment_needs_a_driver(
    client: Client, personas: Personas, frozen: object
) -> None:
    _, path = _link(personas)
    response = client.post(path, {"attending": "yes", "escort_name": "", "escort_phone": ""})
    page = response.content.decode()
    assert "Enter the name of the adult driving you home." in page
    assert AttendanceConfirmation.objects.count() == 0


@pytest.mark.django_db
def test_not_coming_or_a_consultation_needs_no_driver(
    client: Client, personas: Personas, frozen: object
) -> None:
    appointment, path = _link(personas)
    response = client.post(path, {"attending": "no", "escort_name": "x", "escort_phone": "1"})
    assert "cannot come" in response.content.decode()
    answer = AttendanceConfirmation.objects.get()
    assert (answer.is_attending, answer.escort_name) == (False, "")
    assert escort_confirmation_for(appointment).is_confirmed is False
    consult, consult_path = _link(personas, kind=VisitKind.CONSULT)
    page = client.get(consult_path).content.decode()
    assert "driving you home" not in page
    assert client.post(consult_path, {"attending": "yes"}).status_code == 200
    status = escort_confirmation_for(consult)
    assert status.is_confirmed
    assert not status.is_needed


@pytest.mark.django_db
def test_garbage_input_never_gives_a_server_error(
    client: Client, personas: Personas, frozen: object
) -> None:
    _, path = _link(personas)
    assert client.get("/r/not-a-token/").status_code == 404
    assert client.get("/r/" + "x" * 5000 + "/").status_code == 404
    response = client.post(path, {"attending": "maybe", "escort_name": "\x00" * 3})
    assert response.status_code == 200
    response = client.post(
        path, {"attending": "yes", "escort_name": "A" * 500, "escort_phone": "3035550199"}
    )
    assert response.status_code == 200
    assert AttendanceConfirmation.objects.count() == 0


@pytest.mark.django_db
def test_the_link_expires_when_the_visit_starts(
    client: Client, personas: Personas, frozen: object
) -> None:
    _, path = _link(personas)
    frozen.move_to(VISIT)
    assert client.get(path).status_code == 404
    assert client.post(path, DRIVER).status_code == 404
    assert AttendanceConfirmation.objects.count() == 0


@pytest.mark.django_db
def test_moving_or_cancelling_the_visit_closes_its_links_and_its_confirmation(
    client: Client, personas: Personas, frozen: object
) -> None:
    appointment, path = _link(personas)
    client.post(path, DRIVER)
    _, second_path = _link(personas)  # a second visit, to cancel below
    appointment.starts_at = VISIT + datetime.timedelta(days=1)
    appointment.ends_at = appointment.starts_at + datetime.timedelta(minutes=100)
    appointment.save()
    assert escort_confirmation_for(appointment).is_confirmed is False
    assert escort_confirmation_for(appointment).is_attending is None
    cancelled = AttendanceLink.objects.order_by("-id").first()
    assert cancelled is not None
    cancelled.appointment.status = AppointmentStatus.CANCELLED
    cancelled.appointment.save()
    assert client.get(second_path).status_code == 404


@pytest.mark.django_db
def test_a_second_submission_of_one_link_conflicts(personas: Personas, frozen: object) -> None:
    _, path = _link(personas)
    token = path.split("/")[2]
    attendance_confirm(
        token=token,
        answer=AttendanceAnswer(True, escort_name="Sam Driver", escort_phone="303-555-0199"),
    )
    link = AttendanceLink.objects.get()
    # The row lock: a submission that read the link before the first one used it.
    from unittest import mock

    with (
        mock.patch("ketaclinic.reminders.services.attendance_link_get", return_value=link),
        pytest.raises(Conflict),
    ):
        attendance_confirm(token=token, answer=AttendanceAnswer(False))
    _, other = _link(personas)
    with pytest.raises(InvalidInput):
        attendance_confirm(
            token=other.split("/")[2],
            answer=AttendanceAnswer(True, escort_name="S", escort_phone="303-555-0199"),
        )


@pytest.mark.django_db
def test_the_day_list_reads_every_escort_in_one_query(personas: Personas, frozen: object) -> None:
    appointments = [
        appointment_for(personas, starts_at=VISIT + datetime.timedelta(hours=hour))
        for hour in range(5)
    ]
    with CaptureQueriesContext(connection) as queries:
        statuses = escort_statuses_for_appointments(appointments)
    assert len(queries) == 1
    assert [statuses[a.pk].is_confirmed for a in appointments] == [False] * 5
