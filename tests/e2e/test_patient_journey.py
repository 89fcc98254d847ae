"""Issue 4's journey in the browser: an inquiry from the website becomes a patient; the nurse
takes the intake; the patient answers the screening questionnaires through a link; the physician
approves; the patient signs consent on the clinic tablet with the nurse witnessing; the chart
shows it all."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from ketaclinic.consent import texts
from ketaclinic.consent.models import ConsentSignature, Treatment
from ketaclinic.consent.services import consent_document_publish
from ketaclinic.intake.models import EligibilityDecision, Intake, IntakeStatus
from ketaclinic.outcomes.models import QuestionnaireResponse
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import make_personas
from tests.e2e.helpers import sign_in_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _new_staff_page(browser: Any, live_server: Any, email: str) -> tuple[Any, Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in_staff(page, email)
    return context, page


def test_inquiry_to_consented_patient(page: Any, browser: Any, live_server: Any) -> None:
    personas = make_personas()
    consent_document_publish(
        acting_user=personas.alice,
        clinic=personas.clinic,
        treatment=Treatment.IV_KETAMINE,
        title="Consent to IV ketamine (off-label)",
        body=texts.IV_KETAMINE,
        valid_for_days=365,
    )

    # 1. The website: an inquiry.
    page.goto("/contact/")
    page.get_by_label("Your name").fill("Elena Marsh")
    page.get_by_role("textbox", name="Email").fill("elena@mail.test")
    page.get_by_role("radio", name="Email").check()
    page.get_by_label("What would you like help with?").select_option("depression")
    page.get_by_label("I agree that the clinic may contact me").check()
    page.get_by_role("button", name="Send").click()
    page.wait_for_url("**/contact/thank-you/")

    # 2. The front desk registers her from the inquiry and sends the screening link.
    sign_in_staff(page, personas.fran.email)
    page.get_by_role("link", name="Inquiries", exact=True).click()
    page.get_by_role("link", name="Elena Marsh").click()
    page.get_by_role("link", name="Register as patient").click()
    assert page.get_by_label("Legal first name").input_value() == "Elena"
    page.get_by_label("Date of birth").fill("1984-09-03")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Phone", exact=True).fill("(303) 555-0148")
    page.get_by_label("Driver home (escort)").fill("Sam Marsh")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", name="Elena Marsh")).to_be_visible()
    patient = Patient.objects.get(legal_last_name="Marsh")
    page.get_by_role("link", name="Send a link").click()
    for name in ("PHQ-9", "GAD-7", "AUDIT-C"):  # the link holds what the nurse ticks
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Create link").click()
    link = page.locator("code").inner_text()

    # 3. Elena answers on her phone: no suicide-risk answer.
    phone = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    patient_page = phone.new_page()
    patient_page.goto(link)
    for number in range(1, 10):
        value = "2" if number <= 4 else "1" if number <= 8 else "0"
        patient_page.locator(f'input[name="phq9__phq9.{number}"][value="{value}"]').check()
    for number in range(1, 8):
        patient_page.locator(f'input[name="gad7__gad7.{number}"][value="1"]').check()
    for number in range(1, 4):
        patient_page.locator(f'input[name="audit_c__audit_c.{number}"][value="0"]').check()
    patient_page.get_by_role("button", name="Send my answers").click()
    expect(patient_page.get_by_role("heading", name="Thank you")).to_be_visible()
    patient_page.goto(link)  # the link works once
    expect(patient_page.get_by_role("heading", name="This link can't be used")).to_be_visible()
    phone.close()
    assert QuestionnaireResponse.objects.filter(patient=patient).count() == 3

    # 4. The nurse takes the intake: a draft first, then the second trial, then submits.
    nurse_context, nurse = _new_staff_page(browser, live_server, personas.nina.email)
    nurse.goto(f"/staff/patients/{patient.pk}/")
    nurse.get_by_role("link", name="Intake").click()
    nurse.get_by_label("Indication").select_option("trd")
    nurse.get_by_label("Psychiatric history").fill("Recurrent depression since 2009; no mania.")
    nurse.get_by_label("Allergies").fill("none known")
    nurse.get_by_label("ICD-10 code").fill("F33.2")
    nurse.locator("#id_trial-0-drug").fill("sertraline")
    nurse.locator("#id_trial-0-highest_dose_mg").fill("200")
    nurse.locator("#id_trial-0-weeks_at_dose").fill("8")
    nurse.locator("#id_trial-0-is_dose_adequate").check()
    nurse.locator("#id_trial-0-is_adherent").check()
    nurse.locator("#id_trial-0-outcome").select_option("no_response")
    nurse.locator("#id_trial-0-is_current_episode").check()
    nurse.get_by_label("Height (cm)").fill("168")
    nurse.get_by_label("Weight (kg)").fill("64")
    nurse.get_by_role("button", name="Save draft").click()
    nurse.get_by_text("Draft saved.").wait_for()
    assert Intake.objects.get(patient=patient).status == IntakeStatus.DRAFT
    nurse.locator("#id_trial-1-drug").fill("venlafaxine")
    nurse.locator("#id_trial-1-highest_dose_mg").fill("225")
    nurse.locator("#id_trial-1-weeks_at_dose").fill("10")
    nurse.locator("#id_trial-1-is_dose_adequate").check()
    nurse.locator("#id_trial-1-is_adherent").check()
    nurse.locator("#id_trial-1-outcome").select_option("no_response")
    nurse.locator("#id_trial-1-is_current_episode").check()
    nurse.get_by_label("Pregnant").select_option("no")
    nurse.get_by_label("Breastfeeding").select_option("no")
    nurse.get_by_label("Systolic (mmHg)").fill("118")
    nurse.get_by_label("Diastolic (mmHg)").fill("76")
    nurse.get_by_label("Heart rate (bpm)").fill("70")
    nurse.get_by_label("SpO2 (%)").fill("98")
    nurse.get_by_role("button", name="Submit for eligibility review").click()
    nurse.get_by_text("Intake submitted for eligibility review.").wait_for()
    assert Intake.objects.get(patient=patient).status == IntakeStatus.SUBMITTED

    # 5. The physician reads the rules' advice and approves for the IV protocol.
    doctor_context, doctor = _new_staff_page(browser, live_server, personas.bob.email)
    doctor.goto(f"/staff/patients/{patient.pk}/")
    doctor.get_by_role("link", name="Intake").click()
    doctor.locator("#id_outcome").select_option("approved")
    doctor.get_by_label("Protocol (when approved)").select_option("iv-ketamine-depression@1")
    doctor.get_by_label("Reasoning").fill(
        "Two adequate failed trials in this episode; no contraindication."
    )
    doctor.get_by_role("button", name="Sign decision").click()
    doctor.get_by_text("Decision signed").first.wait_for()
    decision = EligibilityDecision.objects.get(patient=patient)
    assert decision.outcome == "approved"
    assert decision.signed_by == personas.bob

    # 6. Consent on the clinic tablet: Elena signs, the nurse witnesses.
    nurse.goto(f"/staff/patients/{patient.pk}/")
    nurse.get_by_role("link", name="Consent").click()
    nurse.get_by_role("link", name="Sign on this tablet").first.click()
    nurse.get_by_label("Patient's legal name, typed by the patient").fill("Elena Marsh")
    nurse.get_by_label("The patient has read this consent").check()
    pad = nurse.locator("canvas[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    nurse.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    nurse.mouse.down()
    for step in range(1, 12):
        nurse.mouse.move(
            box["x"] + 20 + step * 20, box["y"] + box["height"] / 2 + (10 if step % 2 else -10)
        )
    nurse.mouse.up()
    nurse.get_by_role("button", name="Sign and witness").click()
    nurse.get_by_text("Consent signed and witnessed").wait_for()
    signature = ConsentSignature.objects.get(patient=patient)
    assert signature.witness == personas.nina
    assert signature.pdf[:4] == b"%PDF"
    nurse_context.close()

    # 7. The chart shows it all.
    doctor.goto(f"/staff/patients/{patient.pk}/")
    alerts = doctor.get_by_role("region", name="Alerts and status")
    expect(alerts.get_by_text("Approved").first).to_be_visible()
    expect(alerts.get_by_text("current").first).to_be_visible()
    expect(alerts.get_by_text("F33.2")).to_be_visible()
    screening = doctor.get_by_role("region", name="Screening for Treatment-resistant depression")
    expect(screening.get_by_text("PHQ-9")).to_be_visible()
    questionnaires = doctor.get_by_role("region", name="Questionnaires")
    expect(questionnaires.get_by_role("cell", name="GAD-7", exact=True)).to_be_visible()
    phq9_row = questionnaires.get_by_role("row").filter(has_text="PHQ-9")
    expect(phq9_row.get_by_role("cell", name="12", exact=True)).to_be_visible()  # 4×2 + 4×1 + 0
    doctor_context.close()
    assert page.outside_requests == []
