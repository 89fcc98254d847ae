"""Screening questionnaires per condition: the medical director sets them, staff use them on the
chart and when sending a link, and no set can drop the suicide-risk screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.clinics.services import clinic_screening_sets_update
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.intake.models import Intake
from ketaclinic.medicine.questionnaires.screening import ScreeningRules
from ketaclinic.outcomes.models import ResponseContext
from ketaclinic.outcomes.services import questionnaire_record
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

DEFAULTS = ScreeningRules()
CONDITIONS = ["unknown", "trd", "mdd_si", "anxiety", "ptsd", "ocd", "aud", "chronic_pain"]


def _post_data(**changes: list[str]) -> dict[str, list[str]]:
    data = {name: list(getattr(DEFAULTS, name)) for name in CONDITIONS}
    data.update(changes)
    return data


@pytest.mark.parametrize("role", list(Role))
def test_who_sees_and_who_changes_the_sets(client_for: Any, personas: Personas, role: Role) -> None:
    client = client_for(personas.staff_by_role()[role])
    page = client.get(reverse("screening_sets"))
    changes = client.post(reverse("screening_sets"), _post_data(ptsd=["phq9", "pcl5"]))
    if role == Role.MEDICAL_DIRECTOR:
        assert page.status_code == 200
        assert b"Save screening sets" in page.content
        assert changes.status_code == 302
    else:
        # Clinicians may read the sets; only the medical director changes them.
        reads = role in {Role.PHYSICIAN, Role.NURSE, Role.THERAPIST}
        assert page.status_code == (200 if reads else 403)
        if reads:
            assert b"Only the medical director changes these sets" in page.content
        assert changes.status_code == 403
    personas.clinic.refresh_from_db()
    expected = ("phq9", "pcl5") if role == Role.MEDICAL_DIRECTOR else DEFAULTS.ptsd
    assert clinic_rules_get(clinic=personas.clinic).screening.ptsd == expected


def test_the_director_saves_a_set_and_it_is_audited(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.alice).post(
        reverse("screening_sets"), _post_data(anxiety=["gad7", "cssrs_screener"])
    )
    assert response.status_code == 302
    personas.clinic.refresh_from_db()
    assert clinic_rules_get(clinic=personas.clinic).screening.anxiety == ("gad7", "cssrs_screener")
    event = AuditEvent.objects.get(action=AuditAction.CLINIC_RULES_CHANGED)
    assert event.detail["changed"] == {
        "anxiety": {"before": list(DEFAULTS.anxiety), "after": ["gad7", "cssrs_screener"]}
    }


def test_a_set_without_a_suicide_risk_screen_is_refused_and_nothing_changes(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.alice).post(
        reverse("screening_sets"), _post_data(ptsd=["pcl5", "gad7"])
    )
    assert response.status_code == 200
    assert b"every set must keep a suicide-risk screen" in response.content
    assert b"ptsd:" not in response.content  # under the PTSD heading, never by its code
    empty = client_for(personas.alice).post(reverse("screening_sets"), _post_data(ocd=[]))
    assert b"Choose at least one questionnaire." in empty.content
    personas.clinic.refresh_from_db()
    assert personas.clinic.rule_overrides == {}
    assert not AuditEvent.objects.filter(action=AuditAction.CLINIC_RULES_CHANGED).exists()


def test_the_service_refuses_the_unknown_and_the_unpermitted(personas: Personas) -> None:
    with pytest.raises(InvalidInput, match="session"):
        clinic_screening_sets_update(
            acting_user=personas.alice, clinic=personas.clinic, sets={"trd": ["phq9", "padss"]}
        )
    with pytest.raises(InvalidInput, match="Unknown settings"):
        clinic_screening_sets_update(
            acting_user=personas.alice, clinic=personas.clinic, sets={"insomnia": ["phq9"]}
        )
    with pytest.raises(PermissionRefused):
        clinic_screening_sets_update(
            acting_user=personas.bob, clinic=personas.clinic, sets={"trd": ["phq9"]}
        )
    personas.clinic.refresh_from_db()
    assert personas.clinic.rule_overrides == {}


def test_the_chart_shows_the_set_for_the_condition_with_what_is_done(
    client_for: Any, personas: Personas
) -> None:
    Intake.objects.create(
        clinic=personas.clinic, patient=personas.pat, indication="ptsd", updated_by=personas.nina
    )
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="pcl5",
        answers={f"pcl5.{n}": 2 for n in range(1, 21)},
        context=ResponseContext.SCREENING,
    )
    chart = client_for(personas.bob).get(reverse("patients:detail", args=[personas.pat.pk]))
    text = chart.content.decode()
    assert "Screening for PTSD" in text
    assert "5 still to do" in text  # PHQ-9, GAD-7, C-SSRS, AUDIT-C, DAST-10
    assert "40 (" in text  # the physician sees the PCL-5 score


def test_the_front_desk_sees_what_is_done_but_not_the_score(
    client_for: Any, personas: Personas
) -> None:
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers={f"phq9.{n}": 1 for n in range(1, 10)},
        context=ResponseContext.SCREENING,
    )
    chart = client_for(personas.fran).get(reverse("patients:detail", args=[personas.pat.pk]))
    text = chart.content.decode()
    assert "The clinic's general set" in text
    assert "PHQ-9" in text
    assert "done" in text
    assert "9 (" not in text


def test_sending_a_link_suggests_the_sets_questionnaires_still_to_do(
    client_for: Any, personas: Personas
) -> None:
    Intake.objects.create(
        clinic=personas.clinic,
        patient=personas.pat,
        indication="chronic_pain",
        updated_by=personas.nina,
    )
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="gad7",
        answers={f"gad7.{n}": 0 for n in range(1, 8)},
        context=ResponseContext.SCREENING,
    )
    page = client_for(personas.fran).get(reverse("outcomes:link_create", args=[personas.pat.pk]))
    # Pain NRS, PHQ-9 and AUDIT-C go by link; GAD-7 is done; C-SSRS and DAST-10 need the
    # clinic's licensed wording. They are suggested, not ticked: the staff member ticks what
    # the link holds (issue 16 item 7).
    assert page.context["suggested"] == {"pain_nrs", "phq9", "audit_c"}
    assert "instruments" not in page.context["form"].initial
