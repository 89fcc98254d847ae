"""Two nurses drawing from one vial at the same moment can never overdraw it: with real
concurrent transactions on PostgreSQL, exactly the draws that fit succeed, repeated many times."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from ketaclinic.core.errors import PreconditionFailed
from ketaclinic.inventory.models import Container, Draw, Movement
from ketaclinic.inventory.services import container_draw
from ketaclinic.inventory.tests.support import infusion, ketamine_50, receive, safe
from ketaclinic.testing.personas import make_personas

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite runs one writer at a time"
)


def _race(workers: int, draw: Any) -> list[str]:
    barrier = threading.Barrier(workers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=10)
            draw()
            result = "drawn"
        except PreconditionFailed:
            result = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(10))
def test_two_nurses_drawing_the_last_of_a_vial_at_once(repetition: int) -> None:
    personas = make_personas()
    vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
    appointment = infusion(personas)
    # 10 mL in the vial; each nurse draws 6 mL: exactly one can.
    outcomes = _race(
        2,
        lambda: container_draw(
            acting_user=personas.nina, container=vial, quantity=6_000, appointment=appointment
        ),
    )
    assert sorted(outcomes) == ["drawn", "refused"]
    vial.refresh_from_db()
    assert vial.balance == 4_000
    assert Draw.objects.count() == 1
    assert (
        sum(Movement.objects.filter(container=vial).values_list("container_delta", flat=True))
        == 4_000
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("repetition", range(5))
def test_many_draws_at_once_take_exactly_what_is_there(repetition: int) -> None:
    personas = make_personas()
    vial = receive(personas, ketamine_50(personas.clinic), safe(personas.clinic), count=1)[0]
    appointment = infusion(personas)
    # Six draws of 3 mL race for 10 mL: exactly three succeed, 1 mL is left.
    outcomes = _race(
        6,
        lambda: container_draw(
            acting_user=personas.nina, container=vial, quantity=3_000, appointment=appointment
        ),
    )
    assert outcomes.count("drawn") == 3
    assert outcomes.count("refused") == 3
    vial.refresh_from_db()
    assert vial.balance == 1_000
    assert Container.objects.get(pk=vial.pk).balance == sum(
        Movement.objects.filter(container=vial).values_list("container_delta", flat=True)
    )
