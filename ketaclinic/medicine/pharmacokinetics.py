"""Predicted plasma ketamine concentration for any IV schedule (CLINICAL.md §3).

Linear mammillary models (1–3 compartments) solved exactly: the disposition constants λi are the
roots of the model's characteristic cubic (STANPUMP's trigonometric form, §3.2) and each
piecewise-constant input (a bolus, or an infusion between a start and an end) adds its closed-form
response. Vectorised over patients and time points with NumPy.

Output is in ng/mL (mg/L × 1000). Models are data; each states its population, its scaling and
its output site (arterial or venous), which the chart must show (§3.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from ketaclinic.medicine.errors import ImplausibleMeasurement, NotApplicable, NotPositive

FloatArray = npt.NDArray[np.float64]


class Scaling(StrEnum):
    WEIGHT_PROPORTIONAL = "weight_proportional"  # volumes ∝ WT, rate constants fixed (§3.2)
    LINEAR_PER_70_KG = "linear_per_70_kg"  # volumes and clearances × WT/70 (Kamp as transcribed)


@dataclass(frozen=True)
class PkModel:
    """Primary parameters: volumes in L (per kg, or per 70 kg) and clearances in L/min."""

    code: str
    name: str
    compartments: int
    scaling: Scaling
    v1: float
    v2: float
    v3: float
    cl: float
    q2: float
    q3: float
    output_site: str
    population: str
    provenance: str

    def micro_constants(self, weight_kg: float) -> tuple[float, float, float, float, float, float]:
        """(V1 in L, k10, k12, k13, k21, k31 per min) for a patient's weight (§3.2)."""
        if not 30 <= weight_kg <= 300:
            raise ImplausibleMeasurement(f"Weight {weight_kg} kg is outside 30–300 kg.")
        factor = weight_kg if self.scaling == Scaling.WEIGHT_PROPORTIONAL else weight_kg / 70.0
        v1, v2, v3 = self.v1 * factor, self.v2 * factor, self.v3 * factor
        cl, q2, q3 = self.cl * factor, self.q2 * factor, self.q3 * factor
        k21 = q2 / v2 if self.compartments >= 2 else 0.0
        k31 = q3 / v3 if self.compartments == 3 else 0.0
        return v1, cl / v1, q2 / v1, q3 / v1, k21, k31


def _from_rate_constants(
    v1_per_kg: float, k10: float, k12: float, k13: float, k21: float, k31: float
) -> dict[str, float]:
    """Volumes per kg and clearances per kg per min from a weight-proportional k-set."""
    return {
        "v1": v1_per_kg,
        "v2": v1_per_kg * k12 / k21 if k21 else 0.0,
        "v3": v1_per_kg * k13 / k31 if k31 else 0.0,
        "cl": v1_per_kg * k10,
        "q2": v1_per_kg * k12,
        "q3": v1_per_kg * k13,
    }


# Domino 1984 (STANPUMP set, §3.3): V1 0.063 L/kg; k10 0.438, k12 0.592, k13 0.590, k21 0.247,
# k31 0.0146 /min — the 3-digit form, which gives §3.3's derived 70-kg values exactly (stanpumpR's
# unit test). Legacy parity and engine regression tests only (§3.4).
DOMINO_1984 = PkModel(
    code="domino-1984",
    name="Domino 1984 (STANPUMP)",
    compartments=3,
    scaling=Scaling.WEIGHT_PROPORTIONAL,
    **_from_rate_constants(0.063, 0.438, 0.592, 0.590, 0.247, 0.0146),
    output_site="unspecified",
    population="Adult volunteers; weight only",
    provenance="CLINICAL.md §3.3 [UNCERTAIN: two transcriptions agree]",
)

# Clements & Nimmo 1981 "250" (§3.3): 2-cmt, V1 1.7522 L/kg; k10 0.0109, k12 0.0186, k21 0.0137.
# The alternative "venous plasma" model (§3.4).
CLEMENTS_250 = PkModel(
    code="clements-250",
    name="Clements & Nimmo 1981 (0.25 mg/kg)",
    compartments=2,
    scaling=Scaling.WEIGHT_PROPORTIONAL,
    **_from_rate_constants(1.7522, 0.0109, 0.0186, 0.0, 0.0137, 0.0),
    output_site="venous",
    population="Adult volunteers; weight only",
    provenance="CLINICAL.md §3.3 [UNCERTAIN: two transcriptions agree]",
)

# Kamp 2020 (§3.3): V1 25, V2 56, V3 157 L/70 kg; CL 84, Q2 161, Q3 79 L/h/70 kg, scaled linearly
# by WT/70 as transcribed. The default adult model (§3.4), labelled arterial; no age or sex
# covariates were found in the meta-analysis.
KAMP_2020 = PkModel(
    code="kamp-2020",
    name="Kamp 2020 (3-compartment, arterial)",
    compartments=3,
    scaling=Scaling.LINEAR_PER_70_KG,
    v1=25.0,
    v2=56.0,
    v3=157.0,
    cl=84.0 / 60.0,
    q2=161.0 / 60.0,
    q3=79.0 / 60.0,
    output_site="arterial",
    population="Adults (pooled meta-analysis); no covariates",
    provenance="CLINICAL.md §3.3 [UNCERTAIN: one transcription; confirm against the paper]",
)

MODELS = {model.code: model for model in (KAMP_2020, CLEMENTS_250, DOMINO_1984)}
DEFAULT_MODEL = KAMP_2020


def model_get(code: str) -> PkModel:
    if code not in MODELS:
        raise NotApplicable(f"No PK model {code!r}. Known: {', '.join(sorted(MODELS))}.")
    return MODELS[code]


@dataclass(frozen=True)
class Disposition:
    """λi (per min, descending) and unit-disposition coefficients Ai (per L) for one patient."""

    lambdas: tuple[float, ...]
    coefficients: tuple[float, ...]


def disposition(
    v1: float, k10: float, k12: float, k13: float, k21: float, k31: float
) -> Disposition:
    """Closed-form eigenvalues and coefficients (§3.2)."""
    if k13 > 0 and k31 > 0:
        a2 = k10 + k12 + k13 + k21 + k31
        a1 = k10 * k21 + k10 * k31 + k12 * k31 + k13 * k21 + k21 * k31
        a0 = k10 * k21 * k31
        p = a1 - a2 * a2 / 3.0
        q = -2.0 * a2**3 / 27.0 + a1 * a2 / 3.0 - a0
        argument = max(-1.0, min(1.0, (3.0 * q / (2.0 * p)) * math.sqrt(-3.0 / p)))
        phi = math.acos(argument) / 3.0
        roots = sorted(
            (
                2.0 * math.sqrt(-p / 3.0) * math.cos(phi - 2.0 * math.pi * k / 3.0) + a2 / 3.0
                for k in range(3)
            ),
            reverse=True,
        )
        coefficients = []
        for i, lam in enumerate(roots):
            others = [roots[j] for j in range(3) if j != i]
            numerator = (k21 - lam) * (k31 - lam)
            denominator = (others[0] - lam) * (others[1] - lam)
            coefficients.append(numerator / denominator / v1)
        return Disposition(tuple(roots), tuple(coefficients))
    if k12 > 0 and k21 > 0:
        total = k10 + k12 + k21
        root = math.sqrt(total * total - 4.0 * k10 * k21)
        lam1, lam2 = (total + root) / 2.0, (total - root) / 2.0
        return Disposition(
            (lam1, lam2), ((k21 - lam1) / (lam2 - lam1) / v1, (k21 - lam2) / (lam1 - lam2) / v1)
        )
    return Disposition((k10,), (1.0 / v1,))


@dataclass(frozen=True)
class Infusion:
    start_min: float
    end_min: float
    rate_mg_per_min: float


@dataclass(frozen=True)
class Bolus:
    time_min: float
    dose_mg: float


def _check_schedule(infusions: Sequence[Infusion], boluses: Sequence[Bolus]) -> None:
    for infusion in infusions:
        if infusion.end_min <= infusion.start_min or infusion.start_min < 0:
            raise NotApplicable(f"An infusion must end after it starts, from minute 0: {infusion}.")
        if infusion.rate_mg_per_min < 0 or not math.isfinite(infusion.rate_mg_per_min):
            raise NotPositive(f"An infusion rate cannot be negative: {infusion.rate_mg_per_min}.")
    for bolus in boluses:
        if bolus.dose_mg < 0 or bolus.time_min < 0:
            raise NotPositive(f"A bolus needs a dose ≥ 0 at a time ≥ 0: {bolus}.")


def _curves(
    lambdas: FloatArray,  # (P, n)
    coefficients: FloatArray,  # (P, n)
    times: FloatArray,  # (T,)
    infusions: Sequence[Infusion],
    boluses: Sequence[Bolus],
) -> FloatArray:
    """Concentration in mg/L, shape (P, T), by superposition of each input's exact response."""
    lam = lambdas[:, None, :]  # (P, 1, n)
    coef = coefficients[:, None, :]
    t = times[None, :, None]  # (1, T, 1)
    total = np.zeros((lambdas.shape[0], times.shape[0]))
    for infusion in infusions:
        running = np.clip(t, infusion.start_min, infusion.end_min) - infusion.start_min
        after = np.clip(t - infusion.end_min, 0.0, None)
        response = (coef / lam) * (1.0 - np.exp(-lam * running)) * np.exp(-lam * after)
        total += infusion.rate_mg_per_min * response.sum(axis=2)
    for bolus in boluses:
        since = t - bolus.time_min
        response = np.where(since >= 0, coef * np.exp(-lam * np.clip(since, 0.0, None)), 0.0)
        total += bolus.dose_mg * response.sum(axis=2)
    return np.clip(total, 0.0, None)  # exact values are ≥ 0; clip rounding noise at 1e-17


def predict_concentrations(
    *,
    weights_kg: Sequence[float],
    times_min: Sequence[float] | FloatArray,
    infusions: Sequence[Infusion] = (),
    boluses: Sequence[Bolus] = (),
    model: PkModel = DEFAULT_MODEL,
    doses_scale_with_weight: bool = False,
) -> FloatArray:
    """Plasma concentration (ng/mL) for each patient (rows) at each time (columns).

    With `doses_scale_with_weight`, infusion rates and boluses are per kg (mg/kg/min, mg/kg),
    so one schedule can be evaluated for many patients at once.
    """
    _check_schedule(infusions, boluses)
    times = np.asarray(times_min, dtype=np.float64)
    if times.ndim != 1 or np.any(times < 0):
        raise NotApplicable("Times must be a list of minutes from 0.")
    dispositions = [disposition(*model.micro_constants(float(w))) for w in weights_kg]
    lambdas = np.array([d.lambdas for d in dispositions], dtype=np.float64)
    coefficients = np.array([d.coefficients for d in dispositions], dtype=np.float64)
    if doses_scale_with_weight:
        coefficients = coefficients * np.asarray(weights_kg, dtype=np.float64)[:, None]
    return _curves(lambdas, coefficients, times, infusions, boluses) * 1000.0


@dataclass(frozen=True)
class CurveSummary:
    peak_ng_per_ml: float
    peak_time_min: float
    minutes_until_below: float | None  # after the peak, until below the threshold; None = never


def summarize_curve(
    *,
    weight_kg: float,
    infusions: Sequence[Infusion],
    boluses: Sequence[Bolus] = (),
    threshold_ng_per_ml: float,
    horizon_min: float = 24 * 60,
    resolution_min: float = 0.5,
    model: PkModel = DEFAULT_MODEL,
) -> CurveSummary:
    """Peak and its time on a grid, then the time to fall below `threshold` refined by bisection.

    Once input stops, every Ai > 0 so the concentration falls monotonically and crosses the
    threshold once (§3.2, derived outputs).
    """
    if resolution_min <= 0 or horizon_min <= 0:
        raise NotPositive("The horizon and resolution must be more than zero minutes.")
    grid = np.arange(0.0, horizon_min + resolution_min, resolution_min)
    curve = predict_concentrations(
        weights_kg=[weight_kg], times_min=grid, infusions=infusions, boluses=boluses, model=model
    )[0]
    peak_index = int(np.argmax(curve))
    peak_time = float(grid[peak_index])
    below = np.nonzero(curve[peak_index:] < threshold_ng_per_ml)[0]
    if below.size == 0:
        return CurveSummary(float(curve[peak_index]), peak_time, None)
    if below[0] == 0:
        return CurveSummary(float(curve[peak_index]), peak_time, 0.0)
    low = float(grid[peak_index + below[0] - 1])
    high = float(grid[peak_index + below[0]])

    def concentration(minute: float) -> float:
        return float(
            predict_concentrations(
                weights_kg=[weight_kg],
                times_min=[minute],
                infusions=infusions,
                boluses=boluses,
                model=model,
            )[0, 0]
        )

    for _ in range(40):  # bisection to ~1e-12 of the grid step
        middle = (low + high) / 2.0
        if concentration(middle) >= threshold_ng_per_ml:
            low = middle
        else:
            high = middle
    return CurveSummary(float(curve[peak_index]), peak_time, high - peak_time)
