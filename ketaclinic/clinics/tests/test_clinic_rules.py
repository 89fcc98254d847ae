"""The clinic's clinical rules page and service: the medical director changes a rule within
medicine/'s bounds, every change is audited, and an unsafe value is refused naming the setting
with nothing saved."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.clinics.selectors import clinic_rules_get
from ketaclinic.clinics.services import clinic_rules_update
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

FORM = {
    "outcomes.baseline_window_days": "14",
    "dose_orders.valid_days": "30",
    "eligibility.minimum_age": "18",
    "pregnancy_test.minimum_age_years": "12",
    "pregnancy_test.maximum_age_years": "55",
    "vials.beyond_use_days": "28",
}


def test_the_director_changes_a_rule_and_only_the_change_is_stored_and_audited(
    personas: Personas,
) -> None:
    clinic_rules_update(
        acting_user=personas.alice,
        clinic=personas.clinic,
        changes={"outcomes": {"baseline_window_days": 14}, "dose_orders": {"valid_days": 30}},
    )
    personas.clinic.refresh_from_db()
    assert personas.clinic.rule_overrides == {"outcomes": {"baseline_window_days": 14}}
    assert clinic_rules_get(clinic=personas.clinic).outcomes.baseline_window_days == 14
    event = AuditEvent.objects.get(action=AuditAction.CLINIC_RULES_CHANGED)
    assert event.detail["changed"] == {"outcomes.baseline_window_days": {"before": 30, "after": 14}}


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"outcomes": {"baseline_window_days": 365}}, "outcomes.baseline_window_days"),
        ({"dose_orders": {"valid_days": 0}}, "dose_orders.valid_days"),
        ({"eligibility": {"minimum_age": 16}}, "eligibility.minimum_age"),
        ({"pregnancy_test": {"maximum_age_years": 45}}, "pregnancy_test.maximum_age_years"),
        ({"vials": {"beyond_use_days": 29}}, "vials.beyond_use_days"),
        ({"vials": {"beyond_use_days": 0}}, "vials.beyond_use_days"),
        ({"outcomes": {"baseline_days": 3}}, "outcomes.baseline_days"),
    ],
)
def test_an_unsafe_or_unknown_setting_is_refused_by_name_and_nothing_is_saved(
    personas: Personas, changes: dict[str, dict[str, int]], setting: str
) -> None:
    with pytest.raises(InvalidInput) as refusal:
        clinic_rules_update(acting_user=personas.alice, clinic=personas.clinic, changes=changes)
    assert list(refusal.value.fields) == [setting]
    personas.clinic.refresh_from_db()
    assert personas.clinic.rule_overrides == {}
    assert not AuditEvent.objects.filter(action=AuditAction.CLINIC_RULES_CHANGED).exists()


def test_only_the_medical_director_changes_rules_and_screening_has_its_own_page(
    personas: Personas,
) -> None:
    with pytest.raises(PermissionRefused):
        clinic_rules_update(
            acting_user=personas.bob,
            clinic=personas.clinic,
            changes={"outcomes": {"baseline_window_days": 14}},
        )
    with pytest.raises(InvalidInput, match="screening page"):
        clinic_rules_update(
            acting_user=personas.alice, clinic=personas.clinic, changes={"screening": {}}
        )


@pytest.mark.parametrize("role", list(Role))
def test_who_reads_and_who_changes_the_rules_page(
    client_for: Any, personas: Personas, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    page = client.get(reverse("clinic_rules"))
    saved = client.post(reverse("clinic_rules"), FORM)
    if role == Role.MEDICAL_DIRECTOR:
        assert b"Save clinical rules" in page.content
        assert saved.status_code == 302
    else:
        reads = role in {Role.PHYSICIAN, Role.NURSE, Role.THERAPIST}
        assert page.status_code == (200 if reads else 403)
        if reads:
            assert b"Only the medical director changes these rules" in page.content
        assert saved.status_code == 403
    personas.clinic.refresh_from_db()
    expected = 14 if role == Role.MEDICAL_DIRECTOR else 30
    assert clinic_rules_get(clinic=personas.clinic).outcomes.baseline_window_days == expected


def test_a_refused_value_shows_on_its_field_and_keeps_what_was_typed(
    client_for: Any, personas: Personas
) -> None:
    response = client_for(personas.alice).post(
        reverse("clinic_rules"), {**FORM, "dose_orders.valid_days": "365"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["dose_orders.valid_days"]
    assert "1 to 180 days" in errors[0]
    assert b'value="365"' in response.content
    personas.clinic.refresh_from_db()
    assert personas.clinic.rule_overrides == {}


def test_the_director_may_shorten_an_opened_vials_days_but_not_lengthen_them(
    client_for: Any, personas: Personas
) -> None:
    """CLINICAL.md §2.4: 28 days after the first puncture unless the maker says less."""
    client = client_for(personas.alice)
    longer = client.post(reverse("clinic_rules"), {**FORM, "vials.beyond_use_days": "35"})
    assert "1 to 28 days" in longer.context["form"].errors["vials.beyond_use_days"][0]
    assert (
        client.post(reverse("clinic_rules"), {**FORM, "vials.beyond_use_days": "14"}).status_code
        == 302
    )
    personas.clinic.refresh_from_db()
    assert clinic_rules_get(clinic=personas.clinic).vials.beyond_use_days == 14
