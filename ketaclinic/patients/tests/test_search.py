"""Finding a patient: the navigation's search box and the patient list's search read a name, an
MRN or a date of birth in the clinic's usual formats, within the acting clinic only, audited like
every read of the list (issue 16, item 11)."""

from __future__ import annotations

import datetime
from typing import cast

import pytest
from django.urls import reverse

from ketaclinic.accounts.roles import PERMISSIONS, Action, Role
from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import PermissionRefused
from ketaclinic.patients.models import Patient
from ketaclinic.patients.search import parse_patient_search
from ketaclinic.patients.selectors import patient_list_for_clinic
from ketaclinic.testing.factories import MembershipFactory, PatientFactory
from ketaclinic.testing.personas import Personas

BORN = datetime.date(1985, 4, 12)
TODAY = datetime.date(2026, 12, 7)
SEARCH_BOX = 'id="nav-patient-search"'


@pytest.mark.parametrize(
    "written",
    [
        "1985-04-12",
        "04/12/1985",
        "4/12/1985",
        "04-12-1985",
        "04.12.1985",
        "04/12/85",
        "12 Apr 1985",
        "April 12, 1985",
        "Apr. 12 1985",
    ],
)
def test_reads_a_date_of_birth_the_ways_the_desk_writes_it(written: str) -> None:
    terms = parse_patient_search(written, today=TODAY)
    assert terms.dates_of_birth == (BORN,)
    assert terms.words == ()
    assert terms.problem == ""


def test_a_two_digit_year_is_never_in_the_future() -> None:
    assert parse_patient_search("04/12/50", today=TODAY).dates_of_birth == (
        datetime.date(1950, 4, 12),
    )
    assert parse_patient_search("04/12/24", today=TODAY).dates_of_birth == (
        datetime.date(2024, 4, 12),
    )


def test_a_day_that_does_not_exist_is_explained_not_searched() -> None:
    terms = parse_patient_search("Smith 02/30/1985", today=TODAY)
    assert terms.not_dates == ("02/30/1985",)
    assert not terms.by_name_or_birth
    assert terms.problem == (
        "“02/30/1985” is not a date. Write a date of birth as 04/12/1985 or 1985-04-12."
    )


def test_names_split_on_spaces_and_commas_and_an_mrn_stays_whole() -> None:
    assert parse_patient_search("  Smith,  Pat ", today=TODAY).words == ("Smith", "Pat")
    assert parse_patient_search("CAT-00012", today=TODAY).words == ("CAT-00012",)


@pytest.fixture
def maria(personas: Personas) -> Patient:
    return cast(
        Patient,
        PatientFactory(
            clinic=personas.clinic,
            legal_first_name="Maria",
            legal_last_name="Okafor",
            preferred_name="Mia",
            medical_record_number="CLI-00042",
            date_of_birth=BORN,
        ),
    )


@pytest.fixture
def namesake_elsewhere(personas: Personas) -> Patient:
    """A patient of the other clinic with Maria's name, MRN and date of birth."""
    return cast(
        Patient,
        PatientFactory(
            clinic=personas.other_clinic,
            legal_first_name="Maria",
            legal_last_name="Okafor",
            medical_record_number="CLI-00042",
            date_of_birth=BORN,
        ),
    )


def _found(personas: Personas, search: str) -> list[Patient]:
    return list(patient_list_for_clinic(user=personas.fran, clinic=personas.clinic, search=search))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "search",
    [
        "okafor",
        "Maria Okafor",
        "Okafor, Maria",
        "mia okaf",
        "cli-00042",
        "1985-04-12",
        "04/12/1985",
        "okafor 4/12/1985",
        "12 Apr 1985",
    ],
)
def test_finds_the_patient_by_name_mrn_and_date_of_birth_only_at_the_acting_clinic(
    personas: Personas, maria: Patient, namesake_elsewhere: Patient, search: str
) -> None:
    assert _found(personas, search) == [maria]


@pytest.mark.django_db
@pytest.mark.parametrize("search", ["Maria Smith", "okafor 04/13/1985", "CLI-0004", "02/30/1985"])
def test_every_word_and_date_must_match(personas: Personas, maria: Patient, search: str) -> None:
    assert _found(personas, search) == []


@pytest.mark.django_db
def test_another_clinics_staff_never_reach_the_acting_clinics_patients(
    personas: Personas, maria: Patient
) -> None:
    with pytest.raises(PermissionRefused):
        patient_list_for_clinic(user=personas.charlie, clinic=personas.clinic, search="Okafor")


@pytest.mark.django_db
def test_a_search_is_audited_as_a_read_of_the_list_without_its_words(
    client_for, personas: Personas, maria: Patient
) -> None:
    client_for(personas.fran).get(reverse("patients:search"), {"q": "Okafor 04/12/1985"})
    event = AuditEvent.objects.get(action=AuditAction.PATIENT_LIST_VIEWED)
    assert event.actor_id == personas.fran.pk
    assert event.detail == {"search": True, "stage": ""}


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_the_search_box_and_its_page_follow_the_matrix_for_every_role(
    client_for, personas: Personas, maria: Patient, role: Role
) -> None:
    client = client_for(personas.staff_by_role()[role])
    may_list = role in PERMISSIONS[Action.PATIENT_LIST].roles
    assert (SEARCH_BOX in client.get(reverse("home")).content.decode()) is may_list
    response = client.get(reverse("patients:search"), {"q": "Okafor"})
    assert response.status_code == (200 if may_list else 403)
    if may_list:
        assert "CLI-00042" in response.content.decode()


@pytest.mark.django_db
def test_an_exact_mrn_opens_the_chart(client_for, personas: Personas, maria: Patient) -> None:
    response = client_for(personas.nina).get(reverse("patients:search"), {"q": " cli-00042 "})
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[maria.pk])


@pytest.mark.django_db
def test_another_clinics_mrn_opens_nothing(
    client_for, personas: Personas, namesake_elsewhere: Patient
) -> None:
    response = client_for(personas.nina).get(reverse("patients:search"), {"q": "CLI-00042"})
    assert response.status_code == 200
    assert "No patients match." in response.content.decode()


@pytest.mark.django_db
def test_a_name_goes_to_the_list_with_its_results(
    client_for, personas: Personas, maria: Patient
) -> None:
    PatientFactory(clinic=personas.clinic, legal_first_name="Marian", legal_last_name="Okafor")
    response = client_for(personas.nina).get(reverse("patients:search"), {"q": "mari okafor"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 patients match “mari okafor”." in page
    assert "Okafor, Maria<" in page
    assert "Okafor, Marian<" in page


@pytest.mark.django_db
def test_one_patient_found_by_name_is_listed_not_opened(
    client_for, personas: Personas, maria: Patient
) -> None:
    response = client_for(personas.nina).get(reverse("patients:search"), {"q": "Okafor"})
    assert response.status_code == 200
    assert "1 patient matches “Okafor”." in response.content.decode()


@pytest.mark.django_db
def test_the_patient_list_lists_an_mrn_rather_than_opening_it(
    client_for, personas: Personas, maria: Patient
) -> None:
    response = client_for(personas.nina).get(reverse("patients:list"), {"q": "CLI-00042"})
    assert response.status_code == 200
    assert "Okafor, Maria" in response.content.decode()


@pytest.mark.django_db
def test_a_date_that_does_not_exist_gets_a_clear_message(client_for, personas: Personas) -> None:
    response = client_for(personas.nina).get(reverse("patients:search"), {"q": "02/30/1985"})
    assert response.status_code == 200
    assert "is not a date. Write a date of birth as 04/12/1985 or 1985-04-12." in (
        response.content.decode()
    )


@pytest.mark.django_db
def test_the_search_results_query_count_does_not_grow_with_patients(
    client_for, personas: Personas, django_assert_num_queries
) -> None:
    PatientFactory.create_batch(30, clinic=personas.clinic, legal_last_name="Okafor")
    client = client_for(personas.fran)
    client.get(reverse("patients:list"))  # warm the session
    # session, user, memberships, MFA check, audit insert, count, a page of patients, and the
    # session save (savepoint, update, release)
    with django_assert_num_queries(10):
        response = client.get(reverse("patients:search"), {"q": "okafor 06/15/1985"})
    assert response.status_code == 200
    assert "30 patients match" in response.content.decode()


@pytest.mark.django_db
def test_someone_at_two_clinics_switches_in_the_navigation_and_searches_that_clinic(
    client_for, personas: Personas, maria: Patient, namesake_elsewhere: Patient
) -> None:
    MembershipFactory(user=personas.bob, clinic=personas.other_clinic, role=Role.PHYSICIAN)
    client = client_for(personas.bob)
    assert f'action="{reverse("clinic_switch")}"' in client.get(reverse("home")).content.decode()
    search = reverse("patients:search")
    assert client.get(search, {"q": "CLI-00042"})["Location"].endswith(f"/{maria.pk}/")
    client.post(reverse("clinic_switch"), {"clinic": personas.other_clinic.pk})
    opened = client.get(search, {"q": "CLI-00042"})["Location"]
    assert opened == reverse("patients:detail", args=[namesake_elsewhere.pk])
