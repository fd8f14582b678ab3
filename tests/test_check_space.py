"""The one perturb-and-restore engine (gradlab.check.space): x of any structure and layout."""

import ast
import subprocess
import sys

import numpy as np
import pytest
from helpers import assert_unchanged, snapshot

from gradlab import StepLostError, check_gradient
from gradlab.check import space as space_module
from gradlab.check.space import Space, step_lost

# the checker silences NumPy inside its own steps: nothing may leak to the user
pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def test_the_engine_imports_only_numpy_validation_and_errors():
    # gradlab.numerical will build its loop on the engine: no import cycle either way
    tree = ast.parse(open(space_module.__file__).read())
    relative = {(n.level, n.module) for n in ast.walk(tree)
                if isinstance(n, ast.ImportFrom) and n.level}
    absolute = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    absolute |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
                 and not n.level}
    assert relative == {(2, "_validation"), (2, "errors")}
    assert "numpy" in absolute and not any(m.startswith("gradlab") for m in absolute)
    code = "import gradlab.check.space as s; print(s.Space.__module__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "gradlab.check.space"


def test_values_at_is_the_central_difference_loop():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    space = Space(x)
    grad = np.empty(space.size)
    for i in range(space.size):
        (fp, fm), (xp, xm) = space.values_at(i, (1e-4, -1e-4),
                                             lambda _: space.call(lambda v: np.sum(v ** 2)))
        grad[i] = (fp - fm) / (xp - xm)
    assert np.allclose(grad, 2 * x.ravel(), rtol=1e-10)
    assert np.array_equal(x, [[1.0, 2.0], [3.0, 4.0]])


@pytest.mark.parametrize("layout", ["C", "F", "view", "transposed", "0-d"])
def test_any_layout_is_perturbed_in_place_and_restored(layout):
    base = np.arange(12.0).reshape(3, 4) + 0.5
    x = {"C": base.copy(), "F": np.asfortranarray(base), "view": base[:, ::2],
         "transposed": base.T, "0-d": np.array(2.5)}[layout]
    before = snapshot(x)
    seen = []
    space = Space(x)
    for i in range(space.size):
        k, idx = space.locate(i)
        space.values_at(i, (0.25,), lambda _, idx=idx: seen.append(float(x[idx])))
    assert seen == [float(v) + 0.25 for v in before[0].ravel()]  # C order over the leaf
    assert_unchanged(before, x)


def test_restored_bit_for_bit_when_evaluate_raises_and_sign_of_zero_kept():
    x = np.array([-0.0, 1.0])
    before = snapshot(x)

    def boom(_):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        Space(x).values_at(0, (1e-3,), boom)
    assert_unchanged(before, x) and np.signbit(x[0])


def test_lost_step_raises_before_evaluating_and_names_the_element():
    x = np.array([1e20, 1.0])
    calls = []
    with pytest.raises(StepLostError, match=r"x\[0\] = 1e\+20: x \+ h == x in float64"):
        Space(x).values_at(0, (1e-4,), lambda _: calls.append(1))
    assert calls == [] and x[0] == 1e20
    assert "spacing of float32" in str(step_lost("w", np.float32(1e8), 1.0))


def test_explicit_too_small_h_is_a_step_lost_error():
    with pytest.raises(StepLostError):
        check_gradient(np.sum, np.array([1e12, 1.0]), np.ones(2), h=1e-30)


def test_longdouble_is_not_called_modified_by_its_padding():
    x = np.array([1.0, 2.0], dtype=np.longdouble)
    result = check_gradient(lambda v: np.sum(v ** 2), x, 2 * x)
    assert result.ok and result.dtype == "float64"  # f's float64 sum limits the check
    space = Space(x)
    space.leaves[0].array.view(np.uint8)[-1] ^= 0xFF  # a padding byte only
    assert space.changed() is None or np.dtype(np.longdouble).itemsize == 8


def test_structures_are_flattened_in_order_with_labels():
    x = {"layer": {"W": np.ones((2, 2)), "b": np.zeros(2)}, "scale": 1.5}
    space = Space(x)
    assert space.size == 7 and space.labels == ["layer.W", "layer.b", "scale"]
    assert [space.where(i) for i in (0, 4, 6)] == ["layer.W[0, 0]", "layer.b[0]", "scale"]
    (arg,) = space.args()
    assert arg is not x and arg["layer"] is x["layer"]  # rebuilt only where a float lives
    assert arg["scale"] == 1.5 and isinstance(arg["scale"], float)
    t = Space((np.ones(2), 3.0))
    assert t.star and t.labels == ["x[0]", "x[1]"] and t.args()[1] == 3.0


def test_python_and_numpy_scalars_travel_as_scalars():
    f = lambda a, b: a * a * b  # noqa: E731
    result = check_gradient(f, (2.0, np.float32(3.0)), (12.0, 4.0))
    assert result.ok and result.dtype == "float32"
    assert result.numeric[0] == pytest.approx(12.0, rel=1e-4)
    assert isinstance(result.numeric[0], float) and result.worst[0].where in ("x[0]", "x[1]")
    assert check_gradient(lambda v: v ** 3, 2.0, 12.0).ok  # a bare float
    assert check_gradient(lambda v: v ** 3, 2, 12.0).ok    # an int is promoted
    assert check_gradient(lambda v: v ** 3, np.array(2.0), 12.0).ok  # 0-d array


def test_nested_dict_and_tuple_of_arrays(rng):
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    x = {"lin": {"W": W, "b": b}}
    f = lambda p: np.sum(np.tanh(np.ones(3) @ p["lin"]["W"] + p["lin"]["b"]))  # noqa: E731
    d = 1 - np.tanh(np.ones(3) @ W + b) ** 2
    grad = {"lin": {"W": np.outer(np.ones(3), d), "b": d}}
    assert check_gradient(f, x, grad).ok
    grad["lin"]["b"] = grad["lin"]["b"] * np.array([1, 1.01])
    result = check_gradient(f, x, grad)
    assert result.status == "fail" and result.worst[0].where == "lin.b[1]"
    g = lambda a, c: np.sum(a * c)  # noqa: E731
    assert check_gradient(g, [W, W + 1], [W + 1, W]).ok


@pytest.mark.parametrize("x, match", [
    ({}, "empty dict"), ((), "empty tuple"), ([np.ones(2), "a"], "is a str"),
    (True, "is a bool"), (np.array([1, 2]), "integer dtype"),
    (np.array([1 + 2j]), "complex"), (np.zeros(0), "empty"),
    (np.array(["a"]), "floating-point"), ({"W": np.array([1.0, np.nan])}, "non-finite"),
])
def test_bad_x_refused_with_its_name(x, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Space(x)


def test_values_along_moves_every_coordinate_and_restores():
    x = {"a": np.ones(2), "b": np.full(3, 2.0, dtype=np.float32)}
    space = Space(x)
    d = np.array([1.0, 2.0, 0.5, 0.5, 0.5])
    seen = []
    _, moved = space.values_along(d, (0.5, -1.0), lambda t: seen.append(
        (x["a"].copy(), x["b"].copy())), lo=1, hi=4)
    assert np.array_equal(seen[0][0], [1.0, 2.0]) and np.array_equal(seen[0][1], [2.25, 2.25, 2])
    assert np.allclose(moved[1], [0, -2.0, -0.5, -0.5, 0])
    assert np.array_equal(x["a"], [1, 1]) and np.array_equal(x["b"], [2, 2, 2])
