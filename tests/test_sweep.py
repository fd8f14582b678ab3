"""The V-curve data: where the error of each difference formula is smallest, and why."""

import json

import numpy as np
import pytest

from gradlab.sweep import BOOK_H, FUNCTIONS, METHODS, default_steps, sweep, theoretical_h

EPS64 = np.finfo(np.float64).eps
# Steps bracketing the float64 central-difference optimum by three decades on each side.
AROUND_OPTIMUM = default_steps()[(default_steps() >= 1e-9) & (default_steps() <= 1e-2)]


@pytest.mark.parametrize("function", ["sigmoid", "two-layer-net"])
def test_central_float64_best_h_is_near_cube_root_of_eps(function):
    result = sweep(function, dtypes=["float64"], hs=AROUND_OPTIMUM)
    best_h, best_error = result.best("float64", "central")
    assert EPS64 ** (1 / 3) / 10 <= best_h <= EPS64 ** (1 / 3) * 10
    # At the optimum both error terms are ~eps^(2/3) ~ 4e-11 (times f's own scale).
    assert best_error < 1e-9


@pytest.mark.parametrize("function", FUNCTIONS)
def test_book_h_in_float32_costs_more_than_1e4_relative(function):
    # Roundoff eps32 |f| / h = 1.2e-7 / 1e-4 ~ 1e-3 relative to |f|, which is not small here.
    result = sweep(function, dtypes=["float32", "float64"], hs=[BOOK_H])
    assert result.at_book_h["float32"]["central"] > 1e-4
    assert result.errors["float32"]["central"][0] == result.at_book_h["float32"]["central"]
    # The same step is harmless in float64: truncation h^2 |f'''| / 6 ~ 1e-9.
    assert result.at_book_h["float64"]["central"] < 1e-8


@pytest.mark.parametrize("function", ["sigmoid", "softmax-ce"])
def test_complex_step_is_exact_to_rounding(function):
    # No subtraction, so no eps/h term: at h = 1e-20 the truncation h^2 f''' / 6 is 1e-40,
    # leaving only the rounding of f' itself (a few eps relative).
    result = sweep(function, dtypes=["float64"], hs=[1e-20])
    assert result.errors["float64"]["complex-step"][0] < 16 * EPS64
    assert result.errors["float64"]["central"][0] > 0.1  # x + 1e-20 == x: no information


def test_truncation_orders_show_in_the_slopes():
    # In float64 at h = 1e-2 .. 1e-3 roundoff (eps/h < 1e-13) is negligible, so the error is
    # the leading truncation term: order h for forward, h^2 for central. A tenfold step
    # changes the error 10x and 100x, up to the next term (relative size ~h, h^2 here).
    result = sweep("sigmoid", dtypes=["float64"], hs=[1e-2, 1e-3])
    err = result.errors["float64"]
    assert 8 < err["forward"][0] / err["forward"][1] < 12
    assert 90 < err["central"][0] / err["central"][1] < 110
    # Richardson cancels the h^2 term: it is far more accurate at a large step.
    assert err["richardson"][0] < err["central"][0] / 100


def test_theoretical_h_follows_the_error_model():
    assert theoretical_h("central", np.float64) == pytest.approx(6.06e-6, rel=1e-2)
    assert theoretical_h("central", np.float32) == pytest.approx(4.92e-3, rel=1e-2)
    assert theoretical_h("forward", np.float64) == pytest.approx(np.sqrt(EPS64))
    assert theoretical_h("richardson", np.float64) == pytest.approx(EPS64 ** 0.2)
    assert theoretical_h("complex-step", np.float64) is None


def test_table_and_json_have_every_method_and_dtype():
    result = sweep("sigmoid", hs=[1e-6, 1e-4, 1e-2])
    table = result.table()
    assert [(r[0], r[1]) for r in table] == [(d, m) for d in ("float64", "float32")
                                             for m in METHODS]
    data = json.loads(json.dumps(result.to_dict()))
    assert data["hs"] == [1e-6, 1e-4, 1e-2] and len(data["errors"]["float32"]["central"]) == 3
    row = data["table"][1]
    assert row["method"] == "central" and row["best_h"] in data["hs"]
    assert row["best_error"] == min(data["errors"]["float64"]["central"])


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="function must be one of"):
        sweep("tanh")
    with pytest.raises(ValueError, match="dtypes must be one of 'float64', 'float32', got 'fl"):
        sweep("sigmoid", dtypes=["float16"])
    with pytest.raises(ValueError, match="hs must be a non-empty array of positive"):
        sweep("sigmoid", hs=[1e-4, 0.0])
