"""What a patient is told before a visit: fasting, medication holds and the driver home
(CLINICAL.md §4 "Fasting", §1.3 holds, §7.2 driving). Pure: the caller passes the visit's local
start time and the patient's medications; nothing here reads a clock or a database.

Fasting is a clinic default that a protocol may tighten (§4: "Configurable per protocol"):
- esketamine: no food for 2 h and no liquids for 30 min before dosing [FIRM, SPRAVATO PI];
- IV ketamine: the Ketalar label advises nil-per-os compliance [FIRM]; the default follows the ASA
  2017 elective-procedure rule for a light meal (6 h) and clear liquids (2 h) [FIRM, ASA 2017].
Driving (§7.2): esketamine, not until the next day after a restful sleep [FIRM]; IV ketamine, not
for 24 h [FIRM-secondary].
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from ketaclinic.medicine.errors import InvalidConfiguration
from ketaclinic.medicine.interactions import FlagSeverity, MedicationInput, check_interactions
from ketaclinic.medicine.protocols import Route
from ketaclinic.medicine.visits import TREATMENT_KINDS, VisitKind


@dataclass(frozen=True)
class FastingRule:
    """Minutes before the visit after which nothing of the kind is taken."""

    no_food_minutes: int
    no_liquids_minutes: int
    liquids_are_clear_only: bool
    source: str
    # A fatty or fried meal stops earlier than a light one (0: no separate rule).
    no_fatty_meal_minutes: int = 0

    def __post_init__(self) -> None:
        if not (
            0 <= self.no_liquids_minutes <= self.no_food_minutes <= 12 * 60
            and (
                self.no_fatty_meal_minutes == 0
                or self.no_food_minutes <= self.no_fatty_meal_minutes <= 12 * 60
            )
        ):
            raise InvalidConfiguration(
                "Fasting: liquids stop no earlier than food, and both within 12 hours "
                "(ASA 2017 fasting guideline)."
            )


# §4 [FIRM]: SPRAVATO PI.
ESKETAMINE_FASTING = FastingRule(
    no_food_minutes=120,
    no_liquids_minutes=30,
    liquids_are_clear_only=False,
    source="SPRAVATO PI",
)
# §4 [FIRM]: Ketalar label (nil per os) with the ASA 2017 figures: clear liquids 2 h, light meal
# 6 h, fatty meal 8 h.
IV_FASTING = FastingRule(
    no_food_minutes=6 * 60,
    no_liquids_minutes=2 * 60,
    liquids_are_clear_only=True,
    source="Ketalar PI; ASA 2017 fasting guideline",
    no_fatty_meal_minutes=8 * 60,
)

# §7.2: how long after a treatment the patient may not drive.
IV_NO_DRIVING_HOURS = 24
DRIVER_IV = (
    "Bring a driver: you may not drive for 24 hours after your treatment. An adult must take you "
    "home."
)
DRIVER_ESKETAMINE = (
    "Bring a driver: you may not drive until the next day, after a restful sleep. An adult must "
    "take you home."
)
# §7.2 [PRACTICE]: no alcohol, recreational drugs or important decisions for 24 h.
AFTER_CARE = (
    "No alcohol or recreational drugs on the day of your treatment or for 24 hours after, and "
    "no important decisions for 24 hours."
)


@dataclass(frozen=True)
class MedicationHold:
    medication: str
    hold_hours_before: int
    resume_hours_after: int
    last_dose_by: datetime.datetime
    instruction: str


@dataclass(frozen=True)
class VisitPreparation:
    """Instructions for one visit, in the order a reminder lists them."""

    is_treatment: bool
    fasting: FastingRule | None
    no_food_after: datetime.datetime | None
    no_liquids_after: datetime.datetime | None
    no_fatty_meal_after: datetime.datetime | None
    holds: tuple[MedicationHold, ...]
    driver: str
    after_care: str

    @property
    def lines(self) -> tuple[str, ...]:
        """Every instruction as one sentence, for email, SMS and the patient's page."""
        result: list[str] = []
        if self.fasting and self.no_food_after and self.no_liquids_after:
            liquids = "clear liquids (water, clear juice, black coffee or tea)"
            fatty = (
                f" (a light meal at most; nothing fatty or fried after "
                f"{_clock(self.no_fatty_meal_after)})"
                if self.no_fatty_meal_after
                else ""
            )
            result.append(
                f"Fasting: no food after {_clock(self.no_food_after)}{fatty}; "
                f"{liquids if self.fasting.liquids_are_clear_only else 'liquids'} "
                f"until {_clock(self.no_liquids_after)}, then nothing by mouth."
            )
        result.extend(hold.instruction for hold in self.holds)
        if self.driver:
            result.append(self.driver)
        if self.after_care:
            result.append(self.after_care)
        return tuple(result)


def _clock(moment: datetime.datetime) -> str:
    return moment.strftime("%a %d %b %H:%M")


def fasting_rule_for(*, kind: VisitKind, route: Route | None) -> FastingRule | None:
    """The fasting rule of a treatment, by the course's route or else the kind; None otherwise."""
    if kind not in TREATMENT_KINDS:
        return None
    if route == Route.INTRANASAL or (route is None and kind == VisitKind.ESKETAMINE):
        return ESKETAMINE_FASTING
    return IV_FASTING


def visit_preparation(
    *,
    kind: VisitKind,
    route: Route | None,
    starts_at_local: datetime.datetime,
    medications: Iterable[MedicationInput],
) -> VisitPreparation:
    """Fasting, holds, the driver and after-care for a treatment; nothing for other visits.

    Holds come from `interactions.check_interactions` (§1.3): only classes the clinic holds, with
    the hours before and after from there. The patient is told to keep taking anything the clinic
    has not told them to hold, and never to stop a benzodiazepine abruptly.
    """
    fasting = fasting_rule_for(kind=kind, route=route)
    if fasting is None:
        return VisitPreparation(False, None, None, None, None, (), "", "")
    holds: list[MedicationHold] = []
    for flag in check_interactions(medications).flags:
        if flag.severity != FlagSeverity.HOLD or flag.hold_hours_before <= 0:
            continue
        last_dose_by = starts_at_local - datetime.timedelta(hours=flag.hold_hours_before)
        resume = (
            f"; you may take it again {flag.resume_hours_after} hours after the treatment"
            if flag.resume_hours_after
            else "; you may take it again after the treatment"
        )
        holds.append(
            MedicationHold(
                medication=flag.medication,
                hold_hours_before=flag.hold_hours_before,
                resume_hours_after=flag.resume_hours_after,
                last_dose_by=last_dose_by,
                instruction=(
                    f"{flag.medication}: unless your clinician has told you otherwise, take your "
                    f"last dose before {_clock(last_dose_by)} ({flag.hold_hours_before} hours "
                    f"before){resume}. Do not stop it for longer, and call the clinic if you are "
                    "unsure."
                ),
            )
        )
    is_esketamine = fasting is ESKETAMINE_FASTING
    return VisitPreparation(
        is_treatment=True,
        fasting=fasting,
        no_food_after=starts_at_local - datetime.timedelta(minutes=fasting.no_food_minutes),
        no_liquids_after=starts_at_local - datetime.timedelta(minutes=fasting.no_liquids_minutes),
        no_fatty_meal_after=(
            starts_at_local - datetime.timedelta(minutes=fasting.no_fatty_meal_minutes)
            if fasting.no_fatty_meal_minutes
            else None
        ),
        holds=tuple(holds),
        driver=DRIVER_ESKETAMINE if is_esketamine else DRIVER_IV,
        after_care=AFTER_CARE,
    )
