"""Medicines given in a session besides ketamine: the PRN table of CLINICAL.md §5.4, each drug
with its usual dose, its single-dose maximum and its routes, and the check every dose charted in
a session passes; and how a dose is written.

A dose within the usual range is given by the nurse; above it (up to the single-dose maximum) a
physician gives the reason; above the maximum it is refused, whoever asks. A route the table does
not list for the drug is refused. A drug not in the table needs a physician, a unit from
`MedicationUnit` and a dose under a sanity ceiling for that unit (an entry-error guard).

Sources: usual doses CLINICAL.md §5.4; single-dose maxima from each drug's US label or a standard
reference, cited one by one in docs/clinical-sources.md ("Medications given in a session").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketaclinic.medicine.errors import (
    DoseAboveMaximum,
    ImplausibleMeasurement,
    NotApplicable,
    NotPositive,
)


class RouteNotListed(NotApplicable):
    """A route that is not one of `MedicationRoute`, or one the table does not list for the drug."""


class UnitNotListed(NotApplicable):
    """A unit that is not one of `MedicationUnit`, or not the drug's (a listed drug is in mg)."""


class MedicationUnit(StrEnum):
    MG = "mg"
    MCG = "mcg"
    G = "g"
    ML = "mL"
    UNITS = "units"


class MedicationRoute(StrEnum):
    IV = "IV"
    IM = "IM"
    PO = "PO"
    ODT = "ODT"  # orally disintegrating tablet
    SL = "SL"
    IN = "IN"  # intranasal
    SC = "SC"


# Mass units convert to mg; a volume or "units" depends on the product, so a listed drug (charted
# in mg) is never given in them.
_MG_PER_UNIT: Mapping[MedicationUnit, Decimal] = {
    MedicationUnit.MG: Decimal("1"),
    MedicationUnit.MCG: Decimal("0.001"),
    MedicationUnit.G: Decimal("1000"),
}

# [PRACTICE] design default, an entry-error guard for a drug the table does not list (like
# body_weight's plausible weights): above these the entry is refused as a probable slip (a larger
# dose in mcg is written in mg).
UNLISTED_CEILINGS: Mapping[MedicationUnit, Decimal] = {
    MedicationUnit.MG: Decimal("2000"),
    MedicationUnit.MCG: Decimal("2000"),
    MedicationUnit.G: Decimal("2"),
    MedicationUnit.ML: Decimal("1000"),
    MedicationUnit.UNITS: Decimal("5000"),
}

# Charted to at most three decimal places of the unit (0.001 mg = 1 mcg).
DOSE_PLACES = 3


@dataclass(frozen=True)
class Medication:
    name: str
    usual_low_mg: Decimal
    usual_high_mg: Decimal  # above this a physician gives the reason
    maximum_single_mg: Decimal  # above this the dose is refused
    routes: frozenset[MedicationRoute]
    source: str
    aliases: tuple[str, ...] = ()


R = MedicationRoute
MEDICATIONS: tuple[Medication, ...] = (
    Medication(
        "ondansetron",
        Decimal("4"),
        Decimal("4"),  # §5.4: 4 mg IV or ODT
        # Zofran PI §2, §5.2 and FDA Drug Safety Communication (2012): no single IV dose above
        # 16 mg (QT prolongation); applied to every route (the oral labelled single dose is
        # higher, 24 mg, for chemotherapy only).
        Decimal("16"),
        frozenset({R.IV, R.IM, R.PO, R.ODT}),
        "CLINICAL.md §5.4; Zofran PI (max single IV dose 16 mg)",
        ("zofran",),
    ),
    Medication(
        "midazolam",
        Decimal("1"),
        Decimal("2"),  # §5.4: 1–2 mg IV
        # Midazolam injection PI, sedation in adults under 60: "no more than 2.5 mg" per dose,
        # given over at least 2 minutes.
        Decimal("2.5"),
        frozenset({R.IV}),
        "CLINICAL.md §5.4; midazolam injection PI (no more than 2.5 mg per dose)",
        ("versed",),
    ),
    Medication(
        "labetalol",
        Decimal("5"),
        Decimal("10"),  # §5.4: 5–10 mg IV, repeatable
        # Labetalol injection PI, repeated injection: 20 mg, then 40 or 80 mg every 10 minutes
        # (300 mg in total).
        Decimal("80"),
        frozenset({R.IV}),
        "CLINICAL.md §5.4; labetalol injection PI (injections of up to 80 mg)",
        ("trandate",),
    ),
    Medication(
        "clonidine",
        Decimal("0.1"),
        Decimal("0.1"),  # §5.4: 0.1 mg PO
        # Oral clonidine loading for urgent hypertension: 0.1–0.2 mg, then 0.1 mg hourly
        # (Anderson, JAMA 1981); Catapres PI starts at 0.1 mg twice daily.
        Decimal("0.2"),
        frozenset({R.PO}),
        "CLINICAL.md §5.4; clonidine oral loading (0.2 mg first dose, JAMA 1981)",
        ("catapres",),
    ),
    Medication(
        "metoprolol tartrate",
        Decimal("25"),
        Decimal("50"),  # §5.4: 25–50 mg PO
        # Lopressor PI: 100 mg a day in single or divided doses to start (100–450 mg a day).
        Decimal("100"),
        frozenset({R.PO}),
        "CLINICAL.md §5.4; Lopressor PI (100 mg as a single dose)",
        ("lopressor",),
    ),
    Medication(
        "glycopyrrolate",
        Decimal("0.1"),
        Decimal("0.2"),  # §5.4: 0.1–0.2 mg IV
        # Robinul injection PI: 0.1 mg IV repeated every 2–3 minutes intraoperatively; the
        # pre-anaesthetic antisialagogue dose 0.004 mg/kg is 0.4 mg at 100 kg.
        Decimal("0.4"),
        frozenset({R.IV, R.IM}),
        "CLINICAL.md §5.4; Robinul injection PI (0.004 mg/kg, 0.4 mg at 100 kg)",
        ("robinul",),
    ),
    Medication(
        "hydralazine",
        # §5.4 names hydralazine without a dose (Yip 2022: IV hydralazine for BP); 5–10 mg IV is
        # the usual first dose for acute hypertension (ACOG Committee Opinion 767, 2019).
        Decimal("5"),
        Decimal("10"),
        # Hydralazine injection PI: "usual dose 20 to 40 mg, repeated as necessary" (IV or IM).
        Decimal("40"),
        frozenset({R.IV, R.IM}),
        "CLINICAL.md §5.4; ACOG CO 767 (5–10 mg IV); hydralazine injection PI (20–40 mg)",
    ),
)


def _key(name: str) -> str:
    return " ".join(name.lower().split())


_BY_NAME: Mapping[str, Medication] = {
    _key(name): medication
    for medication in MEDICATIONS
    for name in (medication.name, *medication.aliases)
}


def medication_get(drug: str) -> Medication | None:
    """The table's entry for a drug name (any case, brand names included), or None."""
    return _BY_NAME.get(_key(drug))


class DoseReview(StrEnum):
    USUAL = "usual"  # the nurse gives it
    ABOVE_USUAL = "above_usual"  # a physician gives the reason
    UNLISTED = "unlisted"  # not in the table: a physician gives the reason


@dataclass(frozen=True)
class MedicationDoseCheck:
    medication: Medication | None
    review: DoseReview
    # Why a physician must give the reason, written for the nurse; empty for a usual dose.
    message: str

    @property
    def needs_physician(self) -> bool:
        return self.review != DoseReview.USUAL


def _unit(unit: MedicationUnit | str) -> MedicationUnit:
    try:
        return MedicationUnit(unit)
    except ValueError:
        units = ", ".join(member.value for member in MedicationUnit)
        raise UnitNotListed(f"Give the dose's unit as one of {units}; not {unit!r}.") from None


def _route(route: MedicationRoute | str) -> MedicationRoute:
    try:
        return MedicationRoute(route)
    except ValueError:
        routes = ", ".join(member.value for member in MedicationRoute)
        raise RouteNotListed(f"Give the route as one of {routes}; not {route!r}.") from None


def check_medication_dose(
    *,
    drug: str,
    dose: Decimal,
    unit: MedicationUnit | str,
    route: MedicationRoute | str,
) -> MedicationDoseCheck:
    """Whether a dose of `drug` may be given, and by whom (CLINICAL.md §5.4).

    Refused: a dose that is not a number above zero, more than three decimal places, a unit or
    route that is not one of the enums, a route the table does not list for the drug, a listed
    drug in mL or units (its dose is in mg), a dose above the drug's single-dose maximum, an
    unlisted drug's dose above its unit's sanity ceiling. Otherwise USUAL (up to the usual
    dose), ABOVE_USUAL or UNLISTED, the last two needing a physician's reason.
    """
    checked_unit, checked_route = _unit(unit), _route(route)
    if not dose.is_finite() or dose <= 0:
        raise NotPositive(f"A dose is a number above zero; got {dose}.")
    if dose != dose.quantize(Decimal(1).scaleb(-DOSE_PLACES)):
        raise NotApplicable(
            f"Give the dose to at most {DOSE_PLACES} decimal places of {checked_unit.value}."
        )
    medication = medication_get(drug)
    if medication is None:
        ceiling = UNLISTED_CEILINGS[checked_unit]
        if dose > ceiling:
            raise ImplausibleMeasurement(
                f"{dose_text(dose, checked_unit)} is above {dose_text(ceiling, checked_unit)}, "
                "the most ketaclinic accepts for a drug it does not list; check the dose and "
                "its unit."
            )
        return MedicationDoseCheck(
            None,
            DoseReview.UNLISTED,
            f"{drug.strip() or 'This drug'} is not in the clinic's PRN table: a physician "
            "gives the reason.",
        )
    name = medication.name.capitalize()
    if checked_route not in medication.routes:
        routes = ", ".join(sorted(route.value for route in medication.routes))
        raise RouteNotListed(
            f"{name} is not given {checked_route.value} here; the table lists {routes}."
        )
    if checked_unit not in _MG_PER_UNIT:
        raise UnitNotListed(f"{name} is charted by weight: give the dose in mg (or mcg).")
    dose_mg = dose * _MG_PER_UNIT[checked_unit]
    if dose_mg > medication.maximum_single_mg:
        raise DoseAboveMaximum(
            f"{dose_text(dose, checked_unit)} of {medication.name} is above its single-dose "
            f"maximum of {dose_text(medication.maximum_single_mg, 'mg')}; it cannot be given "
            "as one dose. Check the dose and its unit."
        )
    if dose_mg > medication.usual_high_mg:
        return MedicationDoseCheck(
            medication,
            DoseReview.ABOVE_USUAL,
            f"{dose_text(dose, checked_unit)} of {medication.name} is above the usual "
            f"{_usual(medication)}: a physician gives the reason.",
        )
    return MedicationDoseCheck(medication, DoseReview.USUAL, "")


def _usual(medication: Medication) -> str:
    if medication.usual_low_mg == medication.usual_high_mg:
        return dose_text(medication.usual_high_mg, "mg")
    return f"{plain_decimal(medication.usual_low_mg)}–{dose_text(medication.usual_high_mg, 'mg')}"


# ---------------------------------------------------------------------------------------------
# How a dose is written
# ---------------------------------------------------------------------------------------------


def plain_decimal(value: Decimal) -> str:
    """A quantity as a clinician writes it: plain digits, never an exponent ("4", not "4E+3")
    and no trailing zero ("0.1", "35", not "35.00": ISMP's error-prone notations, where "1.0 mg"
    is read as 10 mg). Not a number (NaN, infinity) is written as Python writes it."""
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        return "0"
    return f"{value.normalize():f}"


def dose_text(dose: Decimal, unit: MedicationUnit | str) -> str:
    """A dose and its unit: "4 mg", "0.1 mg", "4000 mg"."""
    return f"{plain_decimal(dose)} {unit}"
