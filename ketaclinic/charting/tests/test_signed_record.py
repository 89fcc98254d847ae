"""A signed session record is never changed in place (issue 13 item 2): once the patient is
discharged a side effect is not marked resolved, once the nurse has signed the note an alarm is
not acknowledged (nor escalated) — the refusal points to the addendum; a PRN's responses are
each kept; and the page links to the board only for those who may open it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.charting.models import PrnDose, PrnResponse, SessionAlarm
from ketaclinic.charting.selectors import session_note_text
from ketaclinic.charting.services import (
    alarm_acknowledge,
    alarms_escalate_overdue,
    prn_record,
    prn_response_record,
    pump_event_record,
    session_note_sign,
    side_effect_record,
    side_effect_resolve,
)
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    discharged,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.core.errors import PreconditionFailed
from ketaclinic.outcomes.models import ClinicalTask
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return client


# --- side effects ------------------------------------------------------------------------------


def test_a_side_effect_is_not_resolved_once_the_patient_is_discharged(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        effect = session.side_effects.get()
        with pytest.raises(PreconditionFailed, match="addendum"):
            side_effect_resolve(
                acting_user=personas.nina, side_effect=effect, note="Gone by discharge."
            )
        session_note_sign(acting_user=personas.nina, session=session)
        with pytest.raises(PreconditionFailed, match="addendum"):
            side_effect_resolve(acting_user=personas.nina, side_effect=effect)
    effect.refresh_from_db()
    assert (effect.resolved_at, effect.note) == (None, "")


# --- alarms --------------------------------------------------------------------------------------


def test_an_alarm_may_be_acknowledged_late_until_the_note_is_signed(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        alarm = session.alarms.get()
        late = alarm_acknowledge(
            acting_user=personas.nina, alarm=alarm, action_taken="Chin lift; SpO2 97% at once."
        )
        assert late.acknowledged_by == personas.nina
        note = session_note_sign(acting_user=personas.nina, session=session)
    assert "Acknowledged: Chin lift; SpO2 97% at once." in note.body


def test_once_the_note_is_signed_an_alarm_is_not_acknowledged_in_place(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        note = session_note_sign(acting_user=personas.nina, session=session)
        alarm = session.alarms.get()
        with pytest.raises(PreconditionFailed, match="addendum"):
            alarm_acknowledge(acting_user=personas.nina, alarm=alarm, action_taken="Chin lift.")
        # the page offers the addendum, not the acknowledgement
        page = _client(personas.nina).get(reverse("charting:session", args=[session.pk]))
    html = page.content.decode()
    assert 'name="alarm-action_taken"' not in html
    assert "signed note" in html
    alarm.refresh_from_db()
    assert (alarm.acknowledged_at, alarm.acknowledged_by, alarm.action_taken) == (None, None, "")
    assert "Not acknowledged." in note.body


def test_escalation_leaves_an_alarm_on_a_signed_note_as_signed(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        session_note_sign(acting_user=personas.nina, session=session)
        advance(clock, 10)
        assert alarms_escalate_overdue(session_id=session.pk) == 0
    alarm = SessionAlarm.objects.get(session=session)
    assert alarm.escalated_at is None
    assert not ClinicalTask.objects.exists()


def test_an_alarm_of_a_discharged_session_still_escalates_before_the_note_is_signed(
    personas: Personas,
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        assert alarms_escalate_overdue(session_id=session.pk) == 1
    assert SessionAlarm.objects.get(session=session).escalated_at is not None


# --- PRN responses -------------------------------------------------------------------------------


def test_each_response_to_a_prn_is_kept(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    nina, bob = personas.nina, personas.bob
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=nina, session=session, kind="start")
        advance(clock, 5)
        effect = side_effect_record(
            acting_user=nina, session=session, kind="nausea", severity="moderate", action="prn"
        )
        prn = prn_record(
            acting_user=nina,
            session=session,
            side_effect=effect,
            drug="Ondansetron",
            dose=Decimal("4"),
            unit="mg",
            route="IV",
            response="Still nauseated.",
        )
        advance(clock, 10)
        prn_response_record(acting_user=bob, prn=prn, response="Nausea settled.")
        advance(clock, 10)
        prn_response_record(acting_user=nina, prn=prn, response="Nausea came back, milder.")
        page = _client(nina).get(reverse("charting:session", args=[session.pk]))
    responses = list(prn.responses.order_by("recorded_at", "id"))
    assert [(r.text, r.recorded_by) for r in responses] == [
        ("Still nauseated.", nina),
        ("Nausea settled.", bob),
        ("Nausea came back, milder.", nina),
    ]
    assert responses[1].recorded_at - responses[0].recorded_at == datetime.timedelta(minutes=10)
    text = session_note_text(session=session)
    for response in responses:
        assert response.text in text
        assert response.text in page.content.decode()


def _prn_given(personas: Personas, appointment: Any, clock: Any) -> PrnDose:
    session = ready_session(personas, appointment)
    prepared_and_verified(personas, session)
    nina = personas.nina
    pump_event_record(acting_user=nina, session=session, kind="start")
    advance(clock, 5)
    effect = side_effect_record(
        acting_user=nina, session=session, kind="nausea", severity="moderate", action="prn"
    )
    return prn_record(
        acting_user=nina,
        session=session,
        side_effect=effect,
        drug="Ondansetron",
        dose=Decimal("4"),
        unit="mg",
        route="IV",
    )


def _response_events(text: str) -> int:
    return AuditEvent.objects.filter(
        action=AuditAction.SESSION_CHARTED, detail__prn_response=text
    ).count()


def test_a_resent_prn_response_is_stored_once(personas: Personas) -> None:
    """A double tap resends the same words: the response already stored is returned, with no
    second row and no second audit event. Another clinician's same words, or the same words
    after another response, are a new observation."""
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        prn = _prn_given(personas, appointment, clock)
        first = prn_response_record(acting_user=personas.bob, prn=prn, response="Settled.")
        again = prn_response_record(acting_user=personas.bob, prn=prn, response=" Settled. ")
        assert again.pk == first.pk
        assert _response_events("Settled.") == 1
        advance(clock, 5)
        by_nina = prn_response_record(acting_user=personas.nina, prn=prn, response="Settled.")
        advance(clock, 5)
        prn_response_record(acting_user=personas.bob, prn=prn, response="Came back.")
        prn_response_record(acting_user=personas.bob, prn=prn, response="Settled.")
    assert by_nina.pk != first.pk
    assert [r.text for r in prn.responses.order_by("recorded_at", "id")] == [
        "Settled.",
        "Settled.",
        "Came back.",
        "Settled.",
    ]
    assert _response_events("Settled.") == 3


def test_a_double_submitted_prn_response_form_is_stored_once(personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        prn = _prn_given(personas, appointment, clock)
        nurse = _client(personas.nina)
        url = reverse("charting:session", args=[prn.session_id])
        form = {
            "step": "prn_response",
            "prn_response-prn_id": str(prn.pk),
            "prn_response-response": "Nausea settled.",
        }
        for _ in range(2):
            assert nurse.post(url, form).status_code == 302
    assert [r.text for r in PrnResponse.objects.filter(prn=prn)] == ["Nausea settled."]
    assert _response_events("Nausea settled.") == 1


def test_the_session_page_takes_the_same_queries_for_one_prn_and_three(
    personas: Personas,
) -> None:
    """Who gave it, the side effect it treats, the physician's override, its responses: read
    with the PRNs, not once per PRN."""
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        prn = _prn_given(personas, appointment, clock)
        session = prn.session
        prn_response_record(acting_user=personas.nina, prn=prn, response="Settled.")
        nurse = _client(personas.nina)
        url = reverse("charting:session", args=[session.pk])
        nurse.get(url)
        with CaptureQueriesContext(connection) as one:
            assert nurse.get(url).status_code == 200
        for minutes in (1, 2):
            advance(clock, minutes)
            more = prn_record(
                acting_user=personas.bob,
                session=session,
                side_effect=prn.side_effect,
                drug="Ondansetron",
                dose=Decimal("8"),
                unit="mg",
                route="IV",
                dose_override_reason="Still vomiting after 4 mg.",
            )
            prn_response_record(acting_user=personas.bob, prn=more, response="Better.")
        with CaptureQueriesContext(connection) as three:
            page = nurse.get(url).content.decode()
    assert page.count("Still vomiting after 4 mg.") >= 2
    assert len(three) == len(one)


# --- the page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(PERMISSIONS[Action.PATIENT_CHART_VIEW].roles))
def test_the_session_page_links_to_the_board_only_for_those_who_may_open_it(
    personas: Personas, role: Role
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session = ready_session(personas, appointment)
        user = personas.staff_by_role()[role]
        page = _client(user).get(reverse("charting:session", args=[session.pk]))
    assert page.status_code == 200
    may_see_board = role in PERMISSIONS[Action.SESSION_BOARD_VIEW].roles
    assert (f'href="{reverse("charting:board")}"' in page.content.decode()) is may_see_board
