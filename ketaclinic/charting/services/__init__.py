"""The session day's writes: check-in, checklist, dose, pump and devices, vitals and alarms, side
effects and PRNs, scores, the controlled-substance record, discharge and the signed note.

Every service takes the acting user, checks the permission and the clinical preconditions
(`medicine/` decides; this package only asks), writes in one transaction with its audit event,
and refuses with a message a nurse understands. Rows a tablet may send twice carry an
idempotency key and go through one retry path, `common._sent_once`: the same key with the same
values returns the row already stored (marked `is_retry`), with other values it is refused.
Changes to the session row itself are made under its row lock, so two nurses charting at once
never overwrite each other.

Times: any charted time may be given (a late entry keeps its true time) but not in the future
and not before check-in; the session clock (minute 0) is the pump start or the first esketamine
device.

One module per seam: `common` (the row lock, the open / unsigned checks, charted times, the
retry path, the audit event), `checklist` (check-in, the pre-infusion checklist, weight, escort,
the physician's override), `dose` (preparation, the blind double check, discard), `administration`
(pump events, esketamine devices, the controlled-substance record), `vitals` (readings, alarms
and their escalation), `effects` (side effects and PRNs), `discharge` (recovery scores,
discharge, a treatment not given), `notes` (signing and addenda) and `rems` (the esketamine
monitoring form). Reads go through `charting.selectors`, which never imports this package. The
services are imported from here.
"""

from ketaclinic.charting.services.administration import (
    controlled_substance_reconcile,
    device_administer,
    pump_event_record,
)
from ketaclinic.charting.services.checklist import (
    checklist_answer,
    checklist_override,
    session_check_in,
    session_escort_confirm,
    session_measurements_record,
)
from ketaclinic.charting.services.common import (
    CLOCK_SKEW,
    charted_time,
    session_minute,
    session_reference,
)
from ketaclinic.charting.services.discharge import (
    POST_SESSION_FORM,
    session_discharge,
    session_not_given,
    session_score_record,
)
from ketaclinic.charting.services.dose import (
    active_preparation,
    dose_discard,
    dose_prepare,
    dose_verify,
)
from ketaclinic.charting.services.effects import (
    prn_record,
    prn_response_record,
    side_effect_record,
    side_effect_resolve,
)
from ketaclinic.charting.services.notes import session_addendum_add, session_note_sign
from ketaclinic.charting.services.rems import rems_form_mark_submitted, rems_form_update
from ketaclinic.charting.services.vitals import (
    ESCALATION_JOB,
    alarm_acknowledge,
    alarms_escalate_overdue,
    vitals_record,
)

# The instruments `session_score_record` scores, named here for the API's score endpoint.
from ketaclinic.medicine.recovery import SESSION_INSTRUMENTS

__all__ = [
    "CLOCK_SKEW",
    "ESCALATION_JOB",
    "POST_SESSION_FORM",
    "SESSION_INSTRUMENTS",
    "active_preparation",
    "alarm_acknowledge",
    "alarms_escalate_overdue",
    "charted_time",
    "checklist_answer",
    "checklist_override",
    "controlled_substance_reconcile",
    "device_administer",
    "dose_discard",
    "dose_prepare",
    "dose_verify",
    "prn_record",
    "prn_response_record",
    "pump_event_record",
    "rems_form_mark_submitted",
    "rems_form_update",
    "session_addendum_add",
    "session_check_in",
    "session_discharge",
    "session_escort_confirm",
    "session_measurements_record",
    "session_minute",
    "session_not_given",
    "session_note_sign",
    "session_reference",
    "session_score_record",
    "side_effect_record",
    "side_effect_resolve",
    "vitals_record",
]
