"""Pharmacokinetics benchmark: predicted curves per second for 1, 100 and 10,000 patients.

Each curve is 500 points over 6 hours for 0.5 mg/kg over 40 minutes (CLINICAL.md §2.1) on the
default model (Kamp 2020). Prints figures; asserts nothing (speed is measured, not tested).

    .venv/bin/python bench/pk_bench.py
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ketaclinic.medicine.pharmacokinetics import Infusion, predict_concentrations

POINTS = 500
TIMES = np.linspace(0.0, 360.0, POINTS)
SCHEDULE = [Infusion(0.0, 40.0, 0.5 / 40.0)]  # mg/kg/min, scaled by each patient's weight


def run(patients: int, repeats: int) -> float:
    rng = np.random.default_rng(2026)
    weights = list(rng.uniform(45, 140, size=patients))
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        curves = predict_concentrations(
            weights_kg=weights, times_min=TIMES, infusions=SCHEDULE, doses_scale_with_weight=True
        )
        best = min(best, time.perf_counter() - started)
    assert curves.shape == (patients, POINTS)
    return best


def main() -> None:
    print(f"PK curves ({POINTS} points each), best of several runs, one process:")
    for patients, repeats in ((1, 200), (100, 50), (10_000, 5)):
        seconds = run(patients, repeats)
        print(
            f"  {patients:>6} patients: {seconds * 1000:9.2f} ms  "
            f"({patients / seconds:,.0f} curves/s)"
        )


if __name__ == "__main__":
    main()
