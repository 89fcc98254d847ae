"""The dashboard page, its CSV, the research export and the API: who may, and what they get."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.analytics.course_summaries import course_summaries_refresh
from ketaclinic.analytics.research import age_band
from ketaclinic.analytics.tests.support import known_month
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.courses.models import TreatmentCourse
from ketaclinic.medicine.age import age_years
from ketaclinic.medicine.outcomes import OUTCOME_RULES
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MARCH = "?date_from=2025-03-01&date_to=2025-03-31"
DASHBOARD_ROLES = {Role.MEDICAL_DIRECTOR, Role.PHYSICIAN, Role.CLINIC_ADMIN, Role.AUDITOR}
RESEARCH_ROLES = {Role.MEDICAL_DIRECTOR, Role.PHYSICIAN, Role.CLINIC_ADMIN}


@pytest.mark.parametrize("role", list(Role))
def test_dashboard_access_for_every_role(client_for: Any, personas: Personas, role: Role) -> None:
    known_month(personas)
    response = client_for(personas.staff_by_role()[role]).get("/staff/dashboard/" + MARCH)
    if role in DASHBOARD_ROLES:
        assert response.status_code == 200
        assert b"1/13" in response.content  # the no-show counts beside the rate
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", list(Role))
def test_research_export_access_for_every_role(
    client_for: Any, personas: Personas, role: Role
) -> None:
    known_month(personas)
    response = client_for(personas.staff_by_role()[role]).get("/staff/dashboard/research.csv")
    assert response.status_code == (200 if role in RESEARCH_ROLES else 403)


def test_the_page_shows_counts_with_rates_and_charts(client_for: Any, personas: Personas) -> None:
    known_month(personas)
    page = client_for(personas.bob).get("/staff/dashboard/" + MARCH).content.decode()
    assert "66.7 %" in page  # the rate…
    assert "2/3 responded" in page  # …with its counts
    assert "(1/1)" in page  # PTSD: one course, shown as such
    assert "<svg" in page
    assert "style=" not in page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert personas.pat.legal_last_name not in page


def test_the_page_states_the_response_rule_from_medicine(
    client_for: Any, personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The definitions under the figures are medicine/outcomes.py's PHQ-9 rule (CLINICAL.md
    §9.3), not numbers typed into the page."""
    page = client_for(personas.bob).get("/staff/dashboard/" + MARCH).content.decode()
    assert "Response is at least 50 % lower than baseline, remission a PHQ-9 of 4 or less" in page
    stricter = dataclasses.replace(OUTCOME_RULES["phq9"], response=Decimal("0.6"))
    monkeypatch.setitem(
        OUTCOME_RULES, "phq9", dataclasses.replace(stricter, remission_at_or_below=3)
    )
    page = client_for(personas.bob).get("/staff/dashboard/" + MARCH).content.decode()
    assert "Response is at least 60 % lower than baseline, remission a PHQ-9 of 3 or less" in page


def test_a_physician_cannot_pick_another_clinic(client_for: Any, personas: Personas) -> None:
    known_month(personas)
    response = client_for(personas.charlie).get(
        f"/staff/dashboard/?clinic={personas.clinic.pk}&date_from=2025-03-01"
    )
    assert response.status_code == 400
    assert "Choose one of your clinics" in response.content.decode()


def test_a_backwards_period_is_a_message(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.bob).get(
        "/staff/dashboard/?date_from=2025-03-31&date_to=2025-03-01"
    )
    assert response.status_code == 400
    assert "The end is before the start." in response.content.decode()


def test_figures_csv_is_formula_escaped_and_audited(client_for: Any, personas: Personas) -> None:
    known_month(personas)
    TreatmentCourse.objects.filter(indication="ptsd").update(indication="=HYPERLINK(1)")
    # QuerySet.update passes by the summaries' receivers: refreshed as its caller must.
    course_summaries_refresh(course_ids=TreatmentCourse.objects.values_list("pk", flat=True))
    response = client_for(personas.ada).get("/staff/dashboard/figures.csv" + MARCH)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    groups = [row[1] for row in rows]
    assert any(group.startswith("'=HYPERLINK(1)") for group in groups)
    assert not any(cell.startswith("=") for row in rows for cell in row)
    assert ["no_shows", "", "1", "13", "7.7", "%"] in rows
    assert AuditEvent.objects.filter(action=AuditAction.DASHBOARD_EXPORTED).count() == 1


def _research(client: Client) -> list[dict[str, str]]:
    response = client.get("/staff/dashboard/research.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_research_export_has_no_identifiers(client_for: Any, personas: Personas) -> None:
    known_month(personas)
    client = client_for(personas.bob)
    response = client.get("/staff/dashboard/research.csv")
    text = b"".join(response.streaming_content).decode()
    header = text.splitlines()[0].split(",")
    assert not {"patient_id", "id", "name", "mrn", "date_of_birth"} & set(header)
    for patient in Patient.objects.filter(clinic=personas.clinic):
        for identifier in (
            patient.legal_first_name,
            patient.legal_last_name,
            patient.medical_record_number,
            patient.date_of_birth.isoformat(),
            patient.email,
            patient.phone,
        ):
            if identifier:
                assert identifier not in text
    event = AuditEvent.objects.get(action=AuditAction.RESEARCH_EXPORTED)
    assert event.actor_id == personas.bob.pk
    assert event.detail["courses"] == 4  # A, B, C, D at clinic A; E is at clinic B
    assert event.detail["patients"] == 4


def test_research_export_shifts_each_patient_consistently(
    client_for: Any, personas: Personas
) -> None:
    known_month(personas)
    rows = _research(client_for(personas.bob))
    by_patient: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_patient[row["study_id"]].append(row)
    assert len(by_patient) == 4
    # Course A (pat): first infusion 3 March; scores 3, 5, 7, 20 March and 5 April.
    real = [
        datetime.date(2025, 3, 3),
        datetime.date(2025, 3, 5),
        datetime.date(2025, 3, 7),
        datetime.date(2025, 3, 20),
        datetime.date(2025, 4, 5),
    ]
    pat = next(
        group
        for group in by_patient.values()
        if [int(r["score"]) for r in group if r["record"] == "score"] == [20, 15, 9, 4, 19]
    )
    course = next(r for r in pat if r["record"] == "course")
    assert course["infusions_given"] == "6"
    assert course["course_status"] == "maintenance"
    assert course["age_band"] == age_band(
        age_years(born=personas.pat.date_of_birth, on=datetime.date(2025, 3, 3))
    )
    shifted = [datetime.date.fromisoformat(r["date"]) for r in pat if r["record"] == "score"]
    offsets = {(s - r).days for s, r in zip(shifted, real, strict=True)}
    assert len(offsets) == 1  # one offset for all of the patient's dates
    (offset,) = offsets
    assert 1 <= abs(offset) <= 30
    assert datetime.date.fromisoformat(course["date"]) - real[0] == datetime.timedelta(offset)
    # Side effects keep their offset too (quinn: 4 March).
    quinn = next(g for g in by_patient.values() if any(r["score"] == "16" for r in g))
    (effect,) = [r for r in quinn if r["record"] == "side_effect"]
    quinn_offset = datetime.date.fromisoformat(
        next(r for r in quinn if r["record"] == "course")["date"]
    ) - datetime.date(2025, 3, 4)
    assert datetime.date.fromisoformat(effect["date"]) - datetime.date(2025, 3, 4) == quinn_offset


def test_study_ids_change_between_exports(client_for: Any, personas: Personas) -> None:
    known_month(personas)
    client = client_for(personas.bob)
    first = {row["study_id"] for row in _research(client)}
    second = {row["study_id"] for row in _research(client)}
    assert first.isdisjoint(second)


@pytest.mark.parametrize(
    ("age", "band"),
    [(17, "under 18"), (18, "18–24"), (24, "18–24"), (25, "25–34"), (84, "75–84"), (90, "85+")],
)
def test_age_bands(age: int, band: str) -> None:
    assert age_band(age) == band
