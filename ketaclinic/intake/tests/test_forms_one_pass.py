"""The intake page names every problem in one submit: the forms' own errors, medicine/'s entry
limits and what a submission needs, together, each after its field's label; blank list rows are
left out rather than refused (issue 16, items 3 and 5)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.intake.models import EligibilityDecision, Intake, IntakeStatus
from ketaclinic.intake.services import intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE, POST
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def summary(page: str) -> list[tuple[str, str]]:
    """The error summary's links: (field id, text)."""
    block = re.search(r"<div[^>]*data-error-summary[^>]*>(.*?)</div>", page, re.S)
    assert block is not None, "no error summary on the page"
    return re.findall(r'<a class="alert-link" href="#([^"]+)">([^<]+)</a>', block.group(1))


def post(client: Client, personas: Personas, data: dict[str, str]) -> Any:
    return client.post(reverse("intake:edit", args=[personas.pat.pk]), data)


def test_four_wrong_fields_get_four_messages_in_one_submit(
    client_for: Any, personas: Personas
) -> None:
    """A typing error, two impossible measurements and a half-filled medication row: before,
    the measurements were named only once the others were fixed."""
    response = post(
        client_for(personas.nina),
        personas,
        {
            **POST,
            "weight_kg": "heavy",
            "height_cm": "9999",
            "baseline_systolic_mmhg": "400",
            "medication-0-name": "",
            "medication-0-dose_mg": "5",
            "draft": "1",
        },
    )
    assert response.status_code == 200
    links = summary(response.content.decode())
    assert [field for field, _ in links] == [
        "id_height_cm",
        "id_weight_kg",
        "id_baseline_systolic_mmhg",
        "id_medication-0-name",
    ]
    texts = [text for _, text in links]
    assert texts[0].startswith("Height (cm): Height 9999 cm is outside 120–230 cm")
    assert texts[1].startswith("Weight (kg): Type a number")
    assert "Systolic blood pressure 400 mmHg is not a possible reading" in texts[2]
    assert texts[3].startswith("Medication, medication 1:")
    assert not Intake.objects.exists()


def test_a_submission_names_the_forms_errors_and_what_it_needs_together(
    client_for: Any, personas: Personas
) -> None:
    data = {**POST, "indication": "", "baseline_heart_rate_bpm": "0", "submit": "1"}
    data["diagnosis-0-code"] = ""
    response = post(client_for(personas.nina), personas, data)
    form = response.context["form"]
    assert form.errors["indication"] == ["Needed before the intake can be submitted."]
    assert "Heart rate 0 bpm is not a possible reading" in form.errors["baseline_heart_rate_bpm"][0]
    diagnosis = response.context["diagnoses"].forms[0]
    assert diagnosis.errors["code"] == ["Record at least one diagnosis before submitting."]
    assert len(summary(response.content.decode())) == 3
    assert not Intake.objects.exists()


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("baseline_systolic_mmhg", "400", "Systolic blood pressure 400 mmHg is not a possible"),
        ("baseline_diastolic_mmhg", "19", "Diastolic blood pressure 19 mmHg is not a possible"),
        ("baseline_diastolic_mmhg", "201", "Diastolic blood pressure 201 mmHg is not a possible"),
        ("baseline_heart_rate_bpm", "0", "Heart rate 0 bpm is not a possible reading"),
        ("baseline_spo2_percent", "101", "SpO2 101% is not a possible reading"),
        ("height_cm", "9999", "Height 9999 cm is outside 120–230 cm"),
        ("weight_kg", "-5", "Weight -5 kg is outside 30–300 kg"),
    ],
)
def test_impossible_measurements_are_refused_by_the_session_pages_limits(
    client_for: Any, personas: Personas, field: str, typed: str, message: str
) -> None:
    """The entry limits of medicine/ (the session page's), each reading on its own: a draft
    with only that value wrong is refused and nothing is saved."""
    response = post(client_for(personas.nina), personas, {**POST, field: typed, "draft": "1"})
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Intake.objects.exists()


def test_an_unknown_code_is_named_on_its_row_with_the_other_errors(
    client_for: Any, personas: Personas
) -> None:
    data = {
        **POST,
        "diagnosis-TOTAL_FORMS": "2",
        "diagnosis-1-code": "z99.9",
        "weight_kg": "-5",
        "draft": "1",
    }
    response = post(client_for(personas.nina), personas, data)
    rows = response.context["diagnoses"].forms
    assert not rows[0].errors
    assert rows[1].errors["code"] == [
        "Z99.9 is not in the clinic's ICD-10 list; pick a code from the search."
    ]
    assert [field for field, _ in summary(response.content.decode())] == [
        "id_weight_kg",
        "id_diagnosis-1-code",
    ]


def test_a_diastolic_not_below_the_systolic_is_named(client_for: Any, personas: Personas) -> None:
    data = {**POST, "baseline_systolic_mmhg": "80", "baseline_diastolic_mmhg": "90", "draft": "1"}
    response = post(client_for(personas.nina), personas, data)
    assert (
        "is not below systolic 80 mmHg"
        in response.context["form"].errors["baseline_systolic_mmhg"][0]
    )


def test_blank_spare_rows_are_left_out_not_refused(client_for: Any, personas: Personas) -> None:
    """Spare rows as the page sends them back untouched (a trial's outcome on "Choose"), and a
    row the script added and removed, do not block a submission."""
    data = {
        **POST,
        "trial-TOTAL_FORMS": "4",
        "trial-2-outcome": "",
        "trial-3-drug": "fluoxetine",
        "trial-3-DELETE": "on",
        "medication-TOTAL_FORMS": "2",
        "medication-1-name": "  ",
        "diagnosis-TOTAL_FORMS": "2",
        "submit": "1",
    }
    response = post(client_for(personas.nina), personas, data)
    assert response.status_code == 302, response.context["form"].errors
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.SUBMITTED
    assert intake.trials.count() == 2
    assert intake.medications.count() == 1


def test_a_stored_row_cleared_is_removed(client_for: Any, personas: Personas) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=False)
    data = {
        **POST,
        "medication-INITIAL_FORMS": "1",
        "medication-0-name": "",
        "medication-0-dose_mg": "",
        "draft": "1",
    }
    assert post(client_for(personas.nina), personas, data).status_code == 302
    assert not Intake.objects.get().medications.exists()


def test_the_spare_trial_row_starts_blank(client_for: Any, personas: Personas) -> None:
    page = client_for(personas.nina).get(reverse("intake:edit", args=[personas.pat.pk]))
    spare = page.context["trials"].forms[0]
    assert spare["outcome"].value() in (None, "")
    assert "<template data-formset-template>" in page.content.decode()


def test_an_amendment_without_a_reason_is_named_with_the_other_errors(
    client_for: Any, personas: Personas
) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)
    data = {**POST, "weight_kg": "-5", "amend": "1", "reason": ""}
    response = post(client_for(personas.nina), personas, data)
    assert response.context["form"].errors["weight_kg"]
    assert response.context["amendment"].errors["reason"]
    fields = [field for field, _ in summary(response.content.decode())]
    assert fields == ["id_weight_kg", "id_reason"]
    assert Intake.objects.get().weight_kg == Decimal("70.0")


def test_an_incomplete_decision_is_named_in_the_forms_words(
    client_for: Any, personas: Personas
) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)
    response = client_for(personas.bob).post(
        reverse("intake:decide", args=[personas.pat.pk]),
        {"outcome": "approved", "protocol_key": "", "note": ""},
        follow=True,
    )
    text = " ".join(str(message) for message in response.context["messages"])
    assert "Reasoning: Write the reasoning" in text
    assert "Protocol (when approved):" in text
    assert "note:" not in text
    assert "protocol_key" not in text
    assert not EligibilityDecision.objects.exists()


def test_front_desk_measurements_name_both_impossible_values(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.fran).post(
        reverse("intake:edit", args=[personas.pat.pk]), {"height_cm": "9999", "weight_kg": "-5"}
    )
    assert [field for field, _ in summary(response.content.decode())] == [
        "id_height_cm",
        "id_weight_kg",
    ]
