"""The session day's reads: the checklist as it stands, discharge readiness, the timeline, the
live chart's data, the day board and the generated note. Each in a fixed number of queries.

One module per seam: `common` (the route, names and figures, an early stop), `checklist`,
`recovery` (observation and discharge readiness), `session` (the session page: the session, its
timeline, open alarms, the next reading due), `live_chart`, `board` (the day board and the notes
to sign), `note` (the generated note), `patient_chart` (a patient's chart in one read: the
patient, the current course, the newest sessions with their readings), `rems` (the monitoring
form's fields) and `session_rows` (the charted rows the session's endpoints read back:
readings, alarms, side effects, PRNs, the dose being prepared, the signed note). A selector
reads and never writes: nothing here imports `charting.services` (an import-linter contract),
and what both need (`MANUAL_ITEMS`) lives on this side. The selectors are imported from here.
"""

from ketaclinic.charting.selectors.board import (
    BoardChair,
    BoardRow,
    BoardStatus,
    day_board,
    notes_to_sign,
)
from ketaclinic.charting.selectors.checklist import (
    MANUAL_ITEMS,
    ChecklistRow,
    SessionChecklist,
    checklist_for_session,
    pregnancy_test_applies,
)
from ketaclinic.charting.selectors.common import route_of
from ketaclinic.charting.selectors.live_chart import chart_data_for_session
from ketaclinic.charting.selectors.note import session_note_text
from ketaclinic.charting.selectors.patient_chart import (
    CHART_SESSIONS_DEFAULT,
    CHART_SESSIONS_MAX,
    ChartAlarm,
    ChartCourse,
    ChartReading,
    ChartSession,
    PatientChart,
    patient_chart_get,
)
from ketaclinic.charting.selectors.recovery import (
    discharge_readiness_for_session,
    observation_ends_at,
    observation_minutes,
)
from ketaclinic.charting.selectors.rems import (
    RemsFormFields,
    rems_form_fields,
    rems_forms_for_clinic,
)
from ketaclinic.charting.selectors.session import (
    TimelineEntry,
    open_alarms,
    session_get,
    session_timeline,
    vitals_due_at,
)
from ketaclinic.charting.selectors.session_rows import (
    dose_preparation_get,
    prn_dose_with_responses,
    session_alarm_get_for_clinic,
    session_note_get_for_session,
    session_note_with_addenda,
    side_effect_get_for_clinic,
    side_effect_get_for_session,
    vital_sign_reading_list_for_session,
    vital_sign_reading_with_alarms,
)

__all__ = [
    "CHART_SESSIONS_DEFAULT",
    "CHART_SESSIONS_MAX",
    "MANUAL_ITEMS",
    "BoardChair",
    "BoardRow",
    "BoardStatus",
    "ChartAlarm",
    "ChartCourse",
    "ChartReading",
    "ChartSession",
    "ChecklistRow",
    "PatientChart",
    "RemsFormFields",
    "SessionChecklist",
    "TimelineEntry",
    "chart_data_for_session",
    "checklist_for_session",
    "day_board",
    "discharge_readiness_for_session",
    "dose_preparation_get",
    "notes_to_sign",
    "observation_ends_at",
    "observation_minutes",
    "open_alarms",
    "patient_chart_get",
    "pregnancy_test_applies",
    "prn_dose_with_responses",
    "rems_form_fields",
    "rems_forms_for_clinic",
    "route_of",
    "session_alarm_get_for_clinic",
    "session_get",
    "session_note_get_for_session",
    "session_note_text",
    "session_note_with_addenda",
    "session_timeline",
    "side_effect_get_for_clinic",
    "side_effect_get_for_session",
    "vital_sign_reading_list_for_session",
    "vital_sign_reading_with_alarms",
    "vitals_due_at",
]
