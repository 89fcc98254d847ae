"""A model-based test of the ledger: hypothesis drives random sequences of receive, draw,
administer, waste, transfer, adjust, reverse and count through the services, and after every
step checks what an inspector relies on:

- every container's and every draw's balance equals the sum of its movements, and is never
  negative;
- every waste has a witness who is not the person who recorded it;
- every movement has its audit event.

Refusals (overdrawing, wasting more than is left) are part of the game: a refused step must
change nothing.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ketaclinic.audit.models import AuditAction, AuditEvent
from ketaclinic.core.errors import DomainError
from ketaclinic.inventory.models import Container, Draw, Movement, MovementKind
from ketaclinic.inventory.services import (
    container_draw,
    container_transfer,
    draw_administer,
    draw_waste,
    movement_reverse,
    stock_adjust,
)
from ketaclinic.inventory.tests.support import ketamine_50, receive, safe
from ketaclinic.scheduling.models import Appointment
from ketaclinic.testing.factories import PatientFactory
from ketaclinic.testing.personas import make_personas

pytestmark = pytest.mark.django_db


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs in its own transaction, rolled back at teardown.
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.personas = make_personas()
        self.product = ketamine_50(self.personas.clinic)
        self.locations = [safe(self.personas.clinic), safe(self.personas.clinic, "Cart")]
        now = datetime.datetime.now(tz=datetime.UTC)
        self.appointment = Appointment.objects.create(
            clinic=self.personas.clinic,
            patient=PatientFactory(clinic=self.personas.clinic),
            kind="iv_infusion",
            starts_at=now + datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=3),
            booked_by=self.personas.fran,
        )
        self.lots = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- helpers -----------------------------------------------------------------------------

    def _attempt(self, action: Any) -> None:
        """Run a step; a refusal must leave every balance as it was."""
        before = self._balances()
        try:
            with transaction.atomic():
                action()
        except DomainError:
            assert self._balances() == before

    def _balances(self) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        return (
            list(Container.objects.order_by("pk").values_list("pk", "balance")),
            list(Draw.objects.order_by("pk").values_list("pk", "balance")),
        )

    def _containers(self) -> list[Container]:
        return list(Container.objects.order_by("pk"))

    def _draws(self) -> list[Draw]:
        return list(Draw.objects.order_by("pk"))

    # --- rules -------------------------------------------------------------------------------

    @initialize()
    def first_receipt(self) -> None:
        self.receive_stock(count=1)

    @rule(count=st.integers(min_value=1, max_value=3))
    def receive_stock(self, count: int) -> None:
        self.lots += 1
        receive(self.personas, self.product, self.locations[0], count=count, lot=f"L{self.lots}")

    @rule(which=st.integers(min_value=0), millilitres=st.integers(min_value=1, max_value=12_000))
    def draw(self, which: int, millilitres: int) -> None:
        containers = self._containers()
        container = containers[which % len(containers)]
        self._attempt(
            lambda: container_draw(
                acting_user=self.personas.nina,
                container=container,
                quantity=millilitres,
                appointment=self.appointment,
            )
        )

    @rule(which=st.integers(min_value=0), amount=st.integers(min_value=1, max_value=5_000))
    def administer(self, which: int, amount: int) -> None:
        draws = self._draws()
        if draws:
            draw = draws[which % len(draws)]
            self._attempt(
                lambda: draw_administer(acting_user=self.personas.nina, draw=draw, quantity=amount)
            )

    @rule(
        which=st.integers(min_value=0),
        amount=st.integers(min_value=1, max_value=5_000),
        witness=st.sampled_from(["bob", "nina", "fran", "alice"]),
    )
    def waste(self, which: int, amount: int, witness: str) -> None:
        draws = self._draws()
        if draws:
            draw = draws[which % len(draws)]
            self._attempt(
                lambda: draw_waste(
                    acting_user=self.personas.nina,
                    draw=draw,
                    quantity=amount,
                    reason="Remainder",
                    witness=getattr(self.personas, witness),
                )
            )

    @rule(which=st.integers(min_value=0), where=st.integers(min_value=0, max_value=1))
    def transfer(self, which: int, where: int) -> None:
        containers = self._containers()
        container = containers[which % len(containers)]
        self._attempt(
            lambda: container_transfer(
                acting_user=self.personas.nina,
                container=container,
                to_location=self.locations[where],
            )
        )

    @rule(which=st.integers(min_value=0), delta=st.integers(min_value=-2_000, max_value=2_000))
    def adjust(self, which: int, delta: int) -> None:
        containers = self._containers()
        container = containers[which % len(containers)]
        self._attempt(
            lambda: stock_adjust(
                acting_user=self.personas.nina,
                container=container,
                delta=delta,
                reason="Count correction",
                approver=self.personas.bob,
            )
        )

    @rule(which=st.integers(min_value=0))
    def reverse(self, which: int) -> None:
        movements = list(
            Movement.objects.filter(
                kind__in=[MovementKind.ADMINISTRATION, MovementKind.WASTE, MovementKind.ADJUSTMENT]
            ).order_by("pk")
        )
        if movements:
            movement = movements[which % len(movements)]
            self._attempt(
                lambda: movement_reverse(
                    acting_user=self.personas.nina, movement=movement, reason="Correction"
                )
            )

    @rule()
    def count(self) -> None:
        """A perfect count: what the ledger says is what each container holds."""
        for container in self._containers():
            total = Movement.objects.filter(container=container).aggregate(
                total=Sum("container_delta")
            )["total"]
            assert container.balance == (total or 0)

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def balances_are_sums_of_movements_and_never_negative(self) -> None:
        sums = dict(
            Movement.objects.values("container")
            .annotate(total=Sum("container_delta"))
            .values_list("container", "total")
        )
        for pk, balance, received in Container.objects.values_list(
            "pk", "balance", "received_units"
        ):
            assert balance == sums.get(pk, 0)
            assert 0 <= balance <= received
        draw_sums = dict(
            Movement.objects.exclude(draw=None)
            .values("draw")
            .annotate(total=Sum("draw_delta"))
            .values_list("draw", "total")
        )
        for pk, balance, quantity in Draw.objects.values_list("pk", "balance", "quantity"):
            assert balance == draw_sums.get(pk, 0)
            assert 0 <= balance <= quantity

    @invariant()
    def every_waste_has_a_distinct_witness(self) -> None:
        for recorded_by, witness in Movement.objects.filter(kind=MovementKind.WASTE).values_list(
            "recorded_by", "witness"
        ):
            assert witness is not None
            assert witness != recorded_by

    @invariant()
    def every_movement_is_audited(self) -> None:
        movement_ids = {str(pk) for pk in Movement.objects.values_list("pk", flat=True)}
        audited = set(
            AuditEvent.objects.filter(action=AuditAction.INVENTORY_MOVEMENT).values_list(
                "object_id", flat=True
            )
        )
        assert movement_ids <= audited


LedgerMachine.TestCase.settings = settings(
    max_examples=25,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_the_ledger_holds_under_any_sequence_of_movements() -> None:
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(LedgerMachine, settings=LedgerMachine.TestCase.settings)
