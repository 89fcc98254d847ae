"""The physician's signed eligibility decision, addenda, and the referral letter (issue 4)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, PermissionRefused, PreconditionFailed
from ketaclinic.intake.models import EligibilityDecision, EligibilityOutcome
from ketaclinic.intake.services import eligibility_addendum_add, eligibility_decide, intake_save
from ketaclinic.intake.tests.test_intake import COMPLETE
from ketaclinic.patients.models import JourneyStage
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(personas: Personas) -> None:
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=COMPLETE, submit=True)


def test_an_approval_is_signed_locked_and_moves_the_patient_on(
    personas: Personas, submitted: None
) -> None:
    decision = eligibility_decide(
        acting_user=personas.alice,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="Two failed trials; no contraindication.",
    )
    assert decision.signed_by == personas.alice
    assert decision.advice_snapshot["decision"] == "eligible"
    personas.pat.refresh_from_db()
    assert personas.pat.journey_stage == JourneyStage.APPROVED
    assert AuditEvent.objects.filter(
        action=AuditAction.ELIGIBILITY_DECIDED, patient_id=personas.pat.pk
    ).exists()


@pytest.mark.parametrize(
    ("outcome", "protocol", "requested", "note", "field"),
    [
        (EligibilityOutcome.APPROVED, "", "", "ok", "protocol_key"),
        (EligibilityOutcome.APPROVED, "magic@1", "", "ok", "protocol_key"),
        (EligibilityOutcome.MORE_INFORMATION, "", "", "need more", "requested_items"),
        (EligibilityOutcome.DECLINED, "", "", " ", "note"),
    ],
)
def test_an_incomplete_decision_is_refused(
    personas: Personas,
    submitted: None,
    outcome: EligibilityOutcome,
    protocol: str,
    requested: str,
    note: str,
    field: str,
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        eligibility_decide(
            acting_user=personas.bob,
            patient=personas.pat,
            outcome=outcome,
            note=note,
            protocol_key=protocol,
            requested_items=requested,
        )
    assert field in refusal.value.fields
    assert not EligibilityDecision.objects.exists()


def test_no_decision_before_the_intake_is_submitted(personas: Personas) -> None:
    with pytest.raises(PreconditionFailed, match="submitted"):
        eligibility_decide(
            acting_user=personas.bob,
            patient=personas.quinn,
            outcome=EligibilityOutcome.DECLINED,
            note="x",
        )


@pytest.mark.parametrize(
    "role", [role for role in Role if role not in PERMISSIONS[Action.ELIGIBILITY_DECIDE].roles]
)
def test_only_physicians_decide(personas: Personas, submitted: None, role: Role) -> None:
    with pytest.raises(PermissionRefused):
        eligibility_decide(
            acting_user=personas.staff_by_role()[role],
            patient=personas.pat,
            outcome=EligibilityOutcome.DECLINED,
            note="x",
        )


def test_a_physician_whose_licence_lapsed_cannot_decide(
    personas: Personas, submitted: None
) -> None:
    personas.bob.credentials.filter(kind="medical_license").update(expires_on="2020-01-01")
    with pytest.raises(PermissionRefused, match="Medical licence"):
        eligibility_decide(
            acting_user=personas.bob,
            patient=personas.pat,
            outcome=EligibilityOutcome.DECLINED,
            note="x",
        )


def test_changes_are_addenda_never_edits(personas: Personas, submitted: None) -> None:
    decision = eligibility_decide(
        acting_user=personas.bob,
        patient=personas.pat,
        outcome=EligibilityOutcome.MORE_INFORMATION,
        note="Hypertension history.",
        requested_items="ECG",
    )
    addendum = eligibility_addendum_add(
        acting_user=personas.bob, decision=decision, text="ECG normal, received 3 Dec."
    )
    assert decision.addenda.get() == addendum
    with pytest.raises(InvalidInput):
        eligibility_addendum_add(acting_user=personas.bob, decision=decision, text="  ")
    with pytest.raises(PermissionRefused):
        eligibility_addendum_add(acting_user=personas.nina, decision=decision, text="x")


def test_a_decline_produces_a_referral_letter_pdf(
    client_for: Any, personas: Personas, submitted: None
) -> None:
    client = client_for(personas.bob)
    response = client.post(
        reverse("intake:decide", args=[personas.pat.pk]),
        {"outcome": "declined", "note": "Active psychosis in the last year."},
    )
    assert response.status_code == 302
    decision = EligibilityDecision.objects.get()
    letter = client.get(reverse("intake:referral_letter", args=[decision.pk]))
    assert letter.status_code == 200
    assert letter["Content-Type"] == "application/pdf"
    assert letter.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.REFERRAL_LETTER_EXPORTED).exists()
    page = client.get(reverse("intake:edit", args=[personas.pat.pk])).content.decode()
    assert "Referral letter (PDF)" in page
    assert "Locked." in page


def test_the_decision_page_refuses_bad_input_with_a_message(
    client_for: Any, personas: Personas, submitted: None
) -> None:
    client = client_for(personas.bob)
    response = client.post(
        reverse("intake:decide", args=[personas.pat.pk]),
        {"outcome": "approved", "note": "ok"},
        follow=True,
    )
    assert "The decision is not complete" in response.content.decode()
    assert not EligibilityDecision.objects.exists()
    response = client.post(
        reverse("intake:decide", args=[personas.pat.pk]), {"outcome": "maybe"}, follow=True
    )
    assert "The decision is not complete" in response.content.decode()


def test_an_approved_decision_has_no_referral_letter(
    client_for: Any, personas: Personas, submitted: None
) -> None:
    decision = eligibility_decide(
        acting_user=personas.bob,
        patient=personas.pat,
        outcome=EligibilityOutcome.APPROVED,
        protocol_key="iv-ketamine-depression@1",
        note="ok",
    )
    assert (
        client_for(personas.bob)
        .get(reverse("intake:referral_letter", args=[decision.pk]))
        .status_code
        == 404
    )


def test_the_chart_shows_allergies_contraindications_decision_and_consent(
    client_for: Any, personas: Personas
) -> None:
    from ketaclinic.intake.services import IntakeEntry
    from ketaclinic.medicine.eligibility import History

    entry = IntakeEntry(
        **{
            **COMPLETE.__dict__,
            "allergies": "Penicillin (rash)",
            "medical_history": (History.PSYCHOSIS,),
        }
    )
    intake_save(acting_user=personas.nina, patient=personas.pat, entry=entry, submit=True)
    eligibility_decide(
        acting_user=personas.bob,
        patient=personas.pat,
        outcome=EligibilityOutcome.DECLINED,
        note="Psychosis.",
    )
    chart = (
        client_for(personas.bob)
        .get(reverse("patients:detail", args=[personas.pat.pk]))
        .content.decode()
    )
    assert "Penicillin (rash)" in chart
    assert "Active psychosis" in chart
    assert "Declined" in chart
    assert "F33.2" in chart
    assert "lorazepam 1 mg" in chart
    therapist = (
        client_for(personas.theo)
        .get(reverse("patients:detail", args=[personas.pat.pk]))
        .content.decode()
    )
    assert "Psychiatric history" in therapist
    front_desk = (
        client_for(personas.fran)
        .get(reverse("patients:detail", args=[personas.pat.pk]))
        .content.decode()
    )
    assert "Penicillin" not in front_desk
