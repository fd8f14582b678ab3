"""Every message the checker raises, listed whole: what was wrong and what to do."""

import re

import numpy as np
import pytest

from gradlab import check_gradient, check_jacobian, check_jvp, check_vjp
from gradlab.check.space import Space

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

X = np.array([1.0, 2.0])


def sq(x):
    return float(np.sum(x ** 2))


def ro():
    x = np.array([1.0, 2.0])
    x.flags.writeable = False
    return x


CASES = [
    # options
    (lambda: check_gradient(sq, X, 2 * X, mode="quick"), ValueError,
     "mode must be one of ('full', 'fast'), got 'quick': 'full' checks every element, "
     "'fast' k random directions."),
    (lambda: check_gradient(sq, X, 2 * X, method="forward"), ValueError,
     "method must be one of ('central', 'richardson', 'complex'), got 'forward'."),
    (lambda: check_gradient(sq, X, 2 * X, h=-1.0), ValueError,
     "h must be a positive finite step or None (dtype default), got -1.0."),
    (lambda: check_gradient(sq, X, 2 * X, h=True), ValueError,
     "h must be a positive finite step or None (dtype default), got True."),
    (lambda: check_gradient(sq, X, 2 * X, safety=0.5), ValueError,
     "safety must be a finite factor >= 1, got 0.5."),
    (lambda: check_gradient(sq, X, 2 * X, safety="10"), ValueError,
     "safety must be a finite factor >= 1, got '10'."),
    (lambda: check_gradient(sq, X, 2 * X, seed=-1), ValueError,
     "seed must be a non-negative integer or None, got -1."),
    (lambda: check_gradient(sq, X, 2 * X, seed=1.5), ValueError,
     "seed must be a non-negative integer or None, got 1.5."),
    (lambda: check_gradient(sq, X, 2 * X, k=0), ValueError,
     "k must be a positive integer, got 0; pass a whole number >= 1."),
    (lambda: check_gradient(sq, X, 2 * X, k="4"), ValueError,
     "k must be a positive integer, got '4'."),
    (lambda: check_gradient(sq, X, 2 * X, worst=2.5), ValueError,
     "worst must be a positive integer, got 2.5; pass a whole number."),
    (lambda: check_gradient(sq, X, 2 * X, bounds=(0, 1, 2)), ValueError,
     "bounds must be a pair (lo, hi) (each a number, None, or an array like x), "
     "got (0, 1, 2)."),
    (lambda: check_gradient(sq, X, 2 * X, executor="pool"), TypeError,
     "executor must be a concurrent.futures.Executor (with submit), got str."),
    # x
    (lambda: check_gradient(sq, np.array([1, 2]), 2 * X), TypeError,
     "x has integer dtype int64"),
    (lambda: check_gradient(sq, ro(), 2 * X), ValueError,
     "x is read-only; the checker perturbs x in place (and restores it). Pass a writeable "
     "array, e.g. x.copy()."),
    (lambda: check_gradient(sq, np.array([1j]), np.ones(1)), TypeError,
     "x is complex (complex128); the checker checks real derivatives of real parameters."),
    (lambda: check_gradient(lambda p: 0.0, {}, {}), ValueError,
     "x is an empty dict; pass the parameters to check, e.g. net.params."),
    (lambda: check_gradient(lambda: 0.0, [], []), ValueError,
     "x is an empty list; pass at least one array."),
    (lambda: check_gradient(sq, {"W": "abc"}, {"W": 1.0}), TypeError,
     "x['W'] is a str; x must be a float ndarray, a number, or a tuple, list or dict of "
     "them."),
    (lambda: check_gradient(lambda a, b: a, (1.0, np.array([np.inf])), (1.0, [0.0])),
     ValueError, "x[1] contains a non-finite value (inf at x[1][0])"),
    # f
    (lambda: check_gradient(3.0, X, 2 * X), TypeError,
     "f must be a callable f(x) -> scalar, got float."),
    (lambda: check_jacobian(3.0, X, np.eye(2)), TypeError,
     "f must be a callable f(x) -> array, got float."),
    (lambda: check_gradient(lambda x: "a", X, 2 * X), TypeError,
     "f returned str at x; f must return a number."),
    (lambda: check_jacobian(lambda x: None, X, np.eye(2)), TypeError,
     "f returned NoneType at x; f must return an array of numbers."),
    (lambda: check_gradient(lambda x: 1j * x[0], X, 2 * X), TypeError,
     "f returned a complex value at x for real x; the checker differentiates real "
     "functions."),
    (lambda: check_gradient(lambda x: x, X, 2 * X), ValueError,
     "f returned an array of shape (2,) at x; check_gradient differentiates a scalar "
     "function (reduce it, e.g. np.sum, or use check_jacobian / check_vjp)."),
    (lambda: check_gradient(lambda x: np.inf, X, 2 * X), ValueError,
     "f returned inf at x; the function is not finite there, so it has no derivative (an "
     "overflow or log(0) inside f?)."),
    (lambda: check_gradient(sq, [1.0, 2.0], [2.0, 4.0]), TypeError,
     "sq() takes 1 positional argument but 2 were given. x is a list of 2, so f is called "
     "as f(*x); to check f of one array, pass np.asarray(x)."),
    (lambda: check_jacobian(lambda x: np.array([1.0, np.nan]), X, np.eye(2)), ValueError,
     "f returned nan at x; the function is not finite there"),
    # the claim
    (lambda: check_gradient(sq, X, np.ones(3)), ValueError,
     "grad has shape (3,) but x has shape (2,); a gradient has the shape of what it "
     "differentiates."),
    (lambda: check_gradient(sq, X, np.array(["a", "b"])), TypeError,
     "grad must be a numeric array, got dtype <U1."),
    (lambda: check_gradient(sq, X, np.array([1j, 2])), TypeError,
     "grad is complex; a real function has a real derivative."),
    (lambda: check_gradient(sq, X, np.array([2.0, np.nan])), ValueError,
     "grad contains nan at index (1,): the analytic derivative is not finite there (an "
     "overflow in exp or a log(0) upstream is the usual cause)."),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, X), TypeError,
     "grad must be a dict with keys ['W'] like x, got ndarray."),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, {"V": X}), ValueError,
     "grad has keys ['V'] but x has keys ['W']; they must match."),
    (lambda: check_gradient(lambda a, b: a, (1.0, 2.0), (1.0,)), TypeError,
     "grad must be a tuple or list of 2 entries like x, got a tuple of 1."),
    (lambda: check_gradient(lambda a, b: a, (1.0, 2.0), 1.0), TypeError,
     "grad must be a tuple or list of 2 entries like x, got a float."),
    (lambda: check_jacobian(np.sin, X, np.ones((3, 2))), ValueError,
     "jac has shape (3, 2) but x has shape (2,) and f(x) (2,); a Jacobian has shape "
     "f(x).shape + x.shape."),
    # bounds
    (lambda: check_gradient(sq, X, 2 * X, bounds=(1.5, None)), ValueError,
     "x[0] = 1 lies outside bounds [1.5, inf]; the check needs x inside its domain "
     "(lo <= x <= hi)."),
    (lambda: check_gradient(sq, X, 2 * X, bounds=(True, None)), TypeError,
     "bounds[0] is a bool; a bound is a number, None, or an array like x."),
    (lambda: check_gradient(sq, X, 2 * X, bounds=(None, ["a", "b"])), ValueError,
     "bounds[1] must be a number, None, or an array broadcastable to x's shape (2,): "),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, {"W": X}, bounds=({"V": 0.0}, None)),
     ValueError, "bounds[0] must be laid out like x (a number, None, or the same "
                 "keys/entries); bounds[0]['W'] is missing."),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, {"W": X}, bounds=({"W": [0, 0, 0]}, 9)),
     ValueError, "bounds[0]['W'] does not fit x's shape (2,): "),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, {"W": X}, bounds=([0, 0], None)),
     ValueError, "bounds[0] must be laid out like x (a number, None, or the same "
                 "keys/entries); bounds[0]['W'] is missing."),
    (lambda: check_gradient(lambda p: 0.0, {"W": X}, {"W": X}, bounds=({"W": "ab"}, None)),
     ValueError, "bounds[0]['W'] does not fit x's shape (2,): "),
    # vector checks
    (lambda: check_vjp(np.sin, X, X, cotangent=np.ones(3)), ValueError,
     "cotangent has shape (3,) but f(x) has shape (2,); it must be laid out like f(x)."),
    (lambda: check_vjp(np.sin, X, X, cotangent=np.array(["a", "b"])), TypeError,
     "cotangent must be a real numeric array like f(x), got dtype <U1."),
    (lambda: check_vjp(np.sin, X, X, cotangent=np.array([1.0, np.nan])), ValueError,
     "cotangent contains a non-finite value; the claimed derivative must be finite."),
    (lambda: check_vjp(np.sin, X, X), TypeError,
     "vjp must be a callable vjp(v) -> like x, or pass cotangent= with the claimed VJP for "
     "that cotangent."),
    (lambda: check_jvp(np.sin, X, X), TypeError,
     "jvp must be a callable jvp(u) -> like f(x), or pass tangent= with the claimed JVP for "
     "that tangent."),
    (lambda: check_jvp(np.sin, X, X, tangent=np.zeros(2)), ValueError,
     "tangent is zero everywhere; a JVP needs a direction."),
    (lambda: check_jacobian(lambda x: np.ones(int(x[0] * 2)), X, np.ones((2, 2))), ValueError,
     "f returned shape (1,) at x[0] - 1.14e-05 but (2,) at x; a Jacobian needs an output of "
     "fixed shape."),
]


@pytest.mark.parametrize("call, error, message", CASES)
def test_message(call, error, message):
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(message), str(info.value)


def test_f_and_grad_modifying_x_are_named():
    def f(x):
        x[1] += 0.5
        return 0.0

    with pytest.raises(ValueError, match=re.escape(
            "f modified x in place (x[1] changed from np.float64(2.0) to np.float64(2.5)); "
            "the check cannot be trusted when the point moves. Make f pure: compute on "
            "copies (e.g. W = W - lr * g instead of W -= lr * g inside f).")):
        check_gradient(f, X.copy(), np.zeros(2))


def test_a_perturbed_point_where_f_is_not_finite_is_named_in_the_notes():
    x = np.linspace(0.5, 1.0, 5)
    calls = []

    def f(v):
        calls.append(1)
        return np.nan if len(calls) > 2 else float(np.sum(v))  # every perturbed point

    result = check_gradient(f, x, np.ones(5))
    assert result.status == "inconclusive" and result.cause == "domain"
    note = next(n for n in result.notes if n.startswith("steps dropped"))
    # x[0] = 0.5 is a float32 number: the step 1.21e-5 is taken on float32's grid, as a
    # multiple of 32 ulps (gradlab.check.steps), 1.14e-5
    assert note == ("steps dropped where f was not finite: f returned nan at x[0] + "
                    "1.14e-05; f returned nan at x[0] - 1.14e-05; f returned nan at x[0] + "
                    "5.72e-06.")  # the first three only
    assert "First failure: f returned nan at x[0] + 1.14e-05." in result.hint


def test_space_where_and_labels():
    s = Space({"a": np.zeros((2, 3)), "b": 1.0})
    assert [s.where(i) for i in (0, 5, 6)] == ["a[0, 0]", "a[1, 2]", "b"]
    assert s.locate(4) == (0, (1, 1))
