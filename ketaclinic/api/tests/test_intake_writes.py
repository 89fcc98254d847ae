"""PUT /patients/{id}/intake: drafts, submission, the service's refusals as field messages,
nothing already saved lost, the matrix for every role, clinic scoping."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import assert_error_shape, get, put, token_for
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.intake.api import views as journey
from ketaclinic.intake.models import Intake, IntakeStatus
from ketaclinic.intake.services import intake_entry_of
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

TRIAL = {
    "drug": "sertraline",
    "highest_dose_mg": "200",
    "weeks_at_dose": 8,
    "is_dose_adequate": True,
    "is_adherent": True,
    "outcome": "no_response",
    "is_current_episode": True,
}
COMPLETE: dict[str, Any] = {
    "indication": "trd",
    "psychiatric_history": "Recurrent depression since 2012.",
    "medical_history": ["sleep_apnea"],
    "substance_use": "None.",
    "allergies": "none known",
    "is_pregnant": False,
    "is_breastfeeding": False,
    "height_cm": "165",
    "weight_kg": 70,
    "baseline_systolic_mmhg": 122,
    "baseline_diastolic_mmhg": 78,
    "baseline_heart_rate_bpm": 72,
    "baseline_spo2_percent": 98,
    "diagnoses": ["f33.2"],
    "trials": [TRIAL, {**TRIAL, "drug": "escitalopram", "highest_dose_mg": 20}],
    "medications": [{"name": "lorazepam", "dose_mg": "1", "frequency": "at night"}],
}
DRAFT = {"indication": "trd", "weight_kg": "70", "diagnoses": ["F33.2"]}


def save(
    client: Client, personas: Personas, body: Any, user: Any = None, patient: Any = None
) -> Any:
    patient = patient or personas.pat
    return put(
        client, f"patients/{patient.pk}/intake", body, token_for(personas, user or personas.nina)
    )


def test_a_draft_is_saved_then_submitted(client: Client, personas: Personas) -> None:
    draft = save(client, personas, DRAFT)
    assert draft.status_code == 200
    assert draft.json()["status"] == "draft"
    assert draft.json()["weight_kg"] == "70.0"
    assert AuditEvent.objects.filter(action=AuditAction.INTAKE_SAVED).count() == 1

    submitted = save(client, personas, {**COMPLETE, "submit": True})
    assert submitted.status_code == 200
    body = submitted.json()
    assert body["status"] == "submitted"
    assert body["diagnoses"] == ["F33.2"]
    assert body["medications"] == ["lorazepam"]
    assert body["medical_history"] == ["sleep_apnea"]
    assert body["advice"]["decision"] == "eligible"
    assert body["advice"]["adequate_failed_trials"] == 2
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.submitted_by == personas.nina
    assert intake.trials.count() == 2
    assert AuditEvent.objects.filter(action=AuditAction.INTAKE_SUBMITTED).count() == 1
    # What the API saved is what the chart reads back.
    read = get(client, f"patients/{personas.pat.pk}/intake", token_for(personas, personas.bob))
    assert read.json() == body


def test_a_refused_submission_keeps_the_saved_draft(client: Client, personas: Personas) -> None:
    assert save(client, personas, DRAFT).status_code == 200
    refused = save(client, personas, {"indication": "trd", "submit": True})
    assert refused.status_code == 400
    fields = assert_error_shape(refused, "invalid_input")["error"]["fields"]
    assert "Needed before the intake can be submitted." in fields["baseline_systolic_mmhg"]
    assert "is_pregnant" in fields  # pat is female: pregnancy status is needed
    assert "weight_kg" not in fields  # left out: the draft's weight counts
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.status == IntakeStatus.DRAFT
    assert intake.weight_kg == Decimal("70.0")
    assert [d.code for d in intake.diagnoses.all()] == ["F33.2"]
    assert not AuditEvent.objects.filter(action=AuditAction.INTAKE_SUBMITTED).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"diagnoses": ["F33.2", "Z99.99"]}, "diagnoses", "Z99.99 is not in the clinic's ICD-10"),
        ({"height_cm": "30"}, "height_cm", ""),
        ({"weight_kg": "900"}, "weight_kg", ""),
        ({"trials": [{**TRIAL, "weeks_at_dose": 600}]}, "trials", "check the dose"),
        ({"trials": [{**TRIAL, "highest_dose_mg": "0"}]}, "trials", "check the dose"),
        ({"baseline_systolic_mmhg": 40}, "baseline_systolic_mmhg", ""),
    ],
)
def test_the_services_refusals_are_field_messages_and_nothing_is_lost(
    client: Client, personas: Personas, changes: dict[str, Any], field: str, message: str
) -> None:
    assert save(client, personas, {**COMPLETE, "submit": True}).status_code == 200
    for extra in ({}, {"submit": True}):
        body = {**COMPLETE, **changes, **extra, "amendment_reason": "Corrected."}
        response = save(client, personas, body)
        assert response.status_code == 400
        fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
        assert fields[field]
        assert message in " ".join(fields[field])
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.status == IntakeStatus.SUBMITTED
    assert (intake.height_cm, intake.weight_kg) == (Decimal("165.0"), Decimal("70.0"))
    assert intake.trials.count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"indication": "flu"}, "indication", "not a valid choice"),
        ({"weight_kg": "heavy"}, "weight_kg", "A number, e.g. 4 or 0.5"),
        ({"weight_kg": 70.25}, "weight_kg", "1 decimal place"),
        ({"height_cm": "123456"}, "height_cm", "5 digits"),
        ({"baseline_spo2_percent": 101}, "baseline_spo2_percent", "less than or equal to 100"),
        ({"baseline_heart_rate_bpm": "fast"}, "baseline_heart_rate_bpm", "valid integer"),
        ({"baseline_heart_rate_bpm": 72.5}, "baseline_heart_rate_bpm", "valid integer"),
        ({"is_pregnant": "no"}, "is_pregnant", "true or false"),
        ({"submit": 1}, "submit", "true or false"),
        ({"medical_history": ["broken_leg"]}, "medical_history[0]", "not a valid choice"),
        ({"medical_history": "sleep_apnea"}, "medical_history", "list"),
        ({"diagnoses": "F33.2"}, "diagnoses", "list"),
        ({"diagnoses": ["F33.2" * 3]}, "diagnoses[0]", "no more than 10"),
        ({"diagnoses": ["F33.2"] * 31}, "diagnoses", "no more than 30"),
        ({"trials": [{**TRIAL, "outcome": "cured"}]}, "trials[0].outcome", "not a valid choice"),
        ({"trials": [TRIAL, {**TRIAL, "weeks_at_dose": -1}]}, "trials[1].weeks_at_dose", "0"),
        ({"trials": [{**TRIAL, "is_adherent": None}]}, "trials[0].is_adherent", "null"),
        ({"trials": [{**TRIAL, "dose": 1}]}, "trials[0].dose", "Unknown field"),
        ({"trials": ["sertraline"]}, "trials[0].non_field_errors", "dictionary"),
        ({"medications": [{"name": ""}]}, "medications[0].name", "blank"),
        ({"medications": [{"name": "x", "dose_mg": -1}]}, "medications[0].dose_mg", "0"),
        ({"psychiatric_history": "a\x00b"}, "psychiatric_history", "Null characters"),
        ({"psychiatric_history": "x" * 1_000_000}, "psychiatric_history", "8000"),
        ({"weight": "70"}, "weight", "Unknown field"),
    ],
)
def test_wrong_types_and_sizes_are_refused_before_the_service(
    client: Client, personas: Personas, changes: dict[str, Any], field: str, message: str
) -> None:
    assert save(client, personas, DRAFT).status_code == 200
    response = save(client, personas, {**COMPLETE, **changes})
    assert response.status_code == 400
    fields = assert_error_shape(response, "invalid_input")["error"]["fields"]
    assert message in " ".join(fields[field]), fields
    assert Intake.objects.get(patient=personas.pat).psychiatric_history == ""


def test_bad_json_is_refused_and_nothing_is_lost(client: Client, personas: Personas) -> None:
    assert save(client, personas, DRAFT).status_code == 200
    response = save(client, personas, '{"indication": "trd", "weight_kg": NaN}')
    assert response.status_code == 400
    assert_error_shape(response, "parse_error")
    assert Intake.objects.get(patient=personas.pat).weight_kg == Decimal("70.0")


def test_a_field_left_out_keeps_its_stored_value(client: Client, personas: Personas) -> None:
    assert save(client, personas, COMPLETE).status_code == 200
    assert save(client, personas, DRAFT).status_code == 200
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.trials.count() == 2
    assert intake.medications.count() == 1
    assert intake.height_cm == Decimal("165.0")
    assert intake.psychiatric_history == COMPLETE["psychiatric_history"]
    # Sent empty, a field is cleared.
    assert save(client, personas, {"trials": [], "height_cm": None}).status_code == 200
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.trials.count() == 0
    assert intake.height_cm is None
    assert intake.medications.count() == 1


@pytest.mark.parametrize("role", list(Role))
def test_intake_writes_follow_the_matrix_for_every_role(
    client: Client, personas: Personas, role: Role
) -> None:
    """Clinical roles record the intake; front desk only its measurements (below); therapists,
    admins and auditors nothing."""
    user = personas.staff_by_role()[role]
    allowed = role in PERMISSIONS[Action.INTAKE_RECORD].roles
    measures = role in PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].roles
    # Refused before the body is read: garbage gets a 403, not field messages.
    assert save(client, personas, {"weight_kg": "x"}, user=user).status_code == (
        400 if measures else 403
    )
    response = save(client, personas, DRAFT, user=user)
    assert response.status_code == (200 if allowed else 403)
    assert Intake.objects.filter(patient=personas.pat).exists() == allowed
    response = save(client, personas, {"height_cm": "170", "weight_kg": "71"}, user=user)
    assert response.status_code == (200 if measures else 403)


def test_another_clinics_patient_is_not_found(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.charlie, personas.other_clinic)
    response = put(client, f"patients/{personas.pat.pk}/intake", DRAFT, token)
    assert response.status_code == 404
    assert_error_shape(response, "not_found")
    assert not Intake.objects.filter(patient=personas.pat).exists()
    # and clinic A's staff cannot reach clinic B's patient either
    assert save(client, personas, DRAFT, patient=personas.bea).status_code == 404


def test_a_missing_patient_is_not_found(client: Client, personas: Personas) -> None:
    response = put(client, "patients/999999/intake", DRAFT, token_for(personas, personas.nina))
    assert response.status_code == 404


def test_a_save_in_between_is_not_undone_by_a_partial_put(
    client: Client, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another user's save lands after the request is parsed and before the service locks the
    intake: the fields this PUT leaves out keep that save, not a copy read before it."""
    assert save(client, personas, COMPLETE).status_code == 200
    service = journey.intake_save

    def save_by_another_user_first(**kwargs: Any) -> Intake:
        stored = Intake.objects.get(patient=personas.pat)
        service(
            acting_user=personas.bob,
            patient=personas.pat,
            entry=replace(intake_entry_of(stored), psychiatric_history="Updated by Bob."),
            submit=False,
        )
        return service(**kwargs)

    monkeypatch.setattr(journey, "intake_save", save_by_another_user_first)
    assert save(client, personas, {"height_cm": "170"}).status_code == 200
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.height_cm, intake.psychiatric_history) == (Decimal("170.0"), "Updated by Bob.")
