"""Intake: drafts keep what is valid, submitting needs what eligibility needs, and medicine/'s
advice appears with every reason (issue 4)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput
from ketaclinic.intake import views
from ketaclinic.intake.icd10 import icd10_search
from ketaclinic.intake.models import Intake, IntakeStatus
from ketaclinic.intake.selectors import eligibility_advice_for_intake, intake_get_for_patient
from ketaclinic.intake.services import (
    IntakeEntry,
    MedicationEntry,
    TrialEntry,
    intake_entry_of,
    intake_save,
)
from ketaclinic.medicine.eligibility import Decision, History, TrialOutcome
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

TRIALS = (
    TrialEntry("sertraline", Decimal("150"), 8, True, True, TrialOutcome.NO_RESPONSE, True),
    TrialEntry("venlafaxine", Decimal("225"), 10, True, True, TrialOutcome.PARTIAL_RESPONSE, True),
)
COMPLETE = IntakeEntry(
    indication="trd",
    height_cm=Decimal("165"),
    weight_kg=Decimal("70"),
    is_pregnant=False,
    is_breastfeeding=False,
    baseline_systolic_mmhg=122,
    baseline_diastolic_mmhg=78,
    baseline_heart_rate_bpm=72,
    baseline_spo2_percent=98,
    diagnoses=("F33.2",),
    trials=TRIALS,
    medications=(MedicationEntry("lorazepam", Decimal("1"), "at night"),),
)

POST = {
    "indication": "trd",
    "height_cm": "165",
    "weight_kg": "70",
    "is_pregnant": "no",
    "is_breastfeeding": "no",
    "baseline_systolic_mmhg": "122",
    "baseline_diastolic_mmhg": "78",
    "baseline_heart_rate_bpm": "72",
    "baseline_spo2_percent": "98",
    "diagnosis-TOTAL_FORMS": "1",
    "diagnosis-INITIAL_FORMS": "0",
    "diagnosis-0-code": "f33.2",
    "trial-TOTAL_FORMS": "2",
    "trial-INITIAL_FORMS": "0",
    "trial-0-drug": "sertraline",
    "trial-0-highest_dose_mg": "150",
    "trial-0-weeks_at_dose": "8",
    "trial-0-is_dose_adequate": "on",
    "trial-0-is_adherent": "on",
    "trial-0-outcome": "no_response",
    "trial-0-is_current_episode": "on",
    "trial-1-drug": "venlafaxine",
    "trial-1-highest_dose_mg": "225",
    "trial-1-weeks_at_dose": "10",
    "trial-1-is_dose_adequate": "on",
    "trial-1-is_adherent": "on",
    "trial-1-outcome": "partial_response",
    "trial-1-is_current_episode": "on",
    "medication-TOTAL_FORMS": "1",
    "medication-INITIAL_FORMS": "0",
    "medication-0-name": "Ativan",
    "medication-0-dose_mg": "1",
}


def test_a_complete_intake_is_submitted_and_advised_eligible(personas: Personas) -> None:
    intake = intake_save(
        acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True
    )
    assert intake.status == IntakeStatus.SUBMITTED
    assert intake.diagnoses.get().description.startswith("Major depressive disorder, recurrent")
    advice = eligibility_advice_for_intake(intake_get_for_patient(patient_id=personas.pat.pk))
    assert advice is not None
    assert advice.decision == Decision.ELIGIBLE
    assert advice.adequate_failed_trials == 2
    assert any("lorazepam" in reason.message for reason in advice.reasons)
    assert AuditEvent.objects.filter(
        action=AuditAction.INTAKE_SUBMITTED, patient_id=personas.pat.pk
    ).exists()


def test_a_half_filled_intake_is_kept_as_a_draft(personas: Personas) -> None:
    intake = intake_save(
        acting_user=personas.nina,
        patient=personas.pat,
        entry=IntakeEntry(psychiatric_history="Depression since 2015."),
        submit=False,
    )
    assert intake.status == IntakeStatus.DRAFT
    assert eligibility_advice_for_intake(intake) is None


def test_submitting_an_incomplete_intake_names_every_missing_field(personas: Personas) -> None:
    with pytest.raises(InvalidInput) as refusal:
        intake_save(
            acting_user=personas.nina,
            patient=personas.pat,
            entry=IntakeEntry(indication="trd"),
            submit=True,
        )
    assert {"height_cm", "weight_kg", "baseline_systolic_mmhg", "diagnoses", "is_pregnant"} <= set(
        refusal.value.fields
    )
    assert not Intake.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"weight_kg": Decimal("700")}, "weight_kg", "outside 30–300 kg"),
        ({"height_cm": Decimal("1.65")}, "height_cm", "outside 120–230 cm"),
        ({"diagnoses": ("Z99.9",)}, "diagnoses", "not in the clinic's ICD-10 list"),
        ({"baseline_diastolic_mmhg": 130}, "baseline_systolic_mmhg", "not below systolic"),
        ({"indication": "flying"}, "indication", "Choose an indication"),
    ],
)
def test_implausible_entries_are_refused_by_the_clinical_rules(
    personas: Personas, changes: dict[str, Any], field: str, message: str
) -> None:
    entry = IntakeEntry(**{**COMPLETE.__dict__, **changes})
    with pytest.raises(InvalidInput) as refusal:
        intake_save(acting_user=personas.nina, patient=personas.pat, entry=entry, submit=False)
    assert message in " ".join(refusal.value.fields[field])


def test_history_and_diagnoses_change_the_advice(personas: Personas) -> None:
    entry = IntakeEntry(
        **{
            **COMPLETE.__dict__,
            "medical_history": (History.ANEURYSM_AVM_OR_ICH,),
            "diagnoses": ("F33.2", "F20.9"),
        }
    )
    intake = intake_save(acting_user=personas.nina, patient=personas.pat, entry=entry, submit=True)
    advice = eligibility_advice_for_intake(intake)
    assert advice is not None
    assert advice.decision == Decision.NOT_ELIGIBLE
    severities = {reason.severity for reason in advice.reasons}
    assert {"absolute", "relative"} <= severities


def test_the_page_saves_submits_and_shows_the_advice(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.nina)
    response = client.post(reverse("intake:edit", args=[personas.pat.pk]), {**POST, "submit": "1"})
    assert response.status_code == 302
    page = client.get(reverse("intake:edit", args=[personas.pat.pk])).content.decode()
    assert "Eligible" in page
    assert "Ativan" in page
    assert "Hold 12 h before" in page
    intake = Intake.objects.get()
    assert intake.diagnoses.get().code == "F33.2"
    assert intake.trials.count() == 2


def test_bad_page_input_keeps_the_stored_intake(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.nina)
    client.post(reverse("intake:edit", args=[personas.pat.pk]), {**POST, "submit": "1"})
    response = client.post(
        reverse("intake:edit", args=[personas.pat.pk]),
        {**POST, "weight_kg": "7000", "amend": "1", "reason": "Weighed again."},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["weight_kg"]
    assert Intake.objects.get().weight_kg == Decimal("70.0")


@pytest.mark.parametrize("role", list(Role))
def test_intake_access_follows_the_matrix(client_for: Any, personas: Personas, role: Role) -> None:
    """Clinical roles get the whole intake; front desk only whether it is done and the
    measurements they record; the others nothing."""
    entry = IntakeEntry(**{**COMPLETE.__dict__, "psychiatric_history": "Private history."})
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=entry, submit=True)
    response = client_for(personas.staff_by_role()[role]).get(
        reverse("intake:edit", args=[personas.pat.pk])
    )
    assert response.status_code == (
        200 if role in PERMISSIONS[Action.INTAKE_MEASUREMENTS_RECORD].roles else 403
    )
    if response.status_code == 200:
        page = response.content.decode()
        clinical = role in PERMISSIONS[Action.INTAKE_RECORD].roles
        for content in ("Private history.", "Psychiatric history", "F33.2", "lorazepam"):
            assert (content in page) is clinical, content
        assert "submitted" in page.lower()


def test_saves_of_disjoint_changes_both_survive(personas: Personas) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=False)
    intake_save(
        acting_user=personas.bob,
        patient=personas.pat,
        changes={"psychiatric_history": "Updated by Bob."},
        submit=False,
    )
    intake_save(
        acting_user=personas.fran,
        patient=personas.pat,
        changes={"height_cm": Decimal("170"), "weight_kg": Decimal("71")},
        submit=False,
    )
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.psychiatric_history, intake.height_cm, intake.weight_kg) == (
        "Updated by Bob.",
        Decimal("170.0"),
        Decimal("71.0"),
    )
    assert intake_entry_of(intake).trials == COMPLETE.trials


def test_a_save_takes_the_whole_entry_or_only_the_changes(personas: Personas) -> None:
    for arguments in ({}, {"entry": COMPLETE, "changes": {"height_cm": Decimal("170")}}):
        with pytest.raises(TypeError):
            intake_save(acting_user=personas.nina, patient=personas.pat, submit=False, **arguments)


def test_front_desk_measurements_keep_a_save_in_between(
    client_for: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nurse saves after the front desk's page read the intake and before the service locks
    it: the measurements go on top of the nurse's save, which is neither undone nor taken for
    the front desk changing clinical content."""
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=False)
    service = views.intake_save

    def save_by_the_nurse_first(**kwargs: Any) -> Any:
        stored = Intake.objects.get(patient=personas.pat)
        service(
            acting_user=personas.nina,
            patient=personas.pat,
            entry=replace(intake_entry_of(stored), psychiatric_history="Updated by Nina."),
            submit=False,
        )
        return service(**kwargs)

    monkeypatch.setattr(views, "intake_save", save_by_the_nurse_first)
    response = client_for(personas.fran).post(
        reverse("intake:edit", args=[personas.pat.pk]), {"height_cm": "170", "weight_kg": "71"}
    )
    assert response.status_code == 302
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.psychiatric_history, intake.height_cm, intake.weight_kg) == (
        "Updated by Nina.",
        Decimal("170.0"),
        Decimal("71.0"),
    )


def test_another_clinics_patient_is_not_found(client_for: Any, personas: Personas) -> None:
    assert (
        client_for(personas.nina).get(reverse("intake:edit", args=[personas.bea.pk])).status_code
        == 404
    )


def test_icd10_search_finds_by_code_and_words() -> None:
    assert ("F43.10", "Post-traumatic stress disorder, unspecified") in icd10_search(
        "post-traumatic"
    )
    assert all(code.startswith("F33") for code, _ in icd10_search("f33"))
    assert icd10_search(" ") == []
