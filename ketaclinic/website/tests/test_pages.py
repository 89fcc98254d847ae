"""The public pages: the clinic's own details on every page, plain facts, nothing from elsewhere."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ketaclinic.clinics.models import Clinic
from ketaclinic.testing.factories import ClinicFactory

pytestmark = pytest.mark.django_db

PAGES = ["home", "ketamine_therapy", "conditions", "what_to_expect", "safety", "contact"]


class _PageParser(HTMLParser):
    """Collects what a page loads or links to, and anything the CSP would refuse to run."""

    def __init__(self) -> None:
        super().__init__()
        self.addresses: list[str] = []
        self.inline_scripts = 0
        self.style_attributes = 0
        self.style_elements = 0
        self.body_classes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        for name in ("src", "href", "action", "srcset", "poster", "data"):
            if attributes.get(name):
                self.addresses.append(str(attributes[name]))
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1
        if "style" in attributes:
            self.style_attributes += 1
        if tag == "body":
            self.body_classes = str(attributes.get("class") or "").split()


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("page", PAGES)
def test_every_page_shows_the_clinic_from_its_record(
    client: Client, clinic: Clinic, page: str
) -> None:
    response = client.get(reverse(f"website:{page}"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Catalyst Clinic" in html
    assert "1450 Larimer Street" in html
    assert "Denver, CO 80202" in html
    assert "(303) 555-0142" in html
    assert "Monday–Friday" in html
    assert "7:00 AM–6:00 PM" in html
    assert "8:00 AM–1:00 PM" in html


@pytest.mark.parametrize("page", PAGES)
def test_every_page_tells_someone_in_crisis_where_to_turn(
    client: Client, clinic: Clinic, page: str
) -> None:
    html = client.get(reverse(f"website:{page}")).content.decode()
    assert 'call or text <a href="tel:988"><strong>988</strong></a>' in html
    assert "911" in html


@pytest.mark.parametrize("page", PAGES)
def test_pages_load_nothing_from_another_site_and_run_no_inline_code(
    client: Client, clinic: Clinic, page: str
) -> None:
    parsed = _parse(client.get(reverse(f"website:{page}")).content.decode())
    outside = [
        address
        for address in parsed.addresses
        if address.startswith(("http:", "https:", "//")) or "://" in address
    ]
    assert outside == []
    assert parsed.addresses, "the parser found the page's links"
    assert parsed.inline_scripts == 0
    assert parsed.style_attributes == 0
    assert parsed.style_elements == 0
    assert "public" in parsed.body_classes


@pytest.mark.parametrize("page", PAGES)
def test_every_page_links_to_every_other_page_the_portal_and_staff_sign_in(
    client: Client, clinic: Clinic, page: str
) -> None:
    addresses = _parse(client.get(reverse(f"website:{page}")).content.decode()).addresses
    for other in PAGES:
        assert reverse(f"website:{other}") in addresses
    assert "/portal/" in addresses
    assert reverse("account_login") in addresses


def test_the_home_page_lives_at_the_root(clinic: Clinic) -> None:
    assert reverse("website:home") == "/"


def _site_text(client: Client) -> str:
    return " ".join(client.get(reverse(f"website:{page}")).content.decode() for page in PAGES)


@pytest.mark.parametrize(
    "phrase",
    [
        # what it is, and why it is legitimate medicine
        "FDA-approved anesthetic since 1970",
        "off-label",
        "Esketamine nasal spray (Spravato)",
        "FDA-approved</strong> for adults with treatment-resistant depression",
        # conditions
        "Treatment-resistant depression",
        "Anxiety",
        "PTSD",
        "OCD",
        "suicidal thoughts",
        "Substance use disorders",
        "Chronic pain",
        # how it works
        'id="how-it-works"',
        "glutamate",
        # a session
        "IV line",
        "blood pressure, heart rate and oxygen",
        "about 40 minutes",
        "30 to 60 minutes",
        "drives you home",
        "until the next day",
        # how many, and combined care
        "6 to 12 infusions over 2 to 3 weeks",
        "booster infusions",
        'id="combined-care"',
        "Talk therapy",
        "current medications",
        # side effects
        "Dizziness",
        "drowsiness",
        "Nausea",
        "vomiting",
        "Dissociation",
        "Raised blood pressure",
        "short-lived",
    ],
)
def test_the_site_explains_the_treatment_plainly(
    client: Client, clinic: Clinic, phrase: str
) -> None:
    assert phrase.lower() in _site_text(client).lower()


@pytest.mark.parametrize("overclaim", ["cure for", "guaranteed", "100%", "miracle", "risk-free"])
def test_the_site_makes_no_promises_medicine_cannot_keep(
    client: Client, clinic: Clinic, overclaim: str
) -> None:
    assert overclaim not in _site_text(client).lower()


def test_the_site_shows_the_clinic_named_in_settings(client: Client, settings: Any) -> None:
    ClinicFactory(name="First Clinic", slug="first")
    ClinicFactory(name="Boulder Clinic", slug="boulder", phone="(303) 555-0199")
    settings.PUBLIC_CLINIC_SLUG = "boulder"
    html = client.get(reverse("website:home")).content.decode()
    assert "Boulder Clinic" in html
    assert "(303) 555-0199" in html
    assert "First Clinic" not in html


@pytest.mark.parametrize("page", PAGES)
def test_pages_still_render_before_any_clinic_is_set_up(client: Client, page: str) -> None:
    response = client.get(reverse(f"website:{page}"))
    assert response.status_code == 200
    assert "988" in response.content.decode()


def test_a_clinic_without_hours_on_record_asks_people_to_call(client: Client) -> None:
    ClinicFactory(name="New Clinic")
    html = client.get(reverse("website:home")).content.decode()
    assert "Please call us for our opening hours." in html
    assert "Closed" not in html


def test_the_current_page_is_marked_in_the_navigation(client: Client, clinic: Clinic) -> None:
    html = client.get(reverse("website:conditions")).content.decode()
    assert f'aria-current="page" href="{reverse("website:conditions")}"' in html


@pytest.mark.parametrize("page", ["home", "conditions", "thank_you"])
def test_public_pages_refuse_other_methods(client: Client, clinic: Clinic, page: str) -> None:
    assert client.post(reverse(f"website:{page}")).status_code == 405
