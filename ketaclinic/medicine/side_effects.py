"""Side effects charted in a session, and the PRN drugs offered for each (CLINICAL.md §6.5,
§5.4).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketaclinic.medicine.medications import (
    Medication,
    MedicationRoute,
    MedicationUnit,
    medication_get,
)


class SideEffectKind(StrEnum):
    NAUSEA = "nausea"
    VOMITING = "vomiting"
    DIZZINESS = "dizziness"
    SEDATION = "sedation"
    DISSOCIATION = "dissociation"
    ANXIETY = "anxiety"
    HEADACHE = "headache"
    HYPERTENSION = "hypertension"
    TACHYCARDIA = "tachycardia"
    DESATURATION = "desaturation"
    HYPERSALIVATION = "hypersalivation"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _SIDE_EFFECT_LABELS[self]


_SIDE_EFFECT_LABELS = {
    SideEffectKind.NAUSEA: "Nausea",
    SideEffectKind.VOMITING: "Vomiting",
    SideEffectKind.DIZZINESS: "Dizziness",
    SideEffectKind.SEDATION: "Drowsiness or sedation",
    SideEffectKind.DISSOCIATION: "Dissociation or hallucinations",
    SideEffectKind.ANXIETY: "Anxiety or emergence reaction",
    SideEffectKind.HEADACHE: "Headache",
    SideEffectKind.HYPERTENSION: "Elevated blood pressure",
    SideEffectKind.TACHYCARDIA: "Tachycardia",
    SideEffectKind.DESATURATION: "Low oxygen saturation",
    SideEffectKind.HYPERSALIVATION: "Hypersalivation",
    SideEffectKind.OTHER: "Other",
}


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class SideEffectAction(StrEnum):
    NONE = "none"
    SLOW = "slow"
    PAUSE = "pause"
    STOP = "stop"
    PRN = "prn"


# What was done for a side effect, in the words a nurse writes mid-sentence ("nausea (mild), PRN
# given"): the stored values ("prn") are codes, never shown.
SIDE_EFFECT_ACTION_WORDS: dict[str, str] = {
    SideEffectAction.NONE: "no action",
    SideEffectAction.SLOW: "slowed",
    SideEffectAction.PAUSE: "paused",
    SideEffectAction.STOP: "stopped",
    SideEffectAction.PRN: "PRN given",
}


@dataclass(frozen=True)
class PrnSuggestion:
    """A PRN offered for a side effect: the drug's usual lowest dose from `medications`' table
    (one source for §5.4's doses), by `route`, for `for_kinds`."""

    drug: str
    route: MedicationRoute
    for_kinds: frozenset[SideEffectKind]
    source: str

    @property
    def medication(self) -> Medication:
        medication = medication_get(self.drug)
        assert medication is not None, self.drug  # every suggestion is in the table
        return medication

    @property
    def dose(self) -> Decimal:
        return self.medication.usual_low_mg

    @property
    def unit(self) -> str:
        return MedicationUnit.MG.value  # the table is in mg


# §5.4 [PRACTICE/RECALL]: institution-specific; the lowest dose of each published range.
PRN_SUGGESTIONS: tuple[PrnSuggestion, ...] = (
    PrnSuggestion(
        "ondansetron",
        MedicationRoute.IV,
        frozenset({SideEffectKind.NAUSEA, SideEffectKind.VOMITING}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "clonidine",
        MedicationRoute.PO,
        frozenset({SideEffectKind.HYPERTENSION}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "labetalol",
        MedicationRoute.IV,
        frozenset({SideEffectKind.HYPERTENSION, SideEffectKind.TACHYCARDIA}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "midazolam",
        MedicationRoute.IV,
        frozenset({SideEffectKind.ANXIETY}),
        "CLINICAL.md §5.4 (Ketalar PI: benzodiazepines reduce emergence reactions)",
    ),
    PrnSuggestion(
        "glycopyrrolate",
        MedicationRoute.IV,
        frozenset({SideEffectKind.HYPERSALIVATION}),
        "CLINICAL.md §5.4",
    ),
    PrnSuggestion(
        "metoprolol tartrate",
        MedicationRoute.PO,
        frozenset({SideEffectKind.TACHYCARDIA}),
        "CLINICAL.md §5.4",
    ),
)


def prn_suggestions_for(kind: SideEffectKind) -> tuple[PrnSuggestion, ...]:
    """The PRN drugs §5.4 lists for a side effect, in the table's order (may be none)."""
    return tuple(suggestion for suggestion in PRN_SUGGESTIONS if kind in suggestion.for_kinds)
