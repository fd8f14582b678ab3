"""The book's optimizers and the accepted formulations of gradlab.update_rules: trajectories on
quadratics against hand-derived formulas and against the JAX twins, in-place semantics, state,
deliberately broken variants caught, validation messages."""

import inspect

import numpy as np
import pytest

import gradlab as gl
from gradlab import reference as ref
from gradlab.update_rules import BOOK_HYPERPARAMETERS, EPS, FORMULATIONS, book_rule, trajectory
from tests.helpers import PARITY_RTOL, assert_parity, assert_unchanged, snapshot

OPTIMIZERS = {cls.__name__: cls for cls in (gl.SGD, gl.Momentum, gl.Nesterov, gl.AdaGrad,
                                            gl.RMSprop, gl.Adam)}

# f(x) = 0.5 * sum(a * x**2): gradient a * x, far from the minimum for the first steps
A_DIAG, X0 = np.array([1.0, 4.0, 0.5]), np.array([1.0, -2.0, 3.0])
HYPER = {"SGD": {"lr": 0.1}, "Momentum": {"lr": 0.1, "momentum": 0.8},
         "Nesterov": {"lr": 0.1, "momentum": 0.8}, "AdaGrad": {"lr": 0.3},
         "RMSprop": {"lr": 0.05, "decay_rate": 0.9},
         "Adam": {"lr": 0.2, "beta1": 0.8, "beta2": 0.95}}

# A hand formula or a different implementation of a few steps rounds a dozen times per step,
# each time by at most half an ulp of values no larger than max|x0| * (1 + lr * max a):
# PARITY_RTOL (64 ulps) of that scale per step covers it; a wrong formula moves x by O(lr).
SCALE = float(np.max(np.abs(X0))) * 2


def run(opt, steps, x0=X0, a=A_DIAG):
    params = {"x": np.array(x0, dtype=float)}
    path = [params["x"].copy()]
    for _ in range(steps):
        opt.update(params, {"x": a * params["x"]})
        path.append(params["x"].copy())
    return np.stack(path)


def hand_two_steps(name, x0=X0, a=A_DIAG):
    """x1 and x2 of each book rule, derived by hand for f = 0.5 sum(a x**2)."""
    h = {**BOOK_HYPERPARAMETERS[name], **HYPER[name]}
    lr = h["lr"]
    k = lr * a
    g0 = a * x0
    if name == "SGD":
        return (1 - k) * x0, (1 - k) ** 2 * x0
    if name == "Momentum":
        mu = h["momentum"]
        return (1 - k) * x0, ((1 - k) ** 2 - mu * k) * x0
    if name == "Nesterov":
        mu = h["momentum"]
        return (1 - (1 + mu) * k) * x0, ((1 - (1 + mu) * k) ** 2 - mu * mu * k) * x0
    if name == "AdaGrad":
        x1 = x0 - lr * g0 / (np.abs(g0) + EPS)
        g1 = a * x1
        return x1, x1 - lr * g1 / (np.sqrt(g0 ** 2 + g1 ** 2) + EPS)
    if name == "RMSprop":
        r = h["decay_rate"]
        x1 = x0 - lr * g0 / (np.sqrt(1 - r) * np.abs(g0) + EPS)
        g1 = a * x1
        return x1, x1 - lr * g1 / (np.sqrt(r * (1 - r) * g0 ** 2 + (1 - r) * g1 ** 2) + EPS)
    b1, b2 = h["beta1"], h["beta2"]
    x1 = x0 - lr * np.sqrt(1 - b2) * g0 / (np.sqrt(1 - b2) * np.abs(g0) + EPS)
    g1 = a * x1
    m2, v2 = b1 * (1 - b1) * g0 + (1 - b1) * g1, b2 * (1 - b2) * g0 ** 2 + (1 - b2) * g1 ** 2
    lr2 = lr * np.sqrt(1 - b2 ** 2) / (1 - b1 ** 2)
    return x1, x1 - lr2 * m2 / (np.sqrt(v2) + EPS)


# --- broken variants, as learners write them ---------------------------------------------


class NesterovVelocityFirst(gl.Nesterov):
    """Updates v first and then uses the new v in the book's parameter step."""

    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(p) for k, p in params.items()}
        for k in params:
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] += self.momentum ** 2 * self.v[k] - (1 + self.momentum) * self.lr * grads[k]


class MomentumSignError(gl.Momentum):
    """v = momentum*v - lr*g as the book, then p -= v: climbs the gradient."""

    def update(self, params, grads):
        if self.v is None:
            self.v = {k: np.zeros_like(p) for k, p in params.items()}
        for k in params:
            self.v[k] = self.momentum * self.v[k] - self.lr * grads[k]
            params[k] -= self.v[k]


class AdaGradNoSqrt(gl.AdaGrad):
    def update(self, params, grads):
        if self.h is None:
            self.h = {k: np.zeros_like(p) for k, p in params.items()}
        for k in params:
            self.h[k] += grads[k] ** 2
            params[k] -= self.lr * grads[k] / (self.h[k] + 1e-7)


class AdamNoBiasCorrection(gl.Adam):
    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(p) for k, p in params.items()}
            self.v = {k: np.zeros_like(p) for k, p in params.items()}
        for k in params:
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * grads[k]
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * grads[k] ** 2
            params[k] -= self.lr * self.m[k] / (np.sqrt(self.v[k]) + 1e-7)


BROKEN = {"Nesterov": NesterovVelocityFirst, "Momentum": MomentumSignError,
          "AdaGrad": AdaGradNoSqrt, "Adam": AdamNoBiasCorrection}


# --- trajectories ------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_first_two_steps_match_the_hand_derived_formulas(name):
    path = run(OPTIMIZERS[name](**HYPER[name]), 2)
    x1, x2 = hand_two_steps(name)
    assert_parity(path[1], x1, scale=SCALE)
    assert_parity(path[2], x2, scale=SCALE, rtol=2 * PARITY_RTOL)


@pytest.mark.parametrize("name", list(BROKEN))
def test_hand_formulas_catch_a_broken_variant(name):
    path = run(BROKEN[name](**HYPER[name]), 2)
    x1, x2 = hand_two_steps(name)
    err = max(np.max(np.abs(path[1] - x1)), np.max(np.abs(path[2] - x2)))
    assert err > 1e6 * PARITY_RTOL * SCALE


def jax_trajectory(name, steps, x0=X0, a=A_DIAG):
    """The same steps through the JAX twins (written from the textbook formulas)."""
    h = {**BOOK_HYPERPARAMETERS[name], **HYPER[name]}
    x, state, path = x0.astype(float), [np.zeros_like(x0)] * 2, [x0.astype(float)]
    for t in range(1, steps + 1):
        g = a * x
        if name == "SGD":
            x = ref.sgd_step(x, g, h["lr"])
        elif name in ("Momentum", "Nesterov"):
            step = ref.momentum_step if name == "Momentum" else ref.nesterov_step
            x, state[0] = step(x, g, state[0], h["lr"], h["momentum"])
        elif name == "AdaGrad":
            x, state[0] = ref.adagrad_step(x, g, state[0], h["lr"])
        elif name == "RMSprop":
            x, state[0] = ref.rmsprop_step(x, g, state[0], h["lr"], h["decay_rate"])
        else:
            x, state[0], state[1] = ref.adam_step(x, g, state[0], state[1], t, h["lr"],
                                                  h["beta1"], h["beta2"])
        path.append(np.asarray(x))
    return np.stack(path)


STEPS = 6


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_trajectory_matches_the_jax_twin(name):
    ours = run(OPTIMIZERS[name](**HYPER[name]), STEPS)
    # rounding differences of one step are carried by the (non-expansive here) dynamics and
    # add up over the steps: STEPS times the one-step allowance
    assert_parity(ours, jax_trajectory(name, STEPS), scale=SCALE, rtol=STEPS * PARITY_RTOL)


@pytest.mark.parametrize("name", list(BROKEN))
def test_jax_twin_catches_a_broken_variant(name):
    ours = run(BROKEN[name](**HYPER[name]), STEPS)
    with pytest.raises(AssertionError):
        assert_parity(ours, jax_trajectory(name, STEPS), scale=SCALE, rtol=STEPS * PARITY_RTOL)


# --- the formulations in update_rules ----------------------------------------------------

ALL_RULES = [r for rules in FORMULATIONS.values() for r in rules]


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: f"{r.optimizer}-{r.name}")
def test_each_formulation_relates_to_the_book_as_its_kind_says(rule):
    def grad(x):
        return A_DIAG * x

    hyper = HYPER[rule.optimizer]
    book = trajectory(book_rule(rule.optimizer), grad, X0, STEPS, **hyper)
    other = trajectory(rule, grad, X0, STEPS, **hyper)
    gap = float(np.max(np.abs(other - book)))
    rounding = STEPS * PARITY_RTOL * SCALE
    if rule.kind in ("book", "equivalent"):
        assert gap <= rounding, f"{rule.name}: {gap:.3e} > rounding {rounding:.3e}"
    elif rule.kind == "variant":     # where the 1e-7 goes: O(1e-7 / sqrt(1 - beta2)) relative
        assert 1e3 * rounding < gap < 1e-4 * SCALE, f"{rule.name}: gap {gap:.3e}"
    else:
        assert rule.kind == "nonstandard" and gap > 1e-2 * SCALE


def test_the_classes_run_the_book_rules_exactly():
    for name, cls in OPTIMIZERS.items():
        ours = run(cls(**HYPER[name]), STEPS)
        rules = trajectory(book_rule(name), lambda x: A_DIAG * x, X0, STEPS, **HYPER[name])
        np.testing.assert_array_equal(ours, rules)


def test_nesterov_formulations_agree_on_a_coupled_quadratic(rng):
    A = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    paths = [trajectory(rule, lambda x: A @ x - b, np.array([2.0, -3.0]), 10, lr=0.05,
                        momentum=0.9) for rule in FORMULATIONS["Nesterov"]]
    for p in paths[1:]:
        assert_parity(p, paths[0], scale=3.0, rtol=10 * PARITY_RTOL)


def test_book_defaults_are_the_constructors_defaults():
    for name, cls in OPTIMIZERS.items():
        sig = inspect.signature(cls)
        assert {k: v.default for k, v in sig.parameters.items()} == BOOK_HYPERPARAMETERS[name]


# --- in-place semantics and state --------------------------------------------------------

@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_update_is_in_place_grads_untouched_and_layers_see_it(name, rng):
    W, b = rng.normal(size=(3, 2)), rng.normal(size=2)
    layer, params = gl.Affine(W, b), {"W": W, "b": b}
    grads = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
    before = snapshot(grads["W"], grads["b"])
    rule = book_rule(name)
    expected, _ = rule.step(W.copy(), grads["W"], rule.init(W), **BOOK_HYPERPARAMETERS[name])
    OPTIMIZERS[name]().update(params, grads)
    assert params["W"] is W and layer.W is W
    np.testing.assert_array_equal(W, expected)
    assert_unchanged(before, grads["W"], grads["b"])


def test_state_is_created_on_the_first_update_with_book_names():
    params, grads = {"x": X0.copy()}, {"x": np.ones(3)}
    names = {"Momentum": ["v"], "Nesterov": ["v"], "AdaGrad": ["h"], "RMSprop": ["h"],
             "Adam": ["m", "v"]}
    for name, attrs in names.items():
        opt = OPTIMIZERS[name]()
        assert all(getattr(opt, a) is None for a in attrs)
        opt.update(params, grads)
        assert all(getattr(opt, a)["x"].shape == (3,) for a in attrs)
    adam = gl.Adam()
    for expected in (1, 2):
        adam.update({"x": X0.copy(), "y": np.ones(2)}, {"x": np.ones(3), "y": np.ones(2)})
        assert adam.iter == expected      # once per update, not once per parameter


# --- validation --------------------------------------------------------------------------

def _update(opt, params, grads):
    return lambda: opt.update(params, grads)


OPTIMIZER_ERRORS = [
    (lambda: gl.SGD(lr=0), ValueError, r"lr must be a positive finite learning rate, got 0"),
    (lambda: gl.Momentum(momentum=1.0), ValueError,
     r"momentum must be in \[0, 1\), got 1.0; the book uses 0.9"),
    (lambda: gl.RMSprop(decay_rate=-0.5), ValueError, r"decay_rate must be in \[0, 1\)"),
    (lambda: gl.Adam(beta2=1.5), ValueError, r"beta2 must be in \[0, 1\), got 1.5; the book "
     r"uses 0.999"),
    (_update(gl.SGD(), [np.ones(2)], [np.ones(2)]), TypeError,
     r"update\(params, grads\) takes two dicts of arrays"),
    (_update(gl.SGD(), {"W": 1.0}, {"W": 1.0}), TypeError,
     r"params\['W'\] is a float, not an ndarray: update changes params in place"),
    (_update(gl.SGD(), {"W": np.ones(2, dtype=int)}, {"W": np.ones(2)}), TypeError,
     r"params\['W'\] has integer dtype"),
    (_update(gl.SGD(), {"W": np.ones(2)}, {"b": np.ones(2)}), ValueError,
     r"grads has no entry for params\['W'\]; grads must have every key of params"),
    (_update(gl.SGD(), {"W": np.ones(2)}, {"W": np.ones(1)}), ValueError,
     r"grads\['W'\] has shape \(1,\) but params\['W'\] has shape \(2,\)"),
    (_update(gl.SGD(), {"W": np.ones(2)}, {"W": np.array([1.0, np.nan])}), ValueError,
     r"grads\['W'\] contains a non-finite value"),
    (lambda: (lambda o: (o.update({"W": np.ones(2)}, {"W": np.ones(2)}),
                         o.update({"W": np.ones(3)}, {"W": np.ones(3)})))(gl.Momentum()),
     ValueError, r"Momentum.v was created for other parameters \(params\['W'\] is new or "
     r"changed shape to \(3,\)\); use a new optimizer for a new network"),
    (lambda: book_rule("Adagrad"), ValueError, r"unknown optimizer 'Adagrad'"),
]


@pytest.mark.parametrize("call, error, message", OPTIMIZER_ERRORS)
def test_validation_messages(call, error, message):
    with pytest.raises(error, match=message):
        call()
