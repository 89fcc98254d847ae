"""Saving intake: a draft keeps whatever is valid; submitting needs what eligibility needs; a
submitted intake changes only by amendment, a new version with its reason (the earlier ones are
kept whole). Who may change which fields is the permission matrix's (accounts/roles.py).

One module per seam: `entries` (the intake as an entry, read and written), `checks` (what a save
needs, which fields a role may change, the staff-only answers), `drafts` (saving and submitting),
`amendments` and `decisions` (the physician's signed decision and its addenda). The services are
imported from here.
"""

from ketaclinic.intake.services.amendments import AMENDMENT_REASON_NEEDED, intake_amend
from ketaclinic.intake.services.checks import (
    BASELINE_VITALS,
    PATIENT_ANSWER_NEEDED,
    STAFF_ONLY_FIELDS,
    SUBMITTING_IS_CLINICAL,
    intake_entry_problems,
)
from ketaclinic.intake.services.decisions import eligibility_addendum_add, eligibility_decide
from ketaclinic.intake.services.drafts import INTAKE_SENT_TO_CLINIC, intake_save
from ketaclinic.intake.services.entries import (
    IntakeChanges,
    IntakeEntry,
    MedicationEntry,
    TrialEntry,
    intake_entry_of,
)

__all__ = [
    "AMENDMENT_REASON_NEEDED",
    "BASELINE_VITALS",
    "INTAKE_SENT_TO_CLINIC",
    "PATIENT_ANSWER_NEEDED",
    "STAFF_ONLY_FIELDS",
    "SUBMITTING_IS_CLINICAL",
    "IntakeChanges",
    "IntakeEntry",
    "MedicationEntry",
    "TrialEntry",
    "eligibility_addendum_add",
    "eligibility_decide",
    "intake_amend",
    "intake_entry_of",
    "intake_entry_problems",
    "intake_save",
]
