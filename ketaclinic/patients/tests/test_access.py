"""The one door to patient rows: who may list and open a chart, and what is recorded."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import NotFound, PermissionRefused
from ketaclinic.patients.access import patient_get_for_staff, patients_for_staff
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_chart_access_follows_the_matrix_for_every_role(personas: Personas, role: Role) -> None:
    user = personas.staff_by_role()[role]
    if role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles:
        patient = patient_get_for_staff(
            user=user, clinic=personas.clinic, patient_id=personas.pat.pk
        )
        assert patient == personas.pat
        assert AuditEvent.objects.filter(
            actor_id=user.pk, patient_id=personas.pat.pk, action=AuditAction.PATIENT_CHART_VIEWED
        ).exists()
    else:
        with pytest.raises(PermissionRefused):
            patient_get_for_staff(user=user, clinic=personas.clinic, patient_id=personas.pat.pk)


def test_another_clinics_patient_and_a_missing_one_look_the_same(personas: Personas) -> None:
    with pytest.raises(NotFound) as other_clinic:
        patient_get_for_staff(user=personas.bob, clinic=personas.clinic, patient_id=personas.bea.pk)
    with pytest.raises(NotFound) as missing:
        patient_get_for_staff(user=personas.bob, clinic=personas.clinic, patient_id=999_999)
    assert other_clinic.value.message == missing.value.message


def test_staff_of_another_clinic_cannot_reach_in(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        patients_for_staff(user=personas.charlie, clinic=personas.clinic)


def test_the_list_holds_only_the_acting_clinics_patients(personas: Personas) -> None:
    listed = set(patients_for_staff(user=personas.fran, clinic=personas.clinic))
    assert listed == {personas.pat, personas.quinn}


@pytest.mark.parametrize("role", list(Role))
def test_patient_pages_answer_every_role(client_for, personas: Personas, role: Role) -> None:
    client = client_for(personas.staff_by_role()[role])
    listing = client.get(reverse("patients:list"))
    chart = client.get(reverse("patients:detail", args=[personas.pat.pk]))
    assert listing.status_code == (200 if role in PERMISSIONS[Action.PATIENT_LIST].roles else 403)
    assert chart.status_code == (200 if role in PERMISSIONS[Action.PATIENT_LIST].roles else 403)
    if chart.status_code == 200:
        sees_scores = "Scores are part of the clinical chart" not in chart.content.decode()
        assert sees_scores is (role in PERMISSIONS[Action.PATIENT_CHART_VIEW].roles)


def test_a_refused_chart_view_is_audited(client_for, personas: Personas) -> None:
    client_for(personas.otto).get(reverse("patients:detail", args=[personas.pat.pk]))
    refusal = AuditEvent.objects.get(action=AuditAction.PERMISSION_REFUSED)
    assert refusal.actor_id == personas.otto.pk
    assert refusal.outcome == "refused"


def test_the_chart_of_another_clinics_patient_is_a_404_page(client_for, personas: Personas) -> None:
    response = client_for(personas.bob).get(reverse("patients:detail", args=[personas.bea.pk]))
    assert response.status_code == 404
    assert "No such patient at this clinic." in response.content.decode()


def test_search_finds_by_last_name_and_mrn(client_for, personas: Personas) -> None:
    PatientFactory(clinic=personas.clinic, legal_last_name="Zephyr", medical_record_number="Z-1")
    client = client_for(personas.fran)
    assert "Zephyr" in client.get(reverse("patients:list"), {"q": "zeph"}).content.decode()
    assert "Zephyr" in client.get(reverse("patients:list"), {"q": "Z-1"}).content.decode()
    assert "Zephyr" not in client.get(reverse("patients:list"), {"q": "nobody"}).content.decode()


def test_the_patient_list_query_count_does_not_grow_with_patients(
    client_for,
    personas: Personas,
    django_assert_num_queries,
) -> None:
    PatientFactory.create_batch(30, clinic=personas.clinic)
    client = client_for(personas.fran)
    client.get(reverse("patients:list"))  # warm the session
    # session, user, memberships, MFA check, audit insert, count, a page of patients, and the
    # session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(reverse("patients:list"))
    assert response.status_code == 200
