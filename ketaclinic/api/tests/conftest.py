"""Three vials of ketamine received into the main safe (`stock`), as the inventory tests have it,
for the count and report endpoints."""

from __future__ import annotations

from ketaclinic.inventory.tests.support import stock as stock
