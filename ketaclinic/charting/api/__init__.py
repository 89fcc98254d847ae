"""REST endpoints for the session day: the day board, one session with its checklist and dose,
and every write a nurse or physician makes at the chair — check-in, checklist, weight, escort,
override, dose preparation and independent verification, pump events and esketamine devices,
vital signs and alarms, side effects and PRNs, scores, the controlled-substance record,
discharge and the signed note.

Thin: the charting services decide everything (permissions, clinical rules, idempotency) and
audit their writes; these views look rows up within the acting clinic (another clinic's session
is a 404), check the role before reading the body, and shape the answers. Reading a session is
a read of the patient's chart (`patient.chart_view`), recorded as `session.viewed`.

Rows a tablet may send twice (pump events, devices, vital signs, side effects, PRNs) take an
`Idempotency-Key` header: the same key again answers 200 with the row already stored, 201 the
first time; the same key with other values is a 409. The service says which (`is_retry` on the
row it returns), so retries racing each other answer 201 once and 200 for the others.

Every decimal in a body is a `StrictDecimalField`: a JSON number or a plain decimal string.
"""
