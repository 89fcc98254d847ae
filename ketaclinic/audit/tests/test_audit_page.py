"""The audit page: clinic admins and auditors only, this clinic only, filters validated."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from ketaclinic.accounts.models import User
from ketaclinic.accounts.roles import Role
from ketaclinic.audit.models import AuditAction, AuditEvent, AuditOutcome
from ketaclinic.audit.services import audit_record, audit_seal_pending
from ketaclinic.audit.tests.support import insert_forged_event, record_events, tampering
from ketaclinic.testing.factories import staff_member
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

ALLOWED = {Role.CLINIC_ADMIN, Role.AUDITOR}
EVENTS = reverse("audit:events")
EXPORT = reverse("audit:export")


@pytest.fixture
def trail(personas: Personas) -> None:
    """Events at both clinics, sign-ins of both clinics' staff, and ones that belong to no one."""
    a, b = personas.clinic, personas.other_clinic
    audit_record(
        actor=personas.nina,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=a,
        patient_id=personas.pat.pk,
        subject=personas.pat,
    )
    audit_record(
        actor=personas.fran,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=a,
        patient_id=personas.quinn.pk,
        subject=personas.quinn,
    )
    audit_record(
        actor=personas.charlie,
        action=AuditAction.PATIENT_CHART_VIEWED,
        clinic=b,
        patient_id=personas.bea.pk,
        subject=personas.bea,
    )
    audit_record(actor=personas.nina, action=AuditAction.SIGN_IN)
    audit_record(actor=personas.charlie, action=AuditAction.SIGN_IN)
    for email in (personas.nina.email, personas.charlie.email, "stranger@elsewhere.test"):
        audit_record(
            actor=None,
            action=AuditAction.SIGN_IN_FAILED,
            outcome=AuditOutcome.FAILED,
            actor_label=email,
        )
    # Not an authentication event, and at no clinic: on no clinic's page.
    audit_record(actor=personas.nina, action=AuditAction.API_TOKEN_REFUSED)
    audit_seal_pending()


def page_events(response: Any) -> list[AuditEvent]:
    return [row.event for row in response.context["rows"]]


@pytest.fixture
def admin_of_b(personas: Personas) -> User:
    return staff_member(personas.other_clinic, Role.CLINIC_ADMIN, email="bo@clinic-b.test")


# --- who may look -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_only_admins_and_auditors_read_or_export_the_trail(
    client_for: Any, personas: Personas, trail: None, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    expected = 200 if role in ALLOWED else 403
    assert client.get(EVENTS).status_code == expected
    assert client.get(EXPORT).status_code == expected


@pytest.mark.parametrize("url", [EVENTS, EXPORT])
def test_staff_of_another_clinic_are_refused(
    client_for: Any, personas: Personas, trail: None, url: str
) -> None:
    response = client_for(personas.charlie).get(url)
    assert response.status_code == 403
    assert "does not allow you to" in response.content.decode()


def test_a_patients_portal_account_is_refused(client_for: Any, personas: Personas) -> None:
    response = client_for(personas.pat_user).get(EVENTS)
    assert response.status_code == 403
    assert "You are not working at any clinic" in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEWED).exists()


@pytest.mark.parametrize("url", [EVENTS, EXPORT])
def test_without_signing_in_you_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_page_only_answers_get(client_for: Any, personas: Personas) -> None:
    assert client_for(personas.ada).post(EVENTS).status_code == 405


# --- what it shows ----------------------------------------------------------------------------


def test_the_page_shows_this_clinics_events_and_its_staffs_sign_ins_only(
    client_for: Any, personas: Personas, trail: None
) -> None:
    events = page_events(client_for(personas.otto).get(EVENTS))
    assert {event.clinic_id for event in events} == {personas.clinic.pk, None}
    assert personas.bea.pk not in {event.patient_id for event in events}
    authentication = {
        (event.action, event.actor_label) for event in events if event.clinic_id is None
    }
    assert authentication == {
        (AuditAction.SIGN_IN, personas.nina.email),
        (AuditAction.SIGN_IN, personas.otto.email),  # signing in to look at this page
        (AuditAction.SIGN_IN_FAILED, personas.nina.email),  # someone trying nina's account
    }


def test_two_clinics_pages_share_no_event(
    client_for: Any, personas: Personas, trail: None, admin_of_b: User
) -> None:
    at_a = {event.pk for event in page_events(client_for(personas.ada).get(EVENTS))}
    at_b_page = client_for(admin_of_b).get(EVENTS)
    at_b = {event.pk for event in page_events(at_b_page)}
    assert at_a
    assert at_b
    assert not at_a & at_b
    assert {event.patient_id for event in page_events(at_b_page)} - {None} == {personas.bea.pk}


def test_a_former_staff_members_sign_ins_stay_visible(
    client_for: Any, personas: Personas, trail: None
) -> None:
    personas.nina.memberships.update(is_active=False)
    events = page_events(
        client_for(personas.ada).get(
            EVENTS, {"action": AuditAction.SIGN_IN, "user": personas.nina.email}
        )
    )
    assert [event.actor_label for event in events] == [personas.nina.email]


def test_viewing_the_page_is_itself_recorded_with_its_filters(
    client_for: Any, personas: Personas, trail: None
) -> None:
    client_for(personas.otto).get(
        EVENTS, {"action": AuditAction.SIGN_IN, "date_from": "2026-11-01"}
    )
    viewed = AuditEvent.objects.get(action=AuditAction.AUDIT_VIEWED)
    assert (viewed.actor_id, viewed.clinic_id, viewed.actor_role) == (
        personas.otto.pk,
        personas.clinic.pk,
        Role.AUDITOR,
    )
    assert viewed.detail == {"action": AuditAction.SIGN_IN.value, "date_from": "2026-11-01"}


def test_fifty_a_page_newest_first_with_the_oldest_on_the_last_page(
    client_for: Any, personas: Personas
) -> None:
    recorded = record_events(60, clinic=personas.clinic)
    client = client_for(personas.ada)
    first = client.get(EVENTS)
    # ...and ada signing in, and her view of the page itself
    assert first.context["page"].paginator.count == 62
    assert len(page_events(first)) == 50
    assert page_events(first)[0].action == AuditAction.AUDIT_VIEWED
    ids = [event.pk for event in page_events(first)]
    assert ids == sorted(ids, reverse=True)
    last = client.get(EVENTS, {"page": "2"})
    assert page_events(last)[-1].pk == recorded[0].pk
    assert client.get(EVENTS, {"page": "nonsense"}).status_code == 200


def test_each_row_shows_time_in_the_clinics_zone_user_role_action_patient_and_seal(
    client_for: Any, personas: Personas
) -> None:
    with time_machine.travel(datetime.datetime(2026, 11, 24, 16, 5, 9, tzinfo=datetime.UTC)):
        audit_record(
            actor=personas.nina,
            action=AuditAction.PATIENT_CHART_VIEWED,
            clinic=personas.clinic,
            patient_id=personas.pat.pk,
            subject=personas.pat,
        )
    audit_seal_pending()
    html = client_for(personas.ada).get(EVENTS, {"action": "patient.chart_viewed"}).content.decode()
    assert "2026-11-24 09:05:09" in html  # America/Denver, UTC-7 in November
    assert "Time (America/Denver)" in html
    for text in (
        personas.nina.email,
        "Nurse",
        "Patient chart viewed",
        f'#{personas.pat.pk} <span class="text-body-secondary">'
        f"{personas.pat.medical_record_number}</span>",
        f"patients.Patient #{personas.pat.pk}",
        "#1</td>",  # its link in the chain
    ):
        assert text in html


def test_an_unsealed_row_says_so(client_for: Any, personas: Personas, settings: Any) -> None:
    settings.AUDIT_SEAL_INLINE = False
    record_events(1, clinic=personas.clinic)
    html = client_for(personas.ada).get(EVENTS).content.decode()
    assert "not yet" in html


# --- filters ----------------------------------------------------------------------------------


def test_filters_by_patient_id_mrn_user_action_and_outcome(
    client_for: Any, personas: Personas, trail: None
) -> None:
    client = client_for(personas.ada)

    def matching(**query: str) -> list[AuditEvent]:
        response = client.get(EVENTS, query)
        assert response.context["form"].errors == {}
        return page_events(response)

    by_id = matching(patient=str(personas.pat.pk))
    assert {event.patient_id for event in by_id} == {personas.pat.pk}
    by_mrn = matching(patient=personas.quinn.medical_record_number.lower())
    assert {event.patient_id for event in by_mrn} == {personas.quinn.pk}
    by_user = matching(user=personas.fran.email.upper())
    assert {event.actor_label for event in by_user} == {personas.fran.email}
    by_action = matching(action=AuditAction.SIGN_IN)
    assert {event.action for event in by_action} == {AuditAction.SIGN_IN}
    failed = matching(outcome=AuditOutcome.FAILED)
    assert {event.action for event in failed} == {AuditAction.SIGN_IN_FAILED}
    assert matching(patient=str(personas.bea.pk)) == []  # clinic B's patient: nothing here


def test_dates_are_the_clinics_calendar_days(client_for: Any, personas: Personas) -> None:
    # 05:30 UTC on the 24th is still the evening of the 23rd in Denver.
    with time_machine.travel(datetime.datetime(2026, 11, 24, 5, 30, tzinfo=datetime.UTC)):
        (evening,) = record_events(1, clinic=personas.clinic)
    with time_machine.travel(datetime.datetime(2026, 11, 24, 7, 30, tzinfo=datetime.UTC)):
        (midnight,) = record_events(1, clinic=personas.clinic)
    client = client_for(personas.ada)
    query = {"action": AuditAction.SIGN_IN_FAILED}
    on_23rd = page_events(
        client.get(EVENTS, {**query, "date_from": "2026-11-23", "date_to": "2026-11-23"})
    )
    on_24th = page_events(client.get(EVENTS, {**query, "date_from": "2026-11-24"}))
    assert [event.pk for event in on_23rd] == [evening.pk]
    assert [event.pk for event in on_24th] == [midnight.pk]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-13-01"}, "date_from", "Enter a real date"),
        ({"date_from": "yesterday"}, "date_from", "Enter a real date"),
        ({"date_from": "2026-11-20", "date_to": "2026-11-01"}, "date_to", "before the start date"),
        ({"date_to": "9999-12-31"}, "date_to", "between 2000 and 2100"),
        ({"date_from": "0001-01-01"}, "date_from", "between 2000 and 2100"),
        ({"action": "launch.missiles"}, "action", "Choose an action from the list"),
        ({"outcome": "maybe"}, "outcome", "Choose an outcome from the list"),
        ({"patient": "NOPE-1"}, "patient", "no patient at Clinic A has the MRN"),
        ({"patient": "12abc"}, "patient", "Enter a patient id (a number) or an MRN"),
        ({"patient": "²"}, "patient", "Enter a patient id (a number) or an MRN"),
        ({"patient": "0"}, "patient", "is not a patient id"),
        ({"patient": "9" * 30}, "patient", "is not a patient id"),
        ({"patient": "1" * 41}, "patient", "at most 40 characters"),
        ({"patient": "A\x00B"}, "patient", "Null characters are not allowed"),
        ({"user": "not an email"}, "user", "Enter the user's full email address"),
    ],
)
def test_bad_filters_get_field_messages_not_errors(
    client_for: Any,
    personas: Personas,
    trail: None,
    query: dict[str, str],
    field: str,
    message: str,
) -> None:
    client = client_for(personas.ada)
    response = client.get(EVENTS, query)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in errors[field][0]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert 'aria-invalid="true"' in html
    assert response.context["page"] is None
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_VIEWED).exists()
    export = client.get(EXPORT, query)
    assert export.status_code == 400
    assert list(export.context["form"].errors) == [field]
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()


def test_the_download_link_carries_the_filters_but_not_the_page(
    client_for: Any, personas: Personas, trail: None
) -> None:
    html = (
        client_for(personas.otto)
        .get(EVENTS, {"action": "auth.sign_in", "page": "1"})
        .content.decode()
    )
    assert f'href="{EXPORT}?action=auth.sign_in"' in html


# --- the chain status box ---------------------------------------------------------------------


def chain_box(client: Client) -> str:
    html = client.get(EVENTS).content.decode()
    start = html.rindex("<div", 0, html.index('id="chain-status"'))
    return " ".join(html[start : html.index("</div>", start)].split())


def test_the_chain_box_says_intact(client_for: Any, personas: Personas, trail: None) -> None:
    box = chain_box(client_for(personas.ada))
    assert "alert-success" in box
    assert "Hash chain intact</strong>: all 9 links recomputed." in box
    # Signing in to look, and this very view: both sealed once the request commits.
    assert "2 events waiting to be sealed." in box


def test_the_chain_box_says_where_it_is_broken(
    client_for: Any, personas: Personas, trail: None
) -> None:
    newest = AuditEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    with tampering() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_label = 'x' WHERE id = %s", [newest])
    box = chain_box(client_for(personas.ada))
    assert "alert-danger" in box
    assert "The hash chain is broken at link 9</strong>" in box
    assert f"event {newest} no longer matches" in box


def test_the_chain_box_names_an_event_the_application_did_not_write(
    client_for: Any, personas: Personas, trail: None
) -> None:
    forged = insert_forged_event()
    audit_seal_pending()
    box = chain_box(client_for(personas.ada))
    assert "alert-danger" in box
    assert f"event {forged} was not written by the application" in box


def test_the_chain_box_counts_events_waiting_to_be_sealed(
    client_for: Any, personas: Personas, settings: Any
) -> None:
    settings.AUDIT_SEAL_INLINE = False
    start = datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        record_events(2)
        client = client_for(personas.ada)  # her sign-in and each view are recorded too
        assert "4 events waiting to be sealed." in chain_box(client)
    with time_machine.travel(start + datetime.timedelta(minutes=5), tick=False):
        box = chain_box(client)
    assert "alert-warning" in box
    assert "5 events waiting to be sealed, some for over 60 seconds: is the sealer running?" in box


# --- cost -------------------------------------------------------------------------------------


def test_the_audit_page_query_count_is_fixed(
    client_for: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    for patient in [personas.pat, personas.quinn] * 30:
        audit_record(
            actor=personas.nina,
            action=AuditAction.PATIENT_CHART_VIEWED,
            clinic=personas.clinic,
            patient_id=patient.pk,
            subject=patient,
        )
    audit_seal_pending()
    client = client_for(personas.ada)
    client.get(EVENTS)
    # session, user, memberships, MFA check; the AUDIT_VIEWED insert; count; one page of events
    # with their seals; their patients' MRNs; the newest links with their events; unsealed
    # count; session save (savepoint, update, release). Nothing per row.
    with django_assert_num_queries(13):
        response = client.get(EVENTS)
    assert response.status_code == 200
    assert len(response.context["rows"]) == 50
