"""The independent double check is blind over the API too: a mismatch is a 400 naming the fields,
never the prepared values, and until the dose is verified the session's dose figures the
verifier reads are withheld from anyone but the preparer."""

from __future__ import annotations

from typing import Any

import pytest

from ketaclinic.api.tests.support import get, post, token_for
from ketaclinic.charting.tests.support import at_appointment, booked_infusion
from ketaclinic.charting.tests.test_blind_verification import (
    WARNING,
    assert_shows_nothing_prepared,
    prepared_unverified,
    with_warning,
)
from ketaclinic.testing.personas import Personas

pytestmark = pytest.mark.django_db


def test_the_api_answers_a_mismatch_and_the_verifiers_read_blind(
    client: Any, personas: Personas
) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session, _ = prepared_unverified(personas, appointment)
        bob, nina = token_for(personas, personas.bob), token_for(personas, personas.nina)
        path = f"sessions/{session.pk}"
        wrong = post(client, f"{path}/dose/verify", {"dose_mg": "40", "rate_ml_per_h": "150"}, bob)
        assert wrong.status_code == 400
        assert_shows_nothing_prepared(wrong.content.decode())
        blind = get(client, path, bob).json()["dose"]
        assert blind["is_blinded"] is True
        assert blind["dose_mg"] is None
        assert blind["rate_ml_per_h"] is None
        assert_shows_nothing_prepared(str(blind))
        assert get(client, path, nina).json()["dose"]["dose_mg"] == "35.00"
        right = {"dose_mg": "35", "rate_ml_per_h": "151.1"}
        verified = post(client, f"{path}/dose/verify", right, bob)
        assert verified.status_code == 200, verified.json()
        assert verified.json()["is_blinded"] is False
        assert get(client, path, bob).json()["dose"]["dose_mg"] == "35.00"


def test_the_api_withholds_the_warnings_while_blinded(client: Any, personas: Personas) -> None:
    appointment = booked_infusion(personas)
    with at_appointment(appointment):
        session, preparation = prepared_unverified(personas, appointment)
        with_warning(preparation)
        path = f"sessions/{session.pk}"
        blind = get(client, path, token_for(personas, personas.bob)).json()["dose"]
        assert blind["is_blinded"] is True
        assert blind["warnings"] == []
        assert "Total 35 mg" not in str(blind)
        preparer = get(client, path, token_for(personas, personas.nina)).json()["dose"]
        assert preparer["warnings"] == [WARNING]
