"""Pharmacokinetics benchmark: predicted curves per second for 1, 100 and 10,000 patients.

Each curve is 500 points over 6 hours for 0.5 mg/kg over 40 minutes (CLINICAL.md §2.1) on the
default model (Kamp 2020). Prints figures; asserts nothing about speed (speed is measured, not
tested).

    .venv/bin/python bench/pk_bench.py
    .venv/bin/python bench/pk_bench.py --smoke   # 1 and 100 patients, two runs: that it works
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from ketaclinic.medicine.pharmacokinetics import Infusion, predict_concentrations

POINTS = 500
TIMES = np.linspace(0.0, 360.0, POINTS)
SCHEDULE = [Infusion(0.0, 40.0, 0.5 / 40.0)]  # mg/kg/min, scaled by each patient's weight
# (patients, runs): the measurement, and the smoke run that only shows the bench still works.
FULL = ((1, 200), (100, 50), (10_000, 5))
SMOKE = ((1, 2), (100, 2))


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
    # Not a timing assert: a curve of the wrong shape or with a non-finite point is a broken
    # model, and its timing would mean nothing.
    if curves.shape != (patients, POINTS) or not np.isfinite(curves).all():
        raise SystemExit(f"predict_concentrations returned {curves.shape}, not finite curves")
    return best


def main(sizes: tuple[tuple[int, int], ...]) -> None:
    print(f"PK curves ({POINTS} points each), best of several runs, one process:")
    for patients, repeats in sizes:
        seconds = run(patients, repeats)
        print(
            f"  {patients:>6} patients: {seconds * 1000:9.2f} ms  "
            f"({patients / seconds:,.0f} curves/s)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--smoke", action="store_true", help="Tiny sizes, two runs: that it works, not speed."
    )
    options = parser.parse_args()
    if options.smoke:
        warnings.simplefilter("error", RuntimeWarning)  # numpy's overflow or invalid value
    main(SMOKE if options.smoke else FULL)
