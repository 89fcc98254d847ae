"""The clinic dashboard's figures, read in a fixed number of aggregate queries.

Definitions (shown on the page too, so a reader knows what a number counts):
- Period: from the first day 00:00 to the day after the last day 00:00, in the clinic's time zone.
- Infusion given: a treatment session that was discharged (a session stopped before the drug was
  given is "not given" and counts nowhere here).
- Course cohort: courses whose first given infusion falls in the period.
- Outcome (PHQ-9, CLINICAL.md §9.3), as on each patient's outcome page (care/course_outcome.py):
  baseline = `medicine.outcomes.baseline_score`, the last PHQ-9 completed before the first
  infusion started and within the clinic's baseline window (clinic rules
  `outcomes.baseline_window_days`, 30 days by default), stated here in the query; latest = the
  last PHQ-9 after it, up to the end of the period and before the patient's next course was
  signed (from then on the scores are the next course's). `medicine/outcomes` classifies the
  pair; "responded" counts response or remission, "remitted" remission only. Courses without
  both scores, or with a baseline of 0, are not measured (not in N).
- Infusions to response (`medicine.outcomes.infusions_to_response`, as on the outcome page): the
  course's given infusions started before its first PHQ-9 after infusion 1 that is a response or
  remission from its baseline (a total at or below `highest_responding_score`), within the same
  bounds as the latest. The median is over the measured courses that reached a response, even
  if their latest score is no longer one.
- Induction completion: of cohort courses whose induction has ended (maintenance, completed or
  stopped), those given at least their target number of infusions.
- Side effects and alarms per 100 infusions given in the period.
- No-show rate: no-shows among appointments in the period that were attended or missed.
- Chair utilisation: minutes of chair appointments (not cancelled) in the period over the open
  minutes of the clinic's active chairs (opening hours, less closure days).

Classification happens in Python through `medicine/outcomes.classify_outcome`, once per distinct
(baseline, score) pair, never once per course.

Each course's facts (first infusion, infusions given, baseline, latest, infusions to response)
are stored in its `CourseOutcomeSummary`, kept equal to `course_facts.course_facts_live` by
`analytics.course_summaries` in the transaction of every change to the course, its sessions or its
patient's PHQ-9 scores and courses; the cohort's figures are grouped from those rows in the
database (a few hundred groups at 158,000 courses), and a course whose summary cannot answer the
period (none yet, another baseline window, scores after the period's end) is recomputed live.

One module per seam: `common` (filters, rates, labels), `course_facts` (a course's facts read
live), `course_outcomes` (the cohort's outcomes), `throughput` (activity, no-shows and chairs),
`figures` (the dashboard's figures together) and `figures_csv` (them as CSV rows). Everything is
imported from here.
"""

from ketaclinic.analytics.selectors.common import (
    DashboardFilters,
    Rate,
    dashboard_clinics_for_user,
    indication_label,
    protocol_label,
)
from ketaclinic.analytics.selectors.course_outcomes import (
    INDUCTION_ENDED,
    OUTCOME_INSTRUMENT,
    CourseOutcomeRow,
    OutcomeGroup,
    dashboard_course_outcomes,
)
from ketaclinic.analytics.selectors.figures import DashboardFigures, dashboard_figures
from ketaclinic.analytics.selectors.figures_csv import figures_csv_rows
from ketaclinic.analytics.selectors.throughput import StageCount

__all__ = [
    "INDUCTION_ENDED",
    "OUTCOME_INSTRUMENT",
    "CourseOutcomeRow",
    "DashboardFigures",
    "DashboardFilters",
    "OutcomeGroup",
    "Rate",
    "StageCount",
    "dashboard_clinics_for_user",
    "dashboard_course_outcomes",
    "dashboard_figures",
    "figures_csv_rows",
    "indication_label",
    "protocol_label",
]
