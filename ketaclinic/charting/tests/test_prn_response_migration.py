"""Migration 0003: the one response a PRN had (a field, overwritten by the next) becomes its first
response row, with the nurse and time its audit event names."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ketaclinic.audit.models import AuditAction
from ketaclinic.audit.services import audit_record
from ketaclinic.charting.models import PrnDose
from ketaclinic.charting.services import prn_record, pump_event_record
from ketaclinic.charting.tests.support import (
    advance,
    at_appointment,
    booked_infusion,
    prepared_and_verified,
    ready_session,
)
from ketaclinic.testing.personas import make_personas

BEFORE_ROWS = ("charting", "0002_prn_dose_bounds")


@pytest.mark.django_db(transaction=True)
def test_a_prns_response_becomes_its_first_response_row() -> None:
    personas = make_personas()
    appointment = booked_infusion(personas)
    with at_appointment(appointment) as clock:
        session = ready_session(personas, appointment)
        prepared_and_verified(personas, session)
        pump_event_record(acting_user=personas.nina, session=session, kind="start")
        advance(clock, 5)
        given = {"dose": Decimal("4"), "unit": "mg", "route": "IV", "drug": "Ondansetron"}
        answered_later = prn_record(acting_user=personas.nina, session=session, **given)
        with_the_dose = prn_record(acting_user=personas.nina, session=session, **given)

        executor = MigrationExecutor(connection)
        executor.migrate([BEFORE_ROWS])
        old = executor.loader.project_state([BEFORE_ROWS]).apps.get_model("charting", "PrnDose")
        old.objects.filter(pk=with_the_dose.pk).update(response="Settled.")
        advance(clock, 10)
        old.objects.filter(pk=answered_later.pk).update(response="Settled after 10 minutes.")
        audit_record(  # as prn_response_record wrote it then, Bob charting the response
            actor=personas.bob,
            action=AuditAction.SESSION_CHARTED,
            clinic=session.clinic,
            patient_id=session.patient_id,
            subject=old.objects.get(pk=answered_later.pk),
            detail={"session": session.pk, "prn_response": "Settled after 10 minutes."},
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    later = PrnDose.objects.get(pk=answered_later.pk).responses.get()
    assert (later.text, later.recorded_by_id) == ("Settled after 10 minutes.", personas.bob.pk)
    assert later.recorded_at == with_the_dose.created_at + datetime.timedelta(minutes=10)
    first = PrnDose.objects.get(pk=with_the_dose.pk).responses.get()
    assert (first.text, first.recorded_by_id) == ("Settled.", personas.nina.pk)
    assert first.recorded_at == with_the_dose.created_at
