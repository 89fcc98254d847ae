"""Kinds of visit and how long each holds a patient (and a chair): CLINICAL.md §2.1, §2.7, §2.8,
§7.1, and the appointment types of the scheduling design.

Each kind is timed as (preparation, treatment, recovery) minutes. An IV depression infusion runs
40 minutes (§2.1) with 30–60 minutes of observation (§7.1: "a 30–60 min recovery default for IV
ketamine is consistent with these"); esketamine needs at least 2 hours of observation after the
last device (§7.1 [FIRM], SPRAVATO PI), the devices 5 minutes apart (§2.8); a pain infusion
runs hours (§2.7: "five 4-h infusions", ~1 h recovery, §7.1).
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass
from enum import StrEnum

from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.protocols import DoseUnit, Protocol


class VisitKind(StrEnum):
    CONSULT = "consult"
    IV_INFUSION = "iv_infusion"
    PAIN_INFUSION = "pain_infusion"
    ESKETAMINE = "esketamine"
    BOOSTER = "booster"
    THERAPY = "therapy"
    FOLLOW_UP = "follow_up"
    TELEHEALTH = "telehealth"


# Each kind as refusals name it (the scheduling app's labels): the rule's keys are not words.
_VISIT_WORDS = {
    VisitKind.CONSULT: "Consultation",
    VisitKind.IV_INFUSION: "IV ketamine infusion",
    VisitKind.PAIN_INFUSION: "Pain infusion",
    VisitKind.ESKETAMINE: "Esketamine session",
    VisitKind.BOOSTER: "Booster infusion",
    VisitKind.THERAPY: "Therapy / integration",
    VisitKind.FOLLOW_UP: "Follow-up",
    VisitKind.TELEHEALTH: "Telehealth consultation",
}

# Kinds in which the patient receives ketamine: they take a chair, count against the course's
# interval and weekly limits (§8), and need the patient driven home (§7.2).
TREATMENT_KINDS = frozenset(
    {VisitKind.IV_INFUSION, VisitKind.PAIN_INFUSION, VisitKind.ESKETAMINE, VisitKind.BOOSTER}
)

# §7.1: esketamine observation ≥ 2 h [FIRM]; IV ketamine 30–60 min recovery default.
ESKETAMINE_MINIMUM_OBSERVATION_MIN = 120
IV_MINIMUM_RECOVERY_MIN = 30
# §2.1: the depression infusion is given over 40 minutes.
IV_DEPRESSION_INFUSION_MIN = 40


@dataclass(frozen=True)
class VisitRules:
    """(preparation, treatment, recovery) minutes for each kind of visit."""

    consult: tuple[int, ...] = (0, 60, 0)
    iv_infusion: tuple[int, ...] = (15, IV_DEPRESSION_INFUSION_MIN, 45)
    pain_infusion: tuple[int, ...] = (15, 240, 60)
    esketamine: tuple[int, ...] = (15, 15, ESKETAMINE_MINIMUM_OBSERVATION_MIN)
    booster: tuple[int, ...] = (15, IV_DEPRESSION_INFUSION_MIN, 45)
    therapy: tuple[int, ...] = (0, 50, 0)
    follow_up: tuple[int, ...] = (0, 30, 0)
    telehealth: tuple[int, ...] = (0, 45, 0)

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            timing: tuple[int, ...] = getattr(self, item.name)
            if len(timing) != 3 or any(minutes < 0 for minutes in timing):
                raise InvalidConfiguration(
                    f"{_VISIT_WORDS[VisitKind(item.name)]}: give (preparation, treatment, "
                    "recovery) minutes, none negative."
                )
            if timing[1] < 5 or sum(timing) > 8 * 60:
                raise InvalidConfiguration(
                    f"{_VISIT_WORDS[VisitKind(item.name)]}: a visit's treatment takes 5 minutes "
                    "to 8 hours in all."
                )
        if self.esketamine[2] < ESKETAMINE_MINIMUM_OBSERVATION_MIN:
            raise InvalidConfiguration(
                "Esketamine session: observation is at least 120 minutes (SPRAVATO PI, REMS)."
            )
        for name in ("iv_infusion", "booster", "pain_infusion"):
            timing = getattr(self, name)
            if timing[2] < IV_MINIMUM_RECOVERY_MIN:
                raise InvalidConfiguration(
                    f"{_VISIT_WORDS[VisitKind(name)]}: recovery is at least "
                    f"{IV_MINIMUM_RECOVERY_MIN} minutes (Ketalar PI: no release until recovery is "
                    "complete)."
                )
            if name != "pain_infusion" and timing[1] < IV_DEPRESSION_INFUSION_MIN:
                raise InvalidConfiguration(
                    f"{_VISIT_WORDS[VisitKind(name)]}: the infusion runs at least "
                    f"{IV_DEPRESSION_INFUSION_MIN} minutes (Sanacora 2017)."
                )

    def duration(self, kind: VisitKind | str) -> datetime.timedelta:
        """How long the visit holds the patient and, for a treatment, the chair."""
        timing: tuple[int, ...] = getattr(self, VisitKind(kind).value)
        return datetime.timedelta(minutes=sum(timing))


def is_treatment(kind: VisitKind | str) -> bool:
    return VisitKind(kind) in TREATMENT_KINDS


def treatment_kinds_for(protocol: Protocol) -> frozenset[VisitKind]:
    """The visits in which a protocol is given: a 40-minute weight-based infusion (and its
    boosters), an hours-long pain infusion (§2.7), or esketamine devices (§2.8)."""
    if protocol.dose_unit == DoseUnit.MG_PER_KG:
        return frozenset({VisitKind.IV_INFUSION, VisitKind.BOOSTER})
    if protocol.dose_unit == DoseUnit.MG_PER_KG_PER_HOUR:
        return frozenset({VisitKind.PAIN_INFUSION})
    return frozenset({VisitKind.ESKETAMINE})
