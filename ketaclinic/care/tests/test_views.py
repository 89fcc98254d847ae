"""The outcome page, the therapy-note and medication pages: access by every role, what each role
reads, and a pinned number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.care.models import MedicationChangeKind, TherapyNoteKind
from ketaclinic.care.services import medication_change_record, therapy_note_record
from ketaclinic.care.tests.support import course_with_history
from ketaclinic.courses.tests.support import course_for
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

NOTE_TEXT = "Worked on a values list; patient describes the last infusion as meaningful."
PAGE_READERS = {
    Role.MEDICAL_DIRECTOR,
    Role.PHYSICIAN,
    Role.NURSE,
    Role.THERAPIST,
    Role.CLINIC_ADMIN,
}
NOTE_READERS = {Role.MEDICAL_DIRECTOR, Role.PHYSICIAN, Role.NURSE, Role.THERAPIST}


@pytest.fixture
def history(personas: Personas) -> Personas:
    course = course_with_history(personas, course_for(personas), [21, 17, 13, 10, 8, 6, 4])
    assert course
    today = personas.clinic.local_today()
    therapy_note_record(
        acting_user=personas.theo,
        patient=personas.pat,
        kind=TherapyNoteKind.INTEGRATION,
        session_date=today - datetime.timedelta(days=4),
        minutes=50,
        text=NOTE_TEXT,
    )
    medication_change_record(
        acting_user=personas.bob,
        patient=personas.pat,
        medication_name="Lorazepam",
        change=MedicationChangeKind.HELD_FOR_INFUSION,
        changed_on=today - datetime.timedelta(days=10),
        reason="Benzodiazepines blunt ketamine's effect.",
    )
    return personas


def page(personas: Personas) -> str:
    return reverse("care:patient", args=[personas.pat.pk])


@pytest.mark.parametrize("role", list(Role))
def test_outcome_page_by_role(history: Personas, client_for, role: Role) -> None:
    user = history.staff_by_role()[role]
    response = client_for(user).get(page(history))
    if role not in PAGE_READERS:
        assert response.status_code == 403
        assert NOTE_TEXT not in response.content.decode()
        return
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body
    assert "infusion-tick" in body
    assert "Remission" in body
    assert "Lorazepam: held for infusion" in body
    if role in NOTE_READERS:
        assert NOTE_TEXT in body
        assert "Integration session" in body
    else:
        assert NOTE_TEXT not in body
        assert "Therapy session" in body
    # Audited as a chart view.
    assert AuditEvent.objects.filter(
        action=AuditAction.PATIENT_CHART_VIEWED, actor_id=user.pk, patient_id=history.pat.pk
    ).exists()


def test_another_clinics_physician_and_patient_are_refused(history: Personas, client_for) -> None:
    assert client_for(history.charlie).get(page(history)).status_code == 404
    other = reverse("care:patient", args=[history.bea.pk])
    assert client_for(history.bob).get(other).status_code == 404


def test_clinician_rated_entry_links_return_here(history: Personas, client_for) -> None:
    body = client_for(history.bob).get(page(history)).content.decode()
    enter = reverse("outcomes:enter", args=[history.pat.pk, "madrs"])
    assert f"{enter}?next=/staff/care/patients/{history.pat.pk}/" in body
    assert reverse("outcomes:enter", args=[history.pat.pk, "ybocs"]) in body


def test_outcome_page_query_count_is_fixed(
    history: Personas,
    client_for,
    django_assert_num_queries,
) -> None:
    client = client_for(history.bob)
    client.get(page(history))  # warm the session and caches
    with django_assert_num_queries(QUERIES):
        client.get(page(history))
    course = history.pat.courses.get()
    from ketaclinic.care.tests.support import days_ago, given_infusion, phq9_at

    for day in (2, 1):
        given_infusion(history, course, days_ago(day))
        phq9_at(history, course, 5, days_ago(day - 0.5))
    with django_assert_num_queries(QUERIES):
        client.get(page(history))


QUERIES = 16


def test_therapy_note_page_records_and_refuses_front_desk(personas: Personas, client_for) -> None:
    url = reverse("care:note_new", args=[personas.pat.pk])
    assert client_for(personas.fran).get(url).status_code == 403
    assert client_for(personas.nina).get(url).status_code == 403  # nurses do not write them
    client = client_for(personas.theo)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "kind": "therapy",
            "session_date": personas.clinic.local_today().isoformat(),
            "minutes": "50",
            "text": "Session one.",
        },
    )
    assert response.status_code == 302
    assert personas.pat.therapy_notes.get().text == "Session one."


def test_medication_page_records_for_a_nurse_and_refuses_the_therapist(
    personas: Personas,
    client_for,
) -> None:
    url = reverse("care:medication_new", args=[personas.pat.pk])
    assert client_for(personas.theo).get(url).status_code == 403
    client = client_for(personas.nina)
    response = client.post(
        url,
        {
            "medication_name": "Sertraline",
            "change": "dose_changed",
            "dose_text": "",
            "changed_on": personas.clinic.local_today().isoformat(),
        },
    )
    assert response.status_code == 200
    assert "needs the new dose" in response.content.decode()
    response = client.post(
        url,
        {
            "medication_name": "Sertraline",
            "change": "dose_changed",
            "dose_text": "100 mg daily",
            "changed_on": personas.clinic.local_today().isoformat(),
        },
    )
    assert response.status_code == 302
    assert personas.pat.medication_changes.get().dose_text == "100 mg daily"
