"""The dashboard figures over the API (analytics/api.py): every role, the known month's figures
(analytics/tests/support.py) with their counts, and refusals in the error shape."""

from __future__ import annotations

import pytest
from django.test import Client

from ketaclinic.accounts.roles import Role
from ketaclinic.analytics.tests.support import known_month
from ketaclinic.api.tests.support import assert_error_shape, get, token_for
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db

MARCH = "?date_from=2025-03-01&date_to=2025-03-31"
DASHBOARD_ROLES = {Role.MEDICAL_DIRECTOR, Role.PHYSICIAN, Role.CLINIC_ADMIN, Role.AUDITOR}


@pytest.mark.parametrize("role", list(Role))
def test_api_figures_access_for_every_role(client: Client, personas: Personas, role: Role) -> None:
    known_month(personas)
    token = token_for(personas, personas.staff_by_role()[role])
    response = get(client, "dashboard" + MARCH, token)
    if role not in DASHBOARD_ROLES:
        assert response.status_code == 403
        return
    assert response.status_code == 200
    body = response.json()
    assert body["no_shows"] == {"numerator": 1, "denominator": 13, "value": "7.7"}
    assert body["outcomes_overall"]["responded"] == {
        "numerator": 2,
        "denominator": 3,
        "value": "66.7",
    }
    assert body["median_infusions_to_response"] == "1.5"


def test_api_refuses_a_backwards_period(client: Client, personas: Personas) -> None:
    token = token_for(personas, personas.bob)
    response = get(client, "dashboard?date_from=2025-03-31&date_to=2025-03-01", token)
    assert response.status_code == 400
    body = assert_error_shape(response, "invalid_input")
    assert body["error"]["fields"] == {"date_to": ["Before date_from."]}
