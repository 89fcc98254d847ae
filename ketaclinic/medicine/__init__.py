"""Pure clinical knowledge: dosing, scores, eligibility, alarms, recovery, courses, PK (issue 3)."""
