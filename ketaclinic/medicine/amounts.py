"""How an amount of drug and a volume are written, on every page, note, PDF and display string:
doses in mg, volumes in mL, each to two decimal places at most (issue 16).

Two decimals of a mg, because that is the precision the app computes and charts a dose to: the
IV dose is rounded half-up to 0.01 mg (`dosing.plan_iv_infusion`, `dosing.bolus_dose_mg`), the
pump's delivered dose likewise (`pump.delivered_mg`), and a ledger amount is whole microlitres of
a 10, 50 or 100 mg/mL vial (`dosing.VIAL_STRENGTHS_MG_PER_ML`), so 0.01 mg at the finest. Writing
fewer places (one above 10 mg, say) would show a dose other than the one charted and make the
administered and wasted amounts of a controlled-substance record not add up to what was drawn.

Two decimals of a mL, because that is what a syringe is read to and what the plan draws
(`InfusionPlan.drug_volume_ml` is rounded to 0.01 mL). A volume is always in mL ("0.83 mL", never
"833 µL"): one unit on every line, as the clinic measures it.

The controlled-substance ledger's own pages and refusals are the one place a volume keeps a
third decimal (`ledger_ml_text`, 1 µL): staff type counts and corrections to 0.001 mL and the
ledger compares to that precision, so a rounded figure would make a refusal contradict itself
("holds 10 mL; 10 mL cannot be taken") or hide the 0.001 mL that made a correction large enough
to open a discrepancy. The Schedule III reports (CSV and PDF alike, cell for cell) and the stock
API's numeric fields keep the exact amounts too: a record for the regulator is never rounded.

Both follow ISMP's list of error-prone notations: a leading zero ("0.5 mg", never ".5 mg"), no
trailing zero ("5 mg", never "5.0 mg", read as 50 mg) and never an exponent ("4000 mg", not
"4E+3"). An amount that is not zero but rounds to zero is written "< 0.01 mg" rather than a
"0" that would say nothing was given or wasted.

A dose a person typed in its own unit (a PRN in mcg, a home medicine) is written as typed by
`medications.dose_text`: it is charted to at most three places of that unit, and rounding it
would change the record. Rates (mL/h) and concentrations (mg/mL) keep the pump's and the
label's precision (`medications.plain_decimal`).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ketaclinic.medicine.medications import plain_decimal

MG_PLACES = 2
ML_PLACES = 2
LEDGER_ML_PLACES = 3  # 1 µL: the precision the ledger is kept, typed and compared to
MICROLITRES_PER_ML = 1000


def rounded_figure(value: Decimal, *, places: int) -> str:
    """`value` rounded half-up to `places` decimals, as a clinician writes it ("0.83", "5",
    "-1.5"); "< 0.01" (or "-< 0.01", a change that takes so little away) when it is not
    zero but rounds to zero. Not a number (NaN, infinity) is written as Python writes it, so a
    bad figure shows rather than hides."""
    if not value.is_finite():
        return str(value)
    step = Decimal(1).scaleb(-places)
    rounded = value.quantize(step, rounding=ROUND_HALF_UP)
    if rounded.is_zero() and not value.is_zero():
        return f"{'-' if value < 0 else ''}< {plain_decimal(step)}"
    return plain_decimal(rounded)


def mg_text(amount_mg: Decimal) -> str:
    """A dose or amount of drug: "2.34 mg", "52.3 mg", "4000 mg"."""
    return f"{rounded_figure(amount_mg, places=MG_PLACES)} mg"


def ml_text(volume_ml: Decimal) -> str:
    """A volume: "0.83 mL", "100 mL"."""
    return f"{rounded_figure(volume_ml, places=ML_PLACES)} mL"


def microlitres_ml_text(microlitres: int) -> str:
    """A volume the ledger keeps in whole microlitres, written in mL: 833 → "0.83 mL"."""
    return ml_text(Decimal(microlitres) / MICROLITRES_PER_ML)


def ledger_ml_text(microlitres: int) -> str:
    """A ledger amount on the stock and count pages and in their refusals, to the microlitre
    the ledger keeps: 833 → "0.833 mL", 10_001 → "10.001 mL"."""
    return (
        f"{rounded_figure(Decimal(microlitres) / MICROLITRES_PER_ML, places=LEDGER_ML_PLACES)} mL"
    )
