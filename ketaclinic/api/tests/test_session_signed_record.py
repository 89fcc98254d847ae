"""Over the API, as on the staff page: a discharged session's side effect is not marked resolved,
and an alarm on a signed note is not acknowledged; the 409 points to the addendum (issue 13
item 2)."""

from __future__ import annotations

import pytest
from django.test import Client

from ketaclinic.api.tests.support import assert_error_shape, post, token_for
from ketaclinic.charting.models import SessionAlarm, SideEffect
from ketaclinic.charting.services import session_note_sign
from ketaclinic.charting.tests.support import at_appointment, booked_infusion, discharged
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_a_side_effect_is_not_resolved_after_discharge(personas: Personas, client: Client) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        effect = session.side_effects.get()
        nina = token_for(personas, personas.nina)
        refused = post(client, f"side-effects/{effect.pk}/resolve", {"note": "Gone."}, nina)
    assert refused.status_code == 409
    assert "addendum" in assert_error_shape(refused, "precondition_failed")["error"]["message"]
    assert SideEffect.objects.get(pk=effect.pk).resolved_at is None


def test_an_alarm_is_not_acknowledged_once_the_note_is_signed(
    personas: Personas, client: Client
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = discharged(personas, appointment, clock)
        session_note_sign(acting_user=personas.nina, session=session)
        alarm = session.alarms.get()
        nina = token_for(personas, personas.nina)
        body = {"action_taken": "Chin lift."}
        refused = post(client, f"alarms/{alarm.pk}/acknowledge", body, nina)
    assert refused.status_code == 409
    assert "addendum" in assert_error_shape(refused, "precondition_failed")["error"]["message"]
    assert SessionAlarm.objects.get(pk=alarm.pk).acknowledged_at is None
