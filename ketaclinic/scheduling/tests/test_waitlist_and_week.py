"""The waitlist offers a freed slot to those it suits; the week view shows the week."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.core.errors import InvalidInput
from ketaclinic.courses.tests.support import open_weekdays
from ketaclinic.medicine.visits import VisitKind
from ketaclinic.scheduling.models import Appointment, WaitlistEntry, WaitlistStatus
from ketaclinic.scheduling.services import appointment_book, appointment_cancel, local_moment
from ketaclinic.scheduling.waitlist import waitlist_add, waitlist_matches
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _weekday(personas: Personas, weekday: int) -> datetime.date:
    today = personas.clinic.local_today()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7)


def test_a_freed_slot_is_offered_to_those_it_suits_and_booked(
    client_for: Any, personas: Personas
) -> None:
    open_weekdays(personas.clinic)
    tuesday = _weekday(personas, 1)
    slot = local_moment(clinic=personas.clinic, day=tuesday, time=datetime.time(10))
    taken = appointment_book(
        acting_user=personas.fran, patient=personas.quinn, kind=VisitKind.CONSULT, starts_at=slot
    )
    suits = waitlist_add(
        acting_user=personas.fran,
        patient=personas.pat,
        kind=VisitKind.CONSULT,
        weekdays=[1, 3],
        earliest_time=datetime.time(9),
        latest_time=datetime.time(12),
    )
    waitlist_add(  # wrong day
        acting_user=personas.fran,
        patient=PatientFactory(clinic=personas.clinic),
        kind=VisitKind.CONSULT,
        weekdays=[0],
        earliest_time=datetime.time(9),
        latest_time=datetime.time(12),
    )
    waitlist_add(  # wrong time
        acting_user=personas.fran,
        patient=PatientFactory(clinic=personas.clinic),
        kind=VisitKind.CONSULT,
        weekdays=[1],
        earliest_time=datetime.time(13),
        latest_time=datetime.time(17),
    )
    appointment_cancel(acting_user=personas.fran, appointment=taken, reason="Moved away")
    assert waitlist_matches(appointment=taken) == [suits]

    client = client_for(personas.fran)
    page = client.get(reverse("scheduling:detail", args=[taken.pk]))
    assert f"Book for {personas.pat.display_name}" in page.content.decode()
    booked = client.post(
        reverse("scheduling:detail", args=[taken.pk]), {"action": "offer", "entry_id": suits.pk}
    )
    assert booked.status_code == 302
    new = Appointment.objects.get(patient=personas.pat)
    assert new.starts_at == slot
    suits.refresh_from_db()
    assert suits.status == WaitlistStatus.BOOKED


def test_waitlist_input_is_checked(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="days that suit"):
        waitlist_add(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.CONSULT,
            weekdays=[],
            earliest_time=datetime.time(9),
            latest_time=datetime.time(12),
        )
    with pytest.raises(InvalidInput, match="earliest time comes before"):
        waitlist_add(
            acting_user=personas.fran,
            patient=personas.pat,
            kind=VisitKind.CONSULT,
            weekdays=[1],
            earliest_time=datetime.time(12),
            latest_time=datetime.time(9),
        )
    assert not WaitlistEntry.objects.exists()


def test_the_booking_page_adds_to_the_waitlist(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.fran).post(
        reverse("scheduling:book", args=[personas.pat.pk]),
        {
            "action": "waitlist",
            "wait-kind": "consult",
            "wait-weekdays": ["0", "4"],
            "wait-earliest_time": "08:00",
            "wait-latest_time": "12:00",
            "wait-note": "Any earlier consult",
        },
    )
    assert response.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.weekday_names == "Mon, Fri"
    page = client_for(personas.fran).get(reverse("scheduling:waitlist"))
    assert "Any earlier consult" in page.content.decode()


def test_the_week_view_lists_each_day(
    client_for: Any, personas: Personas, django_assert_max_num_queries: Any
) -> None:
    open_weekdays(personas.clinic)
    monday = _weekday(personas, 0)
    for n in range(5):
        appointment_book(
            acting_user=personas.fran,
            patient=PatientFactory(clinic=personas.clinic),
            kind=VisitKind.CONSULT,
            starts_at=local_moment(
                clinic=personas.clinic,
                day=monday + datetime.timedelta(days=n),
                time=datetime.time(9),
            ),
        )
    client = client_for(personas.fran)
    with django_assert_max_num_queries(12):
        page = client.get(
            reverse("scheduling:week"), {"from": (monday + datetime.timedelta(days=3)).isoformat()}
        )
    text = page.content.decode()
    assert f"Week of {monday:%-d %B %Y}" in text
    assert text.count("Consultation") == 5
