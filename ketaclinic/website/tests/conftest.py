"""The public site's clinic, and a clean rate-limit cache for every test."""

from __future__ import annotations

import datetime
from typing import cast

import pytest

from ketaclinic.clinics.models import Clinic, OpeningHours
from ketaclinic.testing.cache import empty_cache as empty_cache
from ketaclinic.testing.factories import ClinicFactory


@pytest.fixture
def clinic(db: None) -> Clinic:
    """Catalyst Clinic as the demo has it: open weekdays 7 to 6 and Saturday mornings."""
    clinic = cast(
        Clinic,
        ClinicFactory(
            name="Catalyst Clinic",
            slug="catalyst-denver",
            address_line1="1450 Larimer Street",
            address_line2="Suite 300",
            city="Denver",
            state="CO",
            postal_code="80202",
            phone="(303) 555-0142",
            email="hello@catalyst.example",
        ),
    )
    for weekday in range(5):
        OpeningHours.objects.create(
            clinic=clinic,
            weekday=weekday,
            opens_at=datetime.time(7),
            closes_at=datetime.time(18),
        )
    OpeningHours.objects.create(
        clinic=clinic, weekday=5, opens_at=datetime.time(8), closes_at=datetime.time(13)
    )
    return clinic
