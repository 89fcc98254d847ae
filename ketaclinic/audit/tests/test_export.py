"""The CSV export: every matching row of this clinic, UTC times, safe to open, itself audited."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.audit.services import audit_record, audit_seal_pending
from ketaclinic.audit.tests.support import record_events
from ketaclinic.staff.audit_log import CSV_COLUMNS
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

EXPORT = reverse("audit:export")


def download(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def test_the_csv_has_every_matching_row_not_just_a_page(
    client_for: Any, personas: Personas
) -> None:
    record_events(70, clinic=personas.clinic)
    record_events(5, clinic=personas.other_clinic)
    audit_seal_pending()
    rows = download(client_for(personas.otto).get(EXPORT, {"action": AuditAction.SIGN_IN_FAILED}))
    assert len(rows) == 70
    assert {row["clinic_id"] for row in rows} == {str(personas.clinic.pk)}
    assert [int(row["id"]) for row in rows] == sorted(
        (int(row["id"]) for row in rows), reverse=True
    )


def test_each_row_has_utc_time_actor_patient_object_detail_and_its_link(
    client_for: Any, personas: Personas
) -> None:
    with time_machine.travel(datetime.datetime(2026, 11, 24, 16, 5, 9, tzinfo=datetime.UTC)):
        event = audit_record(
            actor=personas.nina,
            action=AuditAction.PATIENT_CHART_VIEWED,
            clinic=personas.clinic,
            patient_id=personas.pat.pk,
            subject=personas.pat,
            detail={"purpose": "patient.chart_view"},
        )
    audit_seal_pending()
    (row,) = download(
        client_for(personas.ada).get(EXPORT, {"action": AuditAction.PATIENT_CHART_VIEWED})
    )
    assert row == {
        "id": str(event.pk),
        "occurred_at_utc": "2026-11-24T16:05:09+00:00",
        "actor_id": str(personas.nina.pk),
        "actor": personas.nina.email,
        "actor_role": "nurse",
        "clinic_id": str(personas.clinic.pk),
        "patient_id": str(personas.pat.pk),
        "action": "patient.chart_viewed",
        "action_label": "Patient chart viewed",
        "object_type": "patients.Patient",
        "object_id": str(personas.pat.pk),
        "outcome": "success",
        "source_ip": "",
        "request_id": "",
        "detail": json.dumps({"purpose": "patient.chart_view"}),
        "sealed_sequence": "1",
    }


def test_exporting_is_recorded_with_the_filters_used(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.otto).get(
        EXPORT,
        {
            "action": AuditAction.PATIENT_CHART_VIEWED,
            "patient": personas.pat.medical_record_number,
            "date_from": "2026-11-01",
        },
    )
    download(response)
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert (exported.actor_id, exported.clinic_id) == (personas.otto.pk, personas.clinic.pk)
    assert exported.detail == {
        "patient_id": str(personas.pat.pk),
        "action": AuditAction.PATIENT_CHART_VIEWED.value,
        "date_from": "2026-11-01",
    }


def test_the_file_is_named_for_the_clinic_and_the_time(client_for: Any, personas: Personas) -> None:
    with time_machine.travel(datetime.datetime(2026, 11, 24, 16, 5, tzinfo=datetime.UTC)):
        response = client_for(personas.ada).get(EXPORT)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="audit-clinic-a-20261124T1605Z.csv"'
    )
    assert response["Cache-Control"] == "no-store"


def test_text_a_stranger_typed_cannot_run_as_a_spreadsheet_formula(
    client_for: Any, personas: Personas
) -> None:
    audit_record(
        actor=None,
        action=AuditAction.INQUIRY_RECEIVED,
        clinic=personas.clinic,
        actor_label='=HYPERLINK("http://evil.test","click")',
        detail={"name": "=1+1"},
    )
    (row,) = download(
        client_for(personas.ada).get(EXPORT, {"action": AuditAction.INQUIRY_RECEIVED})
    )
    assert row["actor"] == '\'=HYPERLINK("http://evil.test","click")'
    assert json.loads(row["detail"]) == {"name": "=1+1"}  # inside JSON, not at a cell's start
