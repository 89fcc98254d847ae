"""Every movement of Schedule III stock (CLINICAL.md §11), and nothing else writes the ledger.

Each service locks the rows whose balances it changes (the container, then the draw), checks the
rule in words a nurse understands, writes one append-only `Movement`, moves the balances by the
same amounts with F() expressions, and records the audit event, all in one transaction. The
database refuses a negative balance too (a check constraint), so two nurses drawing from one vial
at once can never overdraw it: the second waits for the first's lock and then sees what is left.

Every balance is bounded above as well: no entry fills a container past what it was received with
(`Container.received_units`, also a check constraint), and no draw holds more than was drawn. A
correction (an adjustment, or a reversal) that moves a container by more than
`LARGE_CORRECTION_PERCENT` of what it was received with opens a discrepancy to investigate.

One module per seam: `ledger` (writing a movement, amounts, locks, witnesses), `receipts`,
`draws` (a session's draw, administration and waste), `removals` (transfer, return, destruction,
breakage) and `corrections` (adjustments and reversals). The services are imported from here.
"""

from ketaclinic.inventory.services.corrections import (
    LARGE_CORRECTION_PERCENT,
    REVERSIBLE,
    is_large_correction,
    movement_reverse,
    stock_adjust,
)
from ketaclinic.inventory.services.draws import container_draw, draw_administer, draw_waste
from ketaclinic.inventory.services.ledger import units_from_amount
from ketaclinic.inventory.services.receipts import MAX_CONTAINERS_PER_RECEIPT, stock_receive
from ketaclinic.inventory.services.removals import (
    breakage_record,
    container_destroy,
    container_return,
    container_transfer,
)

__all__ = [
    "LARGE_CORRECTION_PERCENT",
    "MAX_CONTAINERS_PER_RECEIPT",
    "REVERSIBLE",
    "breakage_record",
    "container_destroy",
    "container_draw",
    "container_return",
    "container_transfer",
    "draw_administer",
    "draw_waste",
    "is_large_correction",
    "movement_reverse",
    "stock_adjust",
    "stock_receive",
    "units_from_amount",
]
