"""The exact PK engine against CLINICAL.md §3.3's derived values and an ODE solver (§3.2)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ketaclinic.medicine.errors import ImplausibleMeasurement, NotApplicable, NotPositive
from ketaclinic.medicine.pharmacokinetics import (
    CLEMENTS_250,
    DEFAULT_MODEL,
    DOMINO_1984,
    KAMP_2020,
    Bolus,
    Infusion,
    PkModel,
    disposition,
    model_get,
    predict_concentrations,
    summarize_curve,
)


def test_domino_derived_values_at_70_kg_match_clinical_md() -> None:
    v1, k10, k12, k13, k21, k31 = DOMINO_1984.micro_constants(70)
    assert v1 == pytest.approx(4.41)
    assert v1 * k12 / k21 == pytest.approx(10.56972, rel=1e-5)  # V2
    assert v1 * k13 / k31 == pytest.approx(178.2123, rel=1e-5)  # V3
    assert v1 * k10 == pytest.approx(1.93158, rel=1e-5)  # CL, L/min
    lambdas = disposition(v1, k10, k12, k13, k21, k31).lambdas
    assert lambdas == pytest.approx((1.7240, 0.15152, 0.0060467), rel=2e-4)
    assert [math.log(2) / lam for lam in lambdas] == pytest.approx([0.40, 4.6, 114.6], rel=1e-2)


def test_kamp_rate_constants_and_half_lives_match_clinical_md() -> None:
    _, k10, k12, k13, k21, k31 = KAMP_2020.micro_constants(70)
    assert (k10, k12, k13, k21, k31) == pytest.approx(
        (0.0560, 0.1073, 0.0527, 0.0479, 0.0084), abs=6e-5
    )
    lambdas = disposition(*KAMP_2020.micro_constants(70)).lambdas
    assert [math.log(2) / lam for lam in lambdas] == pytest.approx([2.8, 28.4, 184], rel=2e-2)


def test_clements_clearance_and_half_lives_match_clinical_md() -> None:
    v1, k10, k12, k13, k21, k31 = CLEMENTS_250.micro_constants(70)
    assert v1 * k10 == pytest.approx(1.337, rel=1e-3)
    lambdas = disposition(v1, k10, k12, k13, k21, k31).lambdas
    assert [math.log(2) / lam for lam in lambdas] == pytest.approx([17.6, 183], rel=2e-2)


@pytest.mark.parametrize("model", [KAMP_2020, CLEMENTS_250, DOMINO_1984])
def test_coefficients_satisfy_the_model_identities(model: PkModel) -> None:
    v1, k10, *_ = model.micro_constants(82)
    result = disposition(*model.micro_constants(82))
    assert sum(result.coefficients) == pytest.approx(1 / v1, rel=1e-9)
    assert sum(
        a / lam for a, lam in zip(result.coefficients, result.lambdas, strict=True)
    ) == pytest.approx(1 / (v1 * k10), rel=1e-9)


def test_a_one_compartment_model_decays_with_k10() -> None:
    result = disposition(10.0, 0.1, 0.0, 0.0, 0.0, 0.0)
    assert result.lambdas == (0.1,)
    assert result.coefficients == (0.1,)


def _ode_reference(
    model: PkModel,
    weight: float,
    infusions: list[Infusion],
    boluses: list[Bolus],
    times: np.ndarray,
) -> np.ndarray:
    v1, k10, k12, k13, k21, k31 = model.micro_constants(weight)
    matrix = np.array([[-(k10 + k12 + k13), k21, k31], [k12, -k21, 0.0], [k13, 0.0, -k31]])
    breaks = sorted(
        {
            0.0,
            *(i.start_min for i in infusions),
            *(i.end_min for i in infusions),
            *(b.time_min for b in boluses),
            float(times[-1]),
        }
    )
    state = np.zeros(3)
    result = np.zeros_like(times)
    for start, end in itertools.pairwise(breaks):
        state[0] += sum(b.dose_mg for b in boluses if b.time_min == start)
        rate = sum(i.rate_mg_per_min for i in infusions if i.start_min <= start < i.end_min)
        inside = (times >= start) & (times <= end)
        solution = solve_ivp(
            lambda _t, a, rate=rate: matrix @ a + np.array([rate, 0.0, 0.0]),
            (start, end),
            state,
            method="LSODA",
            rtol=1e-12,
            atol=1e-14,
            dense_output=True,
        )
        if inside.any():
            result[inside] = solution.sol(times[inside])[0] / v1 * 1000.0
        state = solution.y[:, -1]
    return result


@pytest.mark.parametrize("model", [KAMP_2020, DOMINO_1984, CLEMENTS_250])
def test_the_exact_solution_matches_an_ode_solver_to_1e_minus_6(model: PkModel) -> None:
    # A bolus, a rate change, a pause and a restart: the schedules a pain protocol uses.
    infusions = [Infusion(0, 20, 1.0), Infusion(20, 40, 0.5), Infusion(60, 100, 0.8)]
    boluses = [Bolus(0, 10.0), Bolus(70, 5.0)]
    times = np.linspace(0.5, 300, 120)
    exact = predict_concentrations(
        weights_kg=[75], times_min=times, infusions=infusions, boluses=boluses, model=model
    )[0]
    reference = _ode_reference(model, 75, infusions, boluses, times)
    assert np.max(np.abs(exact - reference) / reference) < 1e-6


def test_a_constant_infusion_peaks_at_its_end() -> None:
    summary = summarize_curve(
        weight_kg=80, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=50, resolution_min=0.25
    )
    assert summary.peak_time_min == 40
    assert summary.minutes_until_below is not None
    assert summary.minutes_until_below > 0


def test_time_below_threshold_is_refined_between_grid_points() -> None:
    coarse = summarize_curve(
        weight_kg=80, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=60, resolution_min=2
    )
    fine = summarize_curve(
        weight_kg=80, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=60, resolution_min=0.1
    )
    assert coarse.minutes_until_below == pytest.approx(fine.minutes_until_below, abs=1e-6)
    assert (
        summarize_curve(
            weight_kg=80, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=1e-9, horizon_min=60
        ).minutes_until_below
        is None
    )
    assert (
        summarize_curve(
            weight_kg=80, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=1e9
        ).minutes_until_below
        == 0.0
    )


def test_many_patients_at_once_match_one_at_a_time() -> None:
    weights = [55.0, 70.0, 120.0]
    schedule = [Infusion(0, 40, 0.5 / 40)]  # 0.5 mg/kg over 40 min, per kg
    together = predict_concentrations(
        weights_kg=weights, times_min=[10, 40, 90], infusions=schedule, doses_scale_with_weight=True
    )
    for row, weight in enumerate(weights):
        alone = predict_concentrations(
            weights_kg=[weight],
            times_min=[10, 40, 90],
            infusions=[Infusion(0, 40, 0.5 * weight / 40)],
        )
        assert together[row] == pytest.approx(alone[0], rel=1e-12)


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        ({"infusions": [Infusion(10, 5, 1.0)]}, NotApplicable),
        ({"infusions": [Infusion(0, 5, -1.0)]}, NotPositive),
        ({"boluses": [Bolus(0, -5)]}, NotPositive),
        ({"weights_kg": [20.0]}, ImplausibleMeasurement),
        ({"times_min": [-1.0]}, NotApplicable),
    ],
)
def test_bad_schedules_are_refused(arguments: dict[str, object], error: type[Exception]) -> None:
    call: dict[str, object] = {"weights_kg": [70.0], "times_min": [1.0], **arguments}
    with pytest.raises(error):
        predict_concentrations(**call)
    with pytest.raises(NotApplicable, match="No PK model"):
        model_get("hijazi-2003")
    with pytest.raises(NotPositive):
        summarize_curve(
            weight_kg=70, infusions=[Infusion(0, 40, 1.0)], threshold_ng_per_ml=50, resolution_min=0
        )


def test_the_default_model_is_kamp_2020_labelled_arterial() -> None:
    assert DEFAULT_MODEL is KAMP_2020
    assert model_get("kamp-2020").output_site == "arterial"


@settings(max_examples=40, deadline=None)
@given(
    weight=st.floats(40, 200),
    rate=st.floats(0.01, 5),
    duration=st.floats(5, 240),
    model=st.sampled_from([KAMP_2020, CLEMENTS_250, DOMINO_1984]),
)
def test_concentrations_are_never_negative_and_a_constant_infusion_peaks_at_its_end(
    weight: float, rate: float, duration: float, model: PkModel
) -> None:
    times = np.linspace(0, duration * 3, 301)
    curve = predict_concentrations(
        weights_kg=[weight], times_min=times, infusions=[Infusion(0, duration, rate)], model=model
    )[0]
    assert np.all(curve >= 0)
    peak_time = times[int(np.argmax(curve))]
    step = times[1] - times[0]
    assert abs(peak_time - duration) <= step
