"""The intake in the portal: the patient's own answers, saved as a draft and sent to the clinic
through the same service as the staff form; read-only once sent (issue 4)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import PermissionRefused, PreconditionFailed
from ketaclinic.intake.models import Intake, IntakeStatus
from ketaclinic.intake.services import IntakeEntry, TrialEntry, intake_save
from ketaclinic.medicine.eligibility import TrialOutcome
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

EMPTY_ROWS = {
    "diagnosis-TOTAL_FORMS": "1",
    "diagnosis-INITIAL_FORMS": "0",
    "trial-TOTAL_FORMS": "1",
    "trial-INITIAL_FORMS": "0",
    "medication-TOTAL_FORMS": "1",
    "medication-INITIAL_FORMS": "0",
}
HALF_FILLED = {
    **EMPTY_ROWS,
    "indication": "trd",
    "psychiatric_history": "Depressed since my twenties; two hospital stays.",
    "allergies": "penicillin",
    "medication-0-name": "sertraline",
    "medication-0-dose_mg": "150",
    "medication-0-frequency": "every morning",
}
COMPLETE = {
    **HALF_FILLED,
    "height_cm": "165",
    "weight_kg": "70",
    "is_pregnant": "no",
    "is_breastfeeding": "no",
    "diagnosis-0-code": "f33.2",
    "trial-0-drug": "escitalopram",
    "trial-0-highest_dose_mg": "20",
    "trial-0-weeks_at_dose": "8",
    "trial-0-is_adherent": "on",
    "trial-0-outcome": "no_response",
    "trial-0-is_current_episode": "on",
}
URL = reverse("portal:intake")


def test_a_draft_is_saved_and_reloaded(client_for: Any, personas: Personas) -> None:
    client = client_for(personas.pat_user)
    response = client.post(URL, {**HALF_FILLED, "draft": "1"})
    assert response.status_code == 302
    assert response["Location"] == URL
    intake = Intake.objects.get(patient=personas.pat)
    assert intake.status == IntakeStatus.DRAFT
    assert intake.patient_submitted_at is None
    assert intake.updated_by == personas.pat_user
    page = client.get(URL).content.decode()
    assert "Two hospital stays".lower() in page.lower()
    assert "penicillin" in page
    assert 'value="sertraline"' in page
    event = AuditEvent.objects.get(action=AuditAction.INTAKE_SAVED, patient_id=personas.pat.pk)
    assert event.actor_id == personas.pat_user.pk
    assert event.detail["by"] == "patient"
    assert event.actor_role == "patient"


def test_sending_an_incomplete_intake_is_refused_and_nothing_is_lost(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.pat_user)
    client.post(URL, {**HALF_FILLED, "draft": "1"})
    response = client.post(
        URL,
        {
            **HALF_FILLED,
            "allergies": "",
            "psychiatric_history": "Typed after the draft",
            "diagnosis-0-code": "X99.9",
            "weight_kg": "7000",
            "submit": "1",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "X99.9 is not in the clinic's ICD-10 list" in " ".join(errors["__all__"])
    assert errors["weight_kg"]
    assert errors["height_cm"] == ["Please answer this before sending your intake to the clinic."]
    assert errors["allergies"]
    assert errors["is_pregnant"]
    page = response.content.decode()
    assert "Typed after the draft" in page  # what was typed stays on the page
    assert 'value="X99.9"' in page
    assert "nothing has been sent yet" in page
    intake = Intake.objects.get()
    assert intake.allergies == "penicillin"  # and what was saved stays saved
    assert intake.patient_submitted_at is None
    assert intake.medications.get().name == "sertraline"


def test_a_sent_intake_is_read_only_to_the_patient_and_marked_for_staff(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.pat_user)
    response = client.post(URL, {**COMPLETE, "submit": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    intake = Intake.objects.get()
    assert intake.patient_submitted_at is not None
    assert intake.status == IntakeStatus.DRAFT  # staff add the vitals, then submit for review
    assert intake.diagnoses.get().code == "F33.2"
    page = client.get(URL).content.decode()
    assert "contact the clinic" in page
    assert '<form method="post" novalidate' not in page
    assert "escitalopram" in page
    response = client.post(URL, {**COMPLETE, "allergies": "changed", "submit": "1"})
    assert response.status_code == 200
    assert "can no longer be changed here" in response.content.decode()
    assert Intake.objects.get().allergies == "penicillin"
    staff_page = client_for(personas.nina).get(reverse("intake:edit", args=[personas.pat.pk]))
    assert "filled in their part in the portal" in staff_page.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.INTAKE_SUBMITTED, actor_id=personas.pat_user.pk, detail__part="patient"
    ).exists()


def test_staff_see_a_patient_draft_and_can_submit_it(client_for: Any, personas: Personas) -> None:
    client_for(personas.pat_user).post(URL, {**COMPLETE, "draft": "1"})
    page = client_for(personas.nina).get(reverse("intake:edit", args=[personas.pat.pk]))
    assert "the patient in the portal" in page.content.decode()
    intake = intake_save(
        acting_user=personas.nina,
        patient=personas.pat,
        entry=IntakeEntry(
            indication="trd",
            height_cm=Decimal("165"),
            weight_kg=Decimal("70"),
            is_pregnant=False,
            is_breastfeeding=False,
            baseline_systolic_mmhg=120,
            baseline_diastolic_mmhg=80,
            baseline_heart_rate_bpm=70,
            baseline_spo2_percent=98,
            diagnoses=("F33.2",),
        ),
        submit=True,
    )
    assert intake.status == IntakeStatus.SUBMITTED
    page = client_for(personas.pat_user).get(URL).content.decode()
    assert "contact the clinic" in page


def test_baseline_vitals_stay_staff_only(client_for: Any, personas: Personas) -> None:
    intake_save(
        acting_user=personas.nina,
        patient=personas.pat,
        entry=IntakeEntry(
            baseline_systolic_mmhg=124,
            baseline_diastolic_mmhg=82,
            baseline_heart_rate_bpm=66,
            baseline_spo2_percent=97,
            trials=(
                TrialEntry(
                    "escitalopram", Decimal("20"), 8, True, True, TrialOutcome.NO_RESPONSE, True
                ),
            ),
        ),
        submit=False,
    )
    client = client_for(personas.pat_user)
    page = client.get(URL).content.decode()
    assert "baseline_systolic_mmhg" not in page
    assert "is_dose_adequate" not in page
    client.post(URL, {**COMPLETE, "baseline_systolic_mmhg": "200", "draft": "1"})
    intake = Intake.objects.get()
    assert intake.baseline_systolic_mmhg == 124
    assert intake.baseline_spo2_percent == 97
    assert intake.trials.get().is_dose_adequate is True  # the clinician's judgement is kept
    assert intake.allergies == "penicillin"


def test_a_patient_fills_in_only_their_own_intake(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        intake_save(
            acting_user=personas.pat_user,
            patient=personas.quinn,
            entry=IntakeEntry(indication="trd"),
            submit=False,
            as_patient=True,
        )
    with pytest.raises(PermissionRefused):  # and not through the staff path either
        intake_save(
            acting_user=personas.pat_user,
            patient=personas.pat,
            entry=IntakeEntry(indication="trd"),
            submit=False,
        )
    intake_save(
        acting_user=personas.pat_user,
        patient=personas.pat,
        entry=IntakeEntry(indication="trd", height_cm=Decimal("165"), weight_kg=Decimal("70")),
        submit=False,
        as_patient=True,
    )
    intake_save(
        acting_user=personas.pat_user,
        patient=personas.pat,
        entry=IntakeEntry(
            indication="trd",
            height_cm=Decimal("165"),
            weight_kg=Decimal("70"),
            allergies="none known",
            is_pregnant=False,
            is_breastfeeding=False,
        ),
        submit=True,
        as_patient=True,
    )
    with pytest.raises(PreconditionFailed, match="contact the clinic"):
        intake_save(
            acting_user=personas.pat_user,
            patient=personas.pat,
            entry=IntakeEntry(indication="ptsd"),
            submit=False,
            as_patient=True,
        )
    assert not Intake.objects.filter(patient=personas.quinn).exists()


@pytest.mark.parametrize("role", list(Role))
def test_staff_opening_the_portal_intake_go_to_their_own_home(
    client_for: Any, personas: Personas, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    for response in (client.get(URL), client.post(URL, {**COMPLETE, "submit": "1"})):
        assert response.status_code == 302
        assert response["Location"] == reverse("home")
    assert not Intake.objects.exists()


def test_the_form_speaks_to_the_patient(client_for: Any, personas: Personas) -> None:
    page = client_for(personas.pat_user).get(URL).content.decode()
    assert "What would you like help with?" in page
    assert "A stroke or mini-stroke (TIA)" in page
    assert "most clinics exclude" not in page  # the clinical reasons are for staff
    assert "Adequate dose" not in page
    staff_page = client_for(personas.nina).get(reverse("intake:edit", args=[personas.pat.pk]))
    assert "most clinics exclude" in staff_page.content.decode()  # the staff form is unchanged
