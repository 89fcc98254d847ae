"""Issue 16 items 7 and 8: a questionnaire link holds exactly what the staff member ticked (the
screening set is a named suggestion, never a silent tick), and a licensed scale whose wording the
clinic has not loaded is shown as such wherever it would be offered, until the clinic admin
loads it from the clinic's licensed copy."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.api.tests.support import admin_at
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import InvalidInput, PermissionRefused
from ketaclinic.courses.tests.support import course_for
from ketaclinic.measures.models import MeasureDue, MeasurePlan
from ketaclinic.measures.services import measure_reminders_send
from ketaclinic.outcomes.models import (
    ClinicalTask,
    InstrumentWording,
    QuestionnaireLink,
    QuestionnaireResponse,
    ResponseContext,
)
from ketaclinic.outcomes.services import questionnaire_link_issue, questionnaire_record
from ketaclinic.outcomes.wording import (
    WORDING_NOT_LOADED,
    instrument_for_clinic,
    instrument_wording_load,
)
from ketaclinic.patients.models import Patient
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

CSSRS_CSV = "item_code,text\n" + "".join(
    f'cssrs.{n},"Screening question {n}, as licensed"\n' for n in range(1, 7)
)
DAST10_CSV = "".join(f"dast10.{n},Drug use question {n}\n" for n in range(1, 11))
CHECKED = re.compile(r'<input class="form-check-input" type="checkbox"[^>]*value="(\w+)" checked>')


def _load(personas: Personas, code: str, text: str) -> None:
    instrument_wording_load(
        acting_user=personas.ada, clinic=personas.clinic, instrument_code=code, wording_csv=text
    )


# --- item 7: the link holds what was ticked ------------------------------------------------------


def test_the_send_page_ticks_nothing_and_names_the_screening_set_as_a_suggestion(
    client_for: Any, personas: Personas
) -> None:
    page = (
        client_for(personas.fran)
        .get(reverse("outcomes:link_create", args=[personas.pat.pk]))
        .content.decode()
    )
    assert CHECKED.findall(page) == []  # AUDIT-C was ticked here without anyone asking
    assert "The link holds exactly the questionnaires you tick." in page
    assert re.search(r"still asks for [^<]*AUDIT-C[^<]*: tick them to include them", page)
    assert re.search(r"<label[^>]*>AUDIT-C</label> <span[^>]*>screening set: not done yet", page)
    assert not re.search(r"<label[^>]*>PCL-5</label> <span", page)  # not in the set


def test_a_link_holds_exactly_the_questionnaires_ticked(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.fran)
    response = client.post(
        reverse("outcomes:link_create", args=[personas.pat.pk]),
        {"instruments": ["phq9", "gad7"], "context": "screening", "valid_hours": "72"},
        follow=True,
    )
    page = response.content.decode()
    assert "Link ready</strong> with PHQ-9, GAD-7." in page
    link = QuestionnaireLink.objects.get()
    assert link.instruments == ["phq9", "gad7"]
    token = re.search(r"/q/([\w-]+)/", page)
    assert token is not None
    patient_page = client.get(f"/q/{token.group(1)}/").content.decode()
    assert "PHQ-9" in patient_page
    assert "GAD-7" in patient_page
    assert "AUDIT-C" not in patient_page


@pytest.mark.parametrize("role", list(Role))
def test_sending_a_link_follows_the_matrix(client_for: Any, personas: Personas, role: Role) -> None:
    response = client_for(personas.staff_by_role()[role]).get(
        reverse("outcomes:link_create", args=[personas.pat.pk])
    )
    assert response.status_code == (
        200 if role in PERMISSIONS[Action.QUESTIONNAIRE_RECORD].roles else 403
    )


def test_the_urgent_task_names_the_questionnaire_not_its_code(personas: Personas) -> None:
    questionnaire_record(
        acting_user=personas.nina,
        patient=personas.pat,
        instrument_code="phq9",
        answers={f"phq9.{n}": 1 for n in range(1, 10)},
        context=ResponseContext.SCREENING,
    )
    detail = ClinicalTask.objects.get().detail
    assert "(PHQ-9, mild, total 9)" in detail
    assert "phq9" not in detail


# --- item 8: licensed wording -------------------------------------------------------------------


def test_a_licensed_scale_without_wording_is_never_offered_as_item_codes(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.nina)
    enter = reverse("outcomes:enter", args=[personas.pat.pk, "cssrs_screener"])
    page = client.get(enter).content.decode()
    assert f"C-SSRS screener (recent): {WORDING_NOT_LOADED}." in page
    assert "cssrs.1" not in page
    assert 'name="cssrs.1"' not in page
    answers = {f"cssrs.{n}": "0" for n in range(1, 7)} | {"context": "screening"}
    assert client.post(enter, answers).status_code == 409
    assert not QuestionnaireResponse.objects.exists()
    # The chart's screening list offers no entry button for it, and says why.
    chart = client.get(reverse("patients:detail", args=[personas.pat.pk])).content.decode()
    screening = chart.split('aria-labelledby="screening-heading"', 1)[1].split("</section>", 1)[0]
    assert enter not in screening
    assert "C-SSRS screener (recent)" in screening
    assert WORDING_NOT_LOADED in screening
    assert "Enter PHQ-9" in screening
    # The send page lists DAST-10 (patient-rated, licensed) but cannot send it.
    send = reverse("outcomes:link_create", args=[personas.pat.pk])
    page = client.get(send).content.decode()
    assert re.search(
        rf"disabled><label[^>]*>DAST-10</label> <span[^>]*>\({WORDING_NOT_LOADED}\)", page
    )
    refused = client.post(
        send, {"instruments": ["dast10"], "context": "screening", "valid_hours": "72"}
    )
    assert refused.status_code == 200
    assert not QuestionnaireLink.objects.exists()
    with pytest.raises(
        InvalidInput, match="licensed wording is not loaded — ask your clinic admin"
    ):
        questionnaire_link_issue(
            acting_user=personas.nina,
            patient=personas.pat,
            instrument_codes=["dast10"],
            context=ResponseContext.SCREENING,
        )


def test_the_clinic_admin_loads_the_wording_and_the_nurse_can_ask_it(
    client_for: Any, personas: Personas
) -> None:
    client = client_for(personas.ada)
    page = client.get(reverse("outcomes:wording")).content.decode()
    missing = page.split("without wording:</strong>", 1)[1].split("</div>", 1)[0]
    for name in ("C-SSRS screener (recent)", "DAST-10", "QIDS-SR16", "MADRS", "Y-BOCS"):
        assert name in missing
    blank = client.get(reverse("outcomes:wording_template", args=["cssrs_screener"]))
    assert blank["Content-Type"].startswith("text/csv")
    assert blank.content.decode() == "item_code,text\n" + "".join(
        f"cssrs.{n},\n" for n in range(1, 7)
    )
    upload = SimpleUploadedFile("cssrs.csv", CSSRS_CSV.encode(), content_type="text/csv")
    response = client.post(
        reverse("outcomes:wording"), {"instrument": "cssrs_screener", "wording_file": upload}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action=AuditAction.QUESTIONNAIRE_WORDING_LOADED)
    assert event.detail["instrument"] == "cssrs_screener"
    page = client_for(personas.nina).get(
        reverse("outcomes:enter", args=[personas.pat.pk, "cssrs_screener"])
    )
    text = page.content.decode()
    assert "1. Screening question 1, as licensed" in text
    assert WORDING_NOT_LOADED not in text
    # Another clinic's copy is its own: clinic B has still loaded nothing.
    other = instrument_for_clinic(clinic=personas.other_clinic, code="cssrs_screener")
    assert not other.items[0].text


def test_a_wording_file_missing_a_question_is_refused_whole(
    client_for: Any, personas: Personas
) -> None:
    short = "".join(f"cssrs.{n},Question {n}\n" for n in range(1, 6))
    response = client_for(personas.ada).post(
        reverse("outcomes:wording"), {"instrument": "cssrs_screener", "wording": short}
    )
    assert response.status_code == 200
    assert "has no text for [&#x27;cssrs.6&#x27;]" in response.content.decode()
    assert not InstrumentWording.objects.exists()
    empty = client_for(personas.ada).post(reverse("outcomes:wording"), {"instrument": "dast10"})
    assert "Choose the file or paste the lines." in empty.content.decode()


@pytest.mark.parametrize("role", list(Role))
def test_the_wording_page_is_the_clinic_admins(
    client_for: Any, personas: Personas, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    allowed = role in PERMISSIONS[Action.CLINIC_MANAGE].roles
    assert client.get(reverse("outcomes:wording")).status_code == (200 if allowed else 403)
    posted = client.post(
        reverse("outcomes:wording"), {"instrument": "dast10", "wording": DAST10_CSV}
    )
    assert posted.status_code == (302 if allowed else 403)
    assert InstrumentWording.objects.exists() == allowed


def test_loading_is_refused_to_others_and_scoped_to_the_acting_clinic(personas: Personas) -> None:
    with pytest.raises(PermissionRefused):
        instrument_wording_load(
            acting_user=personas.nina,
            clinic=personas.clinic,
            instrument_code="dast10",
            wording_csv=DAST10_CSV,
        )
    with pytest.raises(PermissionRefused):  # clinic A's admin is nobody at clinic B
        instrument_wording_load(
            acting_user=personas.ada,
            clinic=personas.other_clinic,
            instrument_code="dast10",
            wording_csv=DAST10_CSV,
        )
    instrument_wording_load(
        acting_user=admin_at(personas.other_clinic),
        clinic=personas.other_clinic,
        instrument_code="dast10",
        wording_csv=DAST10_CSV,
    )
    assert instrument_for_clinic(clinic=personas.other_clinic, code="dast10").items[0].text
    assert not instrument_for_clinic(clinic=personas.clinic, code="dast10").items[0].text
    with pytest.raises(InvalidInput, match="licensed questionnaires"):
        _load(personas, "phq9", "phq9.1,Anything\n")


def _dast10_due(personas: Personas, patient: Patient) -> MeasureDue:
    course = course_for(personas, patient)
    today = patient.clinic.local_today()
    plan = MeasurePlan.objects.create(
        clinic=patient.clinic,
        course=course,
        patient=patient,
        instruments=["dast10"],
        planned_on=today,
    )
    return MeasureDue.objects.create(
        clinic=patient.clinic,
        plan=plan,
        course=course,
        patient=patient,
        instrument="dast10",
        reason="before_infusion",
        sequence=1,
        due_on=today,
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=1),
    )


def test_the_portal_and_reminders_offer_a_licensed_scale_only_once_worded(
    client_for: Any, personas: Personas, django_capture_on_commit_callbacks: Any
) -> None:
    due = _dast10_due(personas, personas.pat)
    client = client_for(personas.pat_user)
    url = reverse("portal:questionnaire", args=[due.pk])
    assert url not in client.get(reverse("portal:home")).content.decode()
    assert client.get(url).status_code == 404
    today = personas.clinic.local_today()
    assert measure_reminders_send(clinic=personas.clinic, today=today) == 0
    _load(personas, "dast10", DAST10_CSV)
    assert url in client.get(reverse("portal:home")).content.decode()
    page = client.get(url).content.decode()
    assert "Drug use question 1" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert measure_reminders_send(clinic=personas.clinic, today=today) == 1
    assert len(mail.outbox) == 1
