"""A submitted intake changes only by amendment: a new version with its reason, every earlier
version kept whole, audited, and shown on a decision signed before it (issue 13 item 2)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.consent.models import Treatment
from ketaclinic.core.errors import InvalidInput, PreconditionFailed
from ketaclinic.courses.tests.support import consent
from ketaclinic.intake.models import EligibilityOutcome, Intake, IntakeStatus, IntakeVersionKind
from ketaclinic.intake.services import (
    MedicationEntry,
    eligibility_addendum_add,
    eligibility_decide,
    intake_amend,
    intake_save,
)
from ketaclinic.intake.tests.test_intake import COMPLETE, POST
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

AMENDED = replace(
    COMPLETE,
    weight_kg=Decimal("72"),
    psychiatric_history="Recurrent depression; one admission in 2019.",
    medications=(*COMPLETE.medications, MedicationEntry("sertraline", Decimal("100"), "daily")),
)


def submitted_intake(personas: Personas) -> Intake:
    return intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)


def approved_intake(personas: Personas) -> None:
    submitted_intake(personas)
    eligibility_decide(
        acting_user=personas.alice,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="Two adequate failed trials; no contraindication.",
    )


def test_the_staff_page_does_not_save_over_a_submitted_intake(
    client_for: Any, personas: Personas
) -> None:
    submitted_intake(personas)
    client = client_for(personas.nina)
    url = reverse("intake:edit", args=[personas.pat.pk])
    response = client.post(url, {**POST, "weight_kg": "80", "draft": "1"})
    assert response.status_code == 200
    assert "amends it with a reason" in response.content.decode()
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.status, intake.weight_kg, intake.version) == (
        IntakeStatus.SUBMITTED,
        Decimal("70.0"),
        1,
    )


def test_an_amendment_is_a_new_version_and_keeps_the_earlier_one_whole(
    personas: Personas,
) -> None:
    submitted_intake(personas)
    intake = intake_amend(
        acting_user=personas.bob,
        patient=personas.pat,
        entry=AMENDED,
        reason="Weighed again; sertraline restarted by the GP.",
    )
    assert (intake.status, intake.version) == (IntakeStatus.SUBMITTED, 2)
    first, second = intake.versions.order_by("number")
    assert (first.kind, second.kind) == (IntakeVersionKind.SUBMITTED, IntakeVersionKind.AMENDED)
    assert first.content["weight_kg"] == "70.0"
    assert [row["name"] for row in first.content["medications"]] == ["lorazepam"]
    assert len(first.content["trials"]) == 2
    assert first.content["diagnoses"][0]["code"] == "F33.2"
    assert second.content["weight_kg"] == "72.0"
    assert [row["name"] for row in second.content["medications"]] == ["lorazepam", "sertraline"]
    assert second.created_by == personas.bob
    assert second.reason == "Weighed again; sertraline restarted by the GP."
    event = AuditEvent.objects.get(action=AuditAction.INTAKE_AMENDED)
    assert event.patient_id == personas.pat.pk
    assert event.detail["from_version"] == 1
    assert event.detail["to_version"] == 2
    assert event.detail["changes"] == {
        "weight_kg": {"old": "70.0", "new": "72.0"},
        "psychiatric_history": "changed",
        "medications": "changed",
    }


@pytest.mark.parametrize(
    ("entry", "reason", "field"),
    [
        (AMENDED, "  ", "reason"),
        (COMPLETE, "No change really.", "reason"),
        (replace(AMENDED, diagnoses=()), "Diagnosis withdrawn.", "diagnoses"),
        (replace(AMENDED, weight_kg=Decimal("700")), "Typo.", "weight_kg"),
    ],
    ids=["no reason", "nothing changed", "no longer complete", "implausible"],
)
def test_an_amendment_is_refused_and_nothing_changes(
    personas: Personas, entry: Any, reason: str, field: str
) -> None:
    submitted_intake(personas)
    with pytest.raises(InvalidInput) as refusal:
        intake_amend(acting_user=personas.bob, patient=personas.pat, entry=entry, reason=reason)
    assert field in refusal.value.fields
    intake = Intake.objects.get(patient=personas.pat)
    assert (intake.version, intake.weight_kg) == (1, Decimal("70.0"))
    assert intake.versions.count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.INTAKE_AMENDED).exists()


def test_a_draft_is_saved_or_submitted_not_amended(personas: Personas) -> None:
    with pytest.raises(PreconditionFailed, match="still a draft"):
        intake_amend(acting_user=personas.bob, patient=personas.pat, entry=AMENDED, reason="x")


def test_the_page_amends_with_a_reason_and_lists_the_versions(
    client_for: Any, personas: Personas
) -> None:
    submitted_intake(personas)
    client = client_for(personas.nina)
    url = reverse("intake:edit", args=[personas.pat.pk])
    no_reason = client.post(url, {**POST, "weight_kg": "72", "amend": "1", "reason": ""})
    assert no_reason.status_code == 200
    assert no_reason.context["amendment"].errors["reason"]
    response = client.post(url, {**POST, "weight_kg": "72", "amend": "1", "reason": "Weighed."})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Version 2" in page
    assert "Weighed." in page
    assert "70.0 → 72.0" in page
    assert Intake.objects.get(patient=personas.pat).version == 2


def test_a_decision_shows_an_amendment_after_it_until_a_physician_reviews_it(
    client_for: Any, personas: Personas
) -> None:
    approved_intake(personas)
    intake_amend(acting_user=personas.nina, patient=personas.pat, entry=AMENDED, reason="GP.")
    url = reverse("intake:edit", args=[personas.pat.pk])
    chart = reverse("patients:detail", args=[personas.pat.pk])
    page = client_for(personas.bob).get(url).content.decode()
    assert "Intake amended after this decision" in page
    assert "on intake version 1" in page
    assert "intake amended after this decision" in client_for(personas.bob).get(chart).text
    decision = personas.pat.eligibility_decisions.get()
    addendum = eligibility_addendum_add(
        acting_user=personas.bob, decision=decision, text="Reviewed v2; approval stands."
    )
    assert addendum.intake_version is not None
    assert addendum.intake_version.number == 2
    page = client_for(personas.bob).get(url).content.decode()
    assert "Intake amended after this decision" not in page
    assert "intake amended after this decision" not in client_for(personas.bob).get(chart).text


def test_no_course_is_signed_on_an_approval_the_intake_was_amended_after(
    personas: Personas,
) -> None:
    from ketaclinic.courses.services import course_create

    approved_intake(personas)
    consent(personas, personas.pat, Treatment.IV_KETAMINE)
    intake_amend(acting_user=personas.nina, patient=personas.pat, entry=AMENDED, reason="GP.")
    values: dict[str, Any] = {
        "acting_user": personas.bob,
        "patient": personas.pat,
        "target_infusions": 6,
        "starting_dose": Decimal("0.5"),
        "titration_plan": "Step up the protocol's ladder at review if tolerated.",
        "booster_plan": "Boosters when PHQ-9 rises by 5.",
    }
    with pytest.raises(PreconditionFailed, match=r"amended after this approval \(version 1 → 2"):
        course_create(**values)
    decision = personas.pat.eligibility_decisions.get()
    eligibility_addendum_add(acting_user=personas.alice, decision=decision, text="Reviewed v2.")
    assert course_create(**values).decision == decision
