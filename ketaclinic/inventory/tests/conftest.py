"""Three vials of ketamine received into the main safe (`stock`), for the count tests."""

from __future__ import annotations

from ketaclinic.inventory.tests.support import stock as stock
