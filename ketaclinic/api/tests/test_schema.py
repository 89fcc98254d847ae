"""The OpenAPI document: clean, committed, served, and describing auth and the error shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import Client
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

from ketaclinic.api.management.commands.openapi_check import generated_schema

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def schema() -> Any:
    GENERATOR_STATS.reset()
    generated = generated_schema()
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    return generated


def test_the_document_is_valid_openapi_without_warnings(schema: Any) -> None:
    validate_schema(schema)


def test_the_committed_document_is_up_to_date(schema: Any) -> None:
    assert json.loads(COMMITTED.read_text()) == schema
    call_command("openapi_check")


def test_the_check_fails_when_the_document_is_stale_or_missing(
    settings: Any, tmp_path: Path
) -> None:
    settings.BASE_DIR = tmp_path
    with pytest.raises(CommandError, match="missing"):
        call_command("openapi_check")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "openapi.json").write_text("{}")
    with pytest.raises(CommandError, match="stale"):
        call_command("openapi_check")


def test_the_served_document_is_the_committed_one(client: Client, db: None) -> None:
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(COMMITTED.read_text())


def test_only_api_endpoints_are_described(schema: Any) -> None:
    assert sorted(schema["paths"]) == [
        "/api/v1/alarms/{alarm_id}/acknowledge",
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}",
        "/api/v1/appointments/{appointment_id}/cancel",
        "/api/v1/appointments/{appointment_id}/check-in",
        "/api/v1/appointments/{appointment_id}/no-show",
        "/api/v1/appointments/{appointment_id}/reschedule",
        "/api/v1/availability",
        "/api/v1/clinics",
        "/api/v1/consents/{signature_id}/pdf",
        "/api/v1/courses/{course_id}",
        "/api/v1/courses/{course_id}/dose-orders",
        "/api/v1/courses/{course_id}/series",
        "/api/v1/courses/{course_id}/series/proposal",
        "/api/v1/courses/{course_id}/status",
        "/api/v1/dashboard",
        "/api/v1/eligibility-decisions/{decision_id}/addenda",
        "/api/v1/inquiries",
        "/api/v1/inquiries/{inquiry_id}",
        "/api/v1/inquiries/{inquiry_id}/register",
        "/api/v1/inventory/containers",
        "/api/v1/inventory/containers/{container_id}",
        "/api/v1/inventory/counts",
        "/api/v1/inventory/counts/{count_id}",
        "/api/v1/inventory/discrepancies",
        "/api/v1/inventory/discrepancies/{discrepancy_id}",
        "/api/v1/inventory/discrepancies/{discrepancy_id}/dea-notice",
        "/api/v1/inventory/discrepancies/{discrepancy_id}/findings",
        "/api/v1/inventory/discrepancies/{discrepancy_id}/form-106",
        "/api/v1/inventory/discrepancies/{discrepancy_id}/resolve",
        "/api/v1/inventory/draws",
        "/api/v1/inventory/draws/{draw_id}",
        "/api/v1/inventory/draws/{draw_id}/administrations",
        "/api/v1/inventory/draws/{draw_id}/waste",
        "/api/v1/inventory/locations",
        "/api/v1/inventory/lots",
        "/api/v1/inventory/movements",
        "/api/v1/inventory/movements/{movement_id}",
        "/api/v1/inventory/products",
        "/api/v1/inventory/receipts",
        "/api/v1/inventory/reports/{report}",
        "/api/v1/me",
        "/api/v1/measures",
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}",
        "/api/v1/patients/{patient_id}/appointments",
        "/api/v1/patients/{patient_id}/chart",
        "/api/v1/patients/{patient_id}/consents",
        "/api/v1/patients/{patient_id}/courses",
        "/api/v1/patients/{patient_id}/eligibility-decisions",
        "/api/v1/patients/{patient_id}/intake",
        "/api/v1/patients/{patient_id}/intake/versions",
        "/api/v1/patients/{patient_id}/measures",
        "/api/v1/patients/{patient_id}/outcomes",
        "/api/v1/patients/{patient_id}/outcomes/responses",
        "/api/v1/patients/{patient_id}/questionnaire-responses",
        "/api/v1/safety-tasks",
        "/api/v1/safety-tasks/{task_id}/acknowledge",
        "/api/v1/safety-tasks/{task_id}/complete",
        "/api/v1/sessions",
        "/api/v1/sessions/arrivals",
        "/api/v1/sessions/{session_id}",
        "/api/v1/sessions/{session_id}/checklist",
        "/api/v1/sessions/{session_id}/checklist-override",
        "/api/v1/sessions/{session_id}/controlled-substance",
        "/api/v1/sessions/{session_id}/devices",
        "/api/v1/sessions/{session_id}/discharge",
        "/api/v1/sessions/{session_id}/dose",
        "/api/v1/sessions/{session_id}/dose/verify",
        "/api/v1/sessions/{session_id}/escort",
        "/api/v1/sessions/{session_id}/events",
        "/api/v1/sessions/{session_id}/measurements",
        "/api/v1/sessions/{session_id}/note/addenda",
        "/api/v1/sessions/{session_id}/note/sign",
        "/api/v1/sessions/{session_id}/prns",
        "/api/v1/sessions/{session_id}/scores",
        "/api/v1/sessions/{session_id}/side-effects",
        "/api/v1/sessions/{session_id}/vitals",
        "/api/v1/side-effects/{side_effect_id}/resolve",
    ]


def test_integer_fields_are_declared_so_every_database_gives_one_document(schema: Any) -> None:
    """drf-spectacular reads a model integer field's range from the database backend; the API's
    serializers declare their integers, so SQLite and PostgreSQL describe them alike."""
    for name, component in schema["components"]["schemas"].items():
        for field, definition in component.get("properties", {}).items():
            if definition.get("type") == "integer":
                assert definition.get("maximum", 0) < 2**31, (name, field)


def test_the_journey_writes_document_their_refusals(schema: Any) -> None:
    paths = schema["paths"]
    duplicate = paths["/api/v1/patients"]["post"]["responses"]["409"]["content"]
    assert duplicate["application/json"]["schema"] == {
        "$ref": "#/components/schemas/PossibleDuplicateError"
    }
    candidate = schema["components"]["schemas"]["DuplicateCandidate"]["properties"]
    assert set(candidate) == {
        "id",
        "medical_record_number",
        "legal_first_name",
        "legal_last_name",
        "date_of_birth",
    }
    decisions = paths["/api/v1/patients/{patient_id}/eligibility-decisions"]["post"]
    assert "409" in decisions["responses"]
    pdf = paths["/api/v1/consents/{signature_id}/pdf"]["get"]["responses"]["200"]
    assert list(pdf["content"]) == ["application/pdf"]
    trial = schema["components"]["schemas"]["TrialInputRequest"]["properties"]["outcome"]
    assert trial == {"$ref": "#/components/schemas/TrialOutcomeEnum"}


def test_both_ways_in_are_described(schema: Any) -> None:
    schemes = schema["components"]["securitySchemes"]
    assert schemes["apiToken"]["in"] == "header"
    assert schemes["apiToken"]["name"] == "Authorization"
    assert "Token <prefix>.<secret>" in schemes["apiToken"]["description"]
    assert "CSRF" in schemes["cookieAuth"]["description"]
    for path in schema["paths"].values():
        for operation in path.values():
            assert operation["security"] == [{"apiToken": []}, {"cookieAuth": []}]


def test_every_operation_documents_the_error_shape(schema: Any) -> None:
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error", "request_id"]
    for path in schema["paths"].values():
        for operation in path.values():
            for status in ("400", "401", "403", "404"):
                content = operation["responses"][status]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}


def test_the_scheduling_writes_document_their_refusals_and_times(schema: Any) -> None:
    paths = schema["paths"]
    for path in (
        "/api/v1/appointments",
        "/api/v1/appointments/{appointment_id}/reschedule",
        "/api/v1/appointments/{appointment_id}/cancel",
        "/api/v1/appointments/{appointment_id}/no-show",
        "/api/v1/courses/{course_id}/series",
        "/api/v1/courses/{course_id}/series/proposal",
        "/api/v1/courses/{course_id}/status",
        "/api/v1/courses/{course_id}/dose-orders",
        "/api/v1/patients/{patient_id}/courses",
    ):
        assert "409" in paths[path]["post"]["responses"], path
    components = schema["components"]["schemas"]
    booking = components["AppointmentInputRequest"]["properties"]
    assert booking["day"]["format"] == "date"
    assert "wall-clock" in booking["time"]["description"]
    assert components["Appointment"]["properties"]["status"] == {
        "$ref": "#/components/schemas/AppointmentStatusEnum"
    }
    assert components["CourseStatusInputRequest"]["properties"]["to_status"] == {
        "$ref": "#/components/schemas/CourseStatusEnum"
    }
    assert components["CourseDetail"]["properties"]["clinical"]["nullable"] is True
