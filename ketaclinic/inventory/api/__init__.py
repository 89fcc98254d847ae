"""REST endpoints for the Schedule III stock (issue 6), through the same services and reads as
the staff stock, count and report pages.

- `views_stock`: products, locations, lots, and containers with their balances.
- `views_movements`: the ledger's movements, and the writes a session needs — a receipt, a draw,
  what was administered, and the waste of the rest before a witness.
- `views_counts`: counts of a location and the initial and biennial inventories.
- `views_discrepancies`: the discrepancies counts and large corrections open, worked through
  findings, the DEA notice, Form 106 and resolution.
- `views_reports`: the five reports, as JSON tables or the main table as CSV.

Amounts in: millilitres for a vial (to 0.001 mL) or whole devices for a kit, turned into the
ledger's base units by `inventory.services.units_from_amount`, which refuses rather than rounds.
Amounts out: both, the base units (`*_units`: microlitres or devices, exact integers) and the
amount in the product's unit. A witness or an approver signs in the body with their own password,
checked like a sign-in, as on the staff pages: a token acts as one person, so it cannot also be
the second person's signature. Request bodies and query parameters are in `inputs`, responses in
`outputs`, the named enums in `fields`.
"""
